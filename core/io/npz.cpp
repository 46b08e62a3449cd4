#include "core/io/npz.h"

#include <unistd.h>
#include <unzip.h>
#include <zip.h>

#include <cmath>
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "core/error.h"
#include "core/io/files.h"

namespace unipose::io {
namespace {

constexpr char kMagic[] = "\x93NUMPY";

std::size_t dtype_item_size(const std::string& dtype, const std::string& where) {
  if (dtype.size() < 2) fail(where, "unsupported dtype '" + dtype + "'");
  const char kind = dtype[0];
  if (kind != 'f' && kind != 'i' && kind != 'u' && kind != 'b')
    fail(where, "unsupported dtype '" + dtype + "' (only numeric arrays can be read)");
  const int size = std::atoi(dtype.c_str() + 1);
  const bool ok = (kind == 'f' && (size == 4 || size == 8)) || (kind == 'b' && size == 1) ||
                  ((kind == 'i' || kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8));
  if (!ok) fail(where, "unsupported dtype '" + dtype + "'");
  return static_cast<std::size_t>(size);
}

template <typename Out>
std::vector<Out> convert(const NpyArray& a) {
  const std::size_t n = static_cast<std::size_t>(a.numel());
  std::vector<Out> out(n);
  const std::uint8_t* p = a.data.data();
  const char kind = a.dtype[0];
  const std::size_t sz = a.item_size();
  for (std::size_t i = 0; i < n; ++i, p += sz) {
    double v = 0;
    if (kind == 'f') {
      if (sz == 4) { float f; std::memcpy(&f, p, 4); v = f; }
      else { std::memcpy(&v, p, 8); }
    } else if (kind == 'i') {
      if (sz == 1) { std::int8_t x; std::memcpy(&x, p, 1); v = x; }
      else if (sz == 2) { std::int16_t x; std::memcpy(&x, p, 2); v = x; }
      else if (sz == 4) { std::int32_t x; std::memcpy(&x, p, 4); v = x; }
      else { std::int64_t x; std::memcpy(&x, p, 8); out[i] = static_cast<Out>(x); continue; }
    } else {  // 'u' or 'b'
      if (sz == 1) v = *p;
      else if (sz == 2) { std::uint16_t x; std::memcpy(&x, p, 2); v = x; }
      else if (sz == 4) { std::uint32_t x; std::memcpy(&x, p, 4); v = x; }
      else { std::uint64_t x; std::memcpy(&x, p, 8); out[i] = static_cast<Out>(x); continue; }
    }
    out[i] = static_cast<Out>(v);
  }
  return out;
}

template <typename T>
NpyArray make(const std::string& dtype, std::vector<std::int64_t> shape, const std::vector<T>& values) {
  NpyArray a;
  a.dtype = dtype;
  a.shape = std::move(shape);
  if (a.numel() != static_cast<std::int64_t>(values.size()))
    throw Error("internal: array shape does not match its value count");
  a.data.resize(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(a.data.data(), values.data(), a.data.size());
  return a;
}

// Value of `key` in the header dictionary, as raw text up to the next top-level comma or closing brace.
std::string header_value(const std::string& header, const std::string& key, const std::string& where) {
  const auto k = header.find("'" + key + "'");
  if (k == std::string::npos) fail(where, "malformed .npy header: no '" + key + "'");
  auto colon = header.find(':', k);
  if (colon == std::string::npos) fail(where, "malformed .npy header near '" + key + "'");
  std::size_t i = colon + 1;
  while (i < header.size() && header[i] == ' ') ++i;
  if (i >= header.size()) fail(where, "malformed .npy header near '" + key + "'");
  if (header[i] == '(') {
    const auto close = header.find(')', i);
    if (close == std::string::npos) fail(where, "malformed .npy header: unterminated shape");
    return header.substr(i, close - i + 1);
  }
  if (header[i] == '\'' || header[i] == '"') {
    const auto close = header.find(header[i], i + 1);
    if (close == std::string::npos) fail(where, "malformed .npy header: unterminated string");
    return header.substr(i + 1, close - i - 1);
  }
  auto end = header.find_first_of(",}", i);
  if (end == std::string::npos) end = header.size();
  return header.substr(i, end - i);
}

// Reorders a Fortran-order buffer into C order.
std::vector<std::uint8_t> fortran_to_c(const std::vector<std::uint8_t>& in, const std::vector<std::int64_t>& shape,
                                       std::size_t item) {
  const std::size_t nd = shape.size();
  std::int64_t n = 1;
  for (auto s : shape) n *= s;
  std::vector<std::uint8_t> out(in.size());
  std::vector<std::int64_t> idx(nd, 0);
  for (std::int64_t c = 0; c < n; ++c) {
    // idx is the multi-index of C-order element c; its Fortran offset has the first axis fastest.
    std::int64_t f = 0, stride = 1;
    for (std::size_t d = 0; d < nd; ++d) {
      f += idx[d] * stride;
      stride *= shape[d];
    }
    std::memcpy(out.data() + c * item, in.data() + f * item, item);
    for (std::size_t d = nd; d-- > 0;) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

}  // namespace

std::int64_t NpyArray::numel() const {
  std::int64_t n = 1;
  for (auto s : shape) n *= s;
  return n;
}

std::size_t NpyArray::item_size() const { return dtype_item_size(dtype, "array"); }
std::vector<double> NpyArray::to_double() const { return convert<double>(*this); }
std::vector<float> NpyArray::to_float() const { return convert<float>(*this); }
std::vector<std::int64_t> NpyArray::to_int64() const { return convert<std::int64_t>(*this); }

NpyArray NpyArray::from_float(std::vector<std::int64_t> shape, const std::vector<float>& values) {
  return make("f4", std::move(shape), values);
}
NpyArray NpyArray::from_double(std::vector<std::int64_t> shape, const std::vector<double>& values) {
  return make("f8", std::move(shape), values);
}
NpyArray NpyArray::from_int64(std::vector<std::int64_t> shape, const std::vector<std::int64_t>& values) {
  return make("i8", std::move(shape), values);
}

NpyArray parse_npy(const std::uint8_t* bytes, std::size_t size, const std::string& where) {
  if (size < 10 || std::memcmp(bytes, kMagic, 6) != 0) fail(where, "not a .npy array (bad magic)");
  const int major = bytes[6];
  std::size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = bytes[8] | (bytes[9] << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) fail(where, "truncated .npy header");
    header_len = bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (static_cast<std::size_t>(bytes[11]) << 24);
    offset = 12;
  } else {
    fail(where, "unsupported .npy version " + std::to_string(major));
  }
  if (offset + header_len > size) fail(where, "truncated .npy header");
  const std::string header(reinterpret_cast<const char*>(bytes + offset), header_len);
  NpyArray a;
  std::string descr = header_value(header, "descr", where);
  if (descr.size() < 3) fail(where, "unsupported dtype '" + descr + "'");
  const char order = descr[0];
  if (order == '>' && descr.substr(2) != "1") fail(where, "big-endian arrays are not supported (" + descr + ")");
  if (order != '<' && order != '|' && order != '=' && order != '>') fail(where, "unsupported dtype '" + descr + "'");
  a.dtype = descr.substr(1);
  const std::size_t item = dtype_item_size(a.dtype, where);
  const std::string fortran = header_value(header, "fortran_order", where);
  const bool is_fortran = fortran.find("True") != std::string::npos;
  const std::string shape = header_value(header, "shape", where);
  std::size_t i = 1;
  while (i < shape.size()) {
    while (i < shape.size() && (shape[i] == ' ' || shape[i] == ',')) ++i;
    if (i >= shape.size() || shape[i] == ')') break;
    if (!std::isdigit(static_cast<unsigned char>(shape[i]))) fail(where, "malformed .npy shape " + shape);
    std::int64_t v = 0;
    while (i < shape.size() && std::isdigit(static_cast<unsigned char>(shape[i]))) {
      v = v * 10 + (shape[i] - '0');
      if (v > (std::int64_t{1} << 40)) fail(where, "absurd .npy shape " + shape);
      ++i;
    }
    if (i < shape.size() && shape[i] == 'L') ++i;
    a.shape.push_back(v);
  }
  const std::size_t data_offset = offset + header_len;
  const long double want = static_cast<long double>(a.numel()) * item;
  if (want != static_cast<long double>(size - data_offset))
    fail(where, "array data is " + std::to_string(size - data_offset) + " bytes but its header promises " +
                    std::to_string(static_cast<std::uint64_t>(want)) + " (truncated or corrupt file)");
  a.data.assign(bytes + data_offset, bytes + size);
  if (is_fortran && a.shape.size() > 1) a.data = fortran_to_c(a.data, a.shape, item);
  return a;
}

std::vector<std::uint8_t> serialize_npy(const NpyArray& a) {
  std::string shape = "(";
  for (std::size_t i = 0; i < a.shape.size(); ++i) shape += std::to_string(a.shape[i]) + ", ";
  if (a.shape.size() > 1) shape.erase(shape.size() - 2);
  else if (a.shape.size() == 1) shape.erase(shape.size() - 1);
  shape += ")";
  const char order = (a.dtype == "u1" || a.dtype == "b1" || a.dtype == "i1") ? '|' : '<';
  std::string header = "{'descr': '" + std::string(1, order) + a.dtype + "', 'fortran_order': False, 'shape': " +
                       shape + ", }";
  // Pad so that magic + version + length + header is a multiple of 64, ending in a newline.
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::vector<std::uint8_t> out(kMagic, kMagic + 6);
  out.push_back(1);
  out.push_back(0);
  out.push_back(static_cast<std::uint8_t>(header.size() & 0xff));
  out.push_back(static_cast<std::uint8_t>(header.size() >> 8));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), a.data.begin(), a.data.end());
  return out;
}

NpzArchive read_npz(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) fail(path, "file not found");
  if (std::filesystem::file_size(path, ec) > kMaxInputBytes) fail(path, "file is too large");
  unzFile zf = unzOpen64(path.c_str());
  if (zf == nullptr) fail(path, "not a valid .npz file (not a zip archive, or truncated)");
  NpzArchive out;
  try {
    // Sizes first, from the archive's directory, before any memory is taken: all entries together are capped
    // like one file, and no entry may claim more than deflate can expand its compressed bytes to (~1032:1).
    const auto file_bytes = std::filesystem::file_size(path, ec);
    std::uint64_t total = 0;
    for (int rc = unzGoToFirstFile(zf); rc == UNZ_OK; rc = unzGoToNextFile(zf)) {
      char name_buf[512] = {};
      unz_file_info64 info;
      if (unzGetCurrentFileInfo64(zf, &info, name_buf, sizeof(name_buf) - 1, nullptr, 0, nullptr, 0) != UNZ_OK)
        fail(path, "corrupt .npz archive directory");
      const std::string where = path + " [" + name_buf + "]";
      if (info.compressed_size > file_bytes || info.uncompressed_size > info.compressed_size * 1100 + 4096)
        fail(where, "entry claims " + std::to_string(info.uncompressed_size) + " bytes from " + std::to_string(info.compressed_size) +
                        " compressed ones: corrupt archive");
      total += info.uncompressed_size;
      if (total > kMaxInputBytes)
        fail(path, "its entries hold more than " + std::to_string(kMaxInputBytes >> 20) + " MB together, uncompressed: too large to read");
    }
    int rc = unzGoToFirstFile(zf);
    if (rc != UNZ_OK) fail(path, "empty or corrupt .npz archive");
    while (rc == UNZ_OK) {
      char name_buf[512] = {};
      unz_file_info64 info;
      if (unzGetCurrentFileInfo64(zf, &info, name_buf, sizeof(name_buf) - 1, nullptr, 0, nullptr, 0) != UNZ_OK)
        fail(path, "corrupt .npz archive directory");
      std::string name = name_buf;
      const std::string where = path + " [" + name + "]";
      if (info.uncompressed_size > kMaxInputBytes) fail(where, "entry is too large");
      if (unzOpenCurrentFile(zf) != UNZ_OK) fail(where, "cannot open archive entry (corrupt file)");
      std::vector<std::uint8_t> bytes(info.uncompressed_size);
      std::size_t got = 0;
      while (got < bytes.size()) {
        const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(bytes.size() - got, 1u << 30));
        const int n = unzReadCurrentFile(zf, bytes.data() + got, chunk);
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
      }
      const int close_rc = unzCloseCurrentFile(zf);
      if (got != bytes.size() || close_rc == UNZ_CRCERROR)
        fail(where, "truncated or corrupt archive entry (read " + std::to_string(got) + " of " +
                        std::to_string(bytes.size()) + " bytes)");
      if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0) name.erase(name.size() - 4);
      out[name] = parse_npy(bytes.data(), bytes.size(), path + " [" + name + "]");
      rc = unzGoToNextFile(zf);
    }
    if (rc != UNZ_END_OF_LIST_OF_FILE) fail(path, "corrupt .npz archive directory");
  } catch (...) {
    unzClose(zf);
    throw;
  }
  unzClose(zf);
  return out;
}

