// NumPy .npy / .npz reading and writing (numeric arrays only), with checks that turn truncated or malformed
// files into clear errors. Debian 12 has no cnpy: zip handling is minizip, the .npy header is parsed here.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace unipose::io {

// One numeric array in C order, little-endian. dtype is NumPy's kind + item size: "f4", "f8", "i4", "i8",
// "u1", "b1", ...
struct NpyArray {
  std::string dtype;
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> data;

  std::int64_t numel() const;
  std::size_t item_size() const;
  std::vector<double> to_double() const;
  std::vector<float> to_float() const;
  std::vector<std::int64_t> to_int64() const;

  static NpyArray from_float(std::vector<std::int64_t> shape, const std::vector<float>& values);
  static NpyArray from_double(std::vector<std::int64_t> shape, const std::vector<double>& values);
  static NpyArray from_int64(std::vector<std::int64_t> shape, const std::vector<std::int64_t>& values);
};

using NpzArchive = std::map<std::string, NpyArray>;

// `where` names the file (and entry) in error messages.
NpyArray parse_npy(const std::uint8_t* bytes, std::size_t size, const std::string& where);
std::vector<std::uint8_t> serialize_npy(const NpyArray& array);

NpzArchive read_npz(const std::string& path);
void write_npz(const std::string& path, const NpzArchive& arrays);  // atomic

// Convenience for loaders: the array or an error "PATH: missing array 'name'".
const NpyArray& require_array(const NpzArchive& npz, const std::string& name, const std::string& path);

}  // namespace unipose::io
