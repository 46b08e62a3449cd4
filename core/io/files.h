// Whole-file reads with clear errors, and atomic writes (temp file, fsync, rename) so a crash never leaves
// a half-written file behind.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace unipose::io {

// Largest file the readers accept; bigger inputs are refused with a message instead of exhausting memory.
inline constexpr std::uint64_t kMaxInputBytes = 2ull << 30;

std::string read_text_file(const std::string& path);
std::vector<std::uint8_t> read_binary_file(const std::string& path);

// Writes `bytes` to `path` atomically: `path.tmp-XXXX` in the same folder, flushed, then renamed over `path`.
void write_file_atomic(const std::string& path, const void* bytes, std::size_t size);
void write_file_atomic(const std::string& path, const std::string& text);

// Moves a finished temporary file over `path`: fsync (so a power cut cannot leave a renamed but empty file),
// rename, fsync of the folder. On failure the temporary file is removed and the error names `path` and why.
void commit_file(const std::string& tmp, const std::string& path);
// A temporary name beside `path` for commit_file: `path.tmp-PID-N`. Temporaries of `path` left by processes
// that no longer run (killed mid-write) are removed first.
std::string temporary_name(const std::string& path);
// Removes `path.tmp-PID-N` files whose process PID no longer runs.
void remove_stale_temporaries(const std::string& path);

// Lower-case extension without the dot ("json" for "a/b.JSON"); empty when there is none.
std::string extension_of(const std::string& path);

// A path as a model card or report may print it, naming no folder of the machine it was made on: an absolute
// path below the working folder becomes relative to it; any other keeps its last two names ("/tmp/run/bundle"
// -> "run/bundle"), or its last one when it sits in a top-level folder ("/tmp/corpus20k" -> "corpus20k").
std::string portable_path(const std::string& path);
// Every absolute path in a text (a word starting with '/', also after '`' or '='), made portable.
std::string portable_paths(const std::string& text);

}  // namespace unipose::io
