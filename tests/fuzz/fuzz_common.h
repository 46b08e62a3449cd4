// Shared by the libFuzzer harnesses (tests/fuzz/README.md): a per-process scratch folder for loaders that read
// files, and the rule every harness checks: bad input ends in unipose::Error (the clear one-line message the
// CLI prints) and nothing else. Any other exception, a crash or a sanitizer report is a finding.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"

namespace unipose::fuzz {

// A folder of this process under the temporary directory (tmpfs when /dev/shm exists), made once and removed
// at exit by the same object that holds its name (an atexit handler would run after the name is destroyed).
struct ScratchFolder {
  std::string dir;
  ScratchFolder() {
    const std::filesystem::path base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    dir = (base / ("unipose-fuzz-" + std::to_string(::getpid()))).string();
    std::filesystem::create_directories(dir);
  }
  ~ScratchFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

inline const std::string& scratch() {
  static const ScratchFolder folder;
  return folder.dir;
}

// Writes `size` bytes to scratch()/name and returns the path.
inline std::string write_input(const std::string& name, const std::uint8_t* data, std::size_t size) {
  const std::string path = scratch() + "/" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

// Runs `fn`; a unipose::Error is the expected answer to bad input, anything else aborts with its message.
template <typename Fn>
void expect_clear(Fn&& fn) {
  try {
    fn();
  } catch (const unipose::Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "finding: an exception other than unipose::Error escaped: %s\n", e.what());
    std::abort();
  }
}

}  // namespace unipose::fuzz
