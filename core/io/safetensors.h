// The safetensors format (8-byte little-endian header length, JSON header of name -> dtype, shape,
// data_offsets, then raw little-endian data): reading with every check a corrupt or hostile file needs,
// and atomic writing. Plain bytes here; conversion to LibTorch tensors lives with the models.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace unipose::io {

struct TensorBytes {
  std::string dtype;            // "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL"
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> data;
  std::int64_t numel() const;
};

struct SafetensorsFile {
  std::map<std::string, TensorBytes> tensors;
  std::map<std::string, std::string> metadata;  // "__metadata__"
};

// Bytes per element of a safetensors dtype; 0 for an unknown one.
std::size_t dtype_size(const std::string& dtype);

SafetensorsFile read_safetensors(const std::string& path);
// The *.safetensors files of a checkpoint folder (one or several shards), full paths in name order; a folder
// without any is an error naming it.
std::vector<std::string> safetensors_files(const std::string& dir);
void write_safetensors(const std::string& path, const SafetensorsFile& file);  // atomic

// SHA-256 of a file, lower-case hex.
std::string sha256_file(const std::string& path);

// A model bundle's SHA256SUMS ("<hex>  <file>" lines, as sha256sum writes them).
void write_sha256sums(const std::string& dir, const std::vector<std::string>& files);
// Checks every listed file of DIR/SHA256SUMS (CRLF lines and sha256sum's binary-mode '*' accepted); throws
// Error naming the first file that is missing or differs. `reads`: the files the caller's loader reads; each
// one that exists must be listed (an unlisted config could be edited unnoticed).
void verify_sha256sums(const std::string& dir, const std::vector<std::string>& reads);

}  // namespace unipose::io