void write_npz(const std::string& path, const NpzArchive& arrays) {
  const std::string tmp = temporary_name(path);
  errno = 0;
  zipFile zf = zipOpen64(tmp.c_str(), APPEND_STATUS_CREATE);
  if (zf == nullptr) fail(path, std::string("cannot write: ") + (errno ? std::strerror(errno) : "folder missing or not writable"));
  bool ok = true;
  for (const auto& [name, array] : arrays) {
    const auto bytes = serialize_npy(array);
    zip_fileinfo zi{};
    const std::string entry = name + ".npy";
    ok = ok && zipOpenNewFileInZip64(zf, entry.c_str(), &zi, nullptr, 0, nullptr, 0, nullptr, 0, 0, 1) == ZIP_OK;
    ok = ok && zipWriteInFileInZip(zf, bytes.data(), static_cast<unsigned>(bytes.size())) == ZIP_OK;
    ok = ok && zipCloseFileInZip(zf) == ZIP_OK;
  }
  const int write_errno = ok ? 0 : errno;
  ok = (zipClose(zf, nullptr) == ZIP_OK) && ok;
  if (!ok) {
    const int e = write_errno ? write_errno : errno;
    std::remove(tmp.c_str());
    fail(path, std::string("write failed: ") + (e ? std::strerror(e) : "the archive could not be completed") + " (disk full or folder not writable?)");
  }
  commit_file(tmp, path);
}

const NpyArray& require_array(const NpzArchive& npz, const std::string& name, const std::string& path) {
  const auto it = npz.find(name);
  if (it == npz.end()) fail(path, "missing array '" + name + "'");
  return it->second;
}

}  // namespace unipose::io
