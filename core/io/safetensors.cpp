#include "core/io/safetensors.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io/files.h"

namespace unipose::io {
namespace {

// Largest JSON header accepted (the format's own reference implementation uses the same bound).
constexpr std::uint64_t kMaxHeader = 100u << 20;

}  // namespace

std::int64_t TensorBytes::numel() const {
  std::int64_t n = 1;
  for (auto s : shape) n *= s;
  return n;
}

std::size_t dtype_size(const std::string& d) {
  if (d == "F64" || d == "I64" || d == "U64") return 8;
  if (d == "F32" || d == "I32" || d == "U32") return 4;
  if (d == "F16" || d == "BF16" || d == "I16" || d == "U16") return 2;
  if (d == "I8" || d == "U8" || d == "BOOL") return 1;
  return 0;
}

std::vector<std::string> safetensors_files(const std::string& dir) {
  std::vector<std::string> shards;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".safetensors") shards.push_back(e.path().string());
  if (ec) fail(dir, "cannot be read (" + ec.message() + ")");
  std::sort(shards.begin(), shards.end());
  if (shards.empty()) fail(dir, "holds no .safetensors weights");
  return shards;
}

SafetensorsFile read_safetensors(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_binary_file(path);
  if (bytes.size() < 8) fail(path, "not a safetensors file (shorter than its 8-byte header length)");
  std::uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | bytes[i];
  if (header_len > kMaxHeader || header_len > bytes.size() - 8)
    fail(path, "corrupt safetensors file: header length " + std::to_string(header_len) + " does not fit the file (truncated?)");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<long>(header_len));
  } catch (const nlohmann::json::exception&) {
    fail(path, "corrupt safetensors file: the header is not valid JSON");
  }
  if (!header.is_object()) fail(path, "corrupt safetensors file: the header is not a JSON object");
  const std::uint64_t data_start = 8 + header_len;
  const std::uint64_t data_size = bytes.size() - data_start;
  SafetensorsFile out;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object()) fail(path, "__metadata__ must map names to texts");
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_string()) fail(path, "__metadata__ entry '" + m.key() + "' is not a text");
        out.metadata[m.key()] = m->get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + it.key() + "'";
    const auto& e = *it;
    if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") || !e.contains("data_offsets"))
      fail(path, where + ": needs dtype, shape and data_offsets");
    TensorBytes t;
    t.dtype = e["dtype"].is_string() ? e["dtype"].get<std::string>() : "";
    if (dtype_size(t.dtype) == 0) fail(path, where + ": unsupported dtype '" + t.dtype + "'");
    if (!e["shape"].is_array()) fail(path, where + ": shape is not a list");
    long double count = 1;
    for (const auto& s : e["shape"]) {
      if (!s.is_number_unsigned()) fail(path, where + ": shape holds something that is not a size");
      t.shape.push_back(s.get<std::int64_t>());
      count *= static_cast<long double>(t.shape.back());
    }
    const auto& off = e["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      fail(path, where + ": data_offsets must be two sizes");
    const std::uint64_t begin = off[0].get<std::uint64_t>(), end = off[1].get<std::uint64_t>();
    if (begin > end || end > data_size)
      fail(path, where + ": data [" + std::to_string(begin) + ", " + std::to_string(end) + ") lies outside the file's " +
                     std::to_string(data_size) + " data bytes (truncated?)");
    if (static_cast<long double>(end - begin) != count * dtype_size(t.dtype))
      fail(path, where + ": " + std::to_string(end - begin) + " bytes do not hold its shape of " + t.dtype);
    t.data.assign(bytes.begin() + static_cast<long>(data_start + begin), bytes.begin() + static_cast<long>(data_start + end));
    ranges.emplace_back(begin, end);
    out.tensors.emplace(it.key(), std::move(t));
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first < ranges[i - 1].second) fail(path, "corrupt safetensors file: tensors overlap");
  return out;
}

void write_safetensors(const std::string& path, const SafetensorsFile& file) {
  nlohmann::ordered_json header;
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  std::uint64_t offset = 0;
  for (const auto& [name, t] : file.tensors) {
    if (dtype_size(t.dtype) == 0) throw Error("cannot write tensor '" + name + "': unknown dtype " + t.dtype);
    if (static_cast<std::uint64_t>(t.numel()) * dtype_size(t.dtype) != t.data.size())
      throw Error("cannot write tensor '" + name + "': data size does not match its shape");
    header[name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');  // data aligned to 8 bytes
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((static_cast<std::uint64_t>(h.size()) >> (8 * i)) & 0xff);
  out += h;
  out.reserve(out.size() + offset);
  for (const auto& [name, t] : file.tensors) out.append(reinterpret_cast<const char*>(t.data.data()), t.data.size());
  write_file_atomic(path, out);
}

std::string sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open to compute its checksum");
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    EVP_DigestUpdate(ctx, buf.data(), static_cast<size_t>(in.gcount()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, digest, &len);
  EVP_MD_CTX_free(ctx);
  std::string hex;
  char b[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(b, sizeof(b), "%02x", digest[i]);
    hex += b;
  }
  return hex;
}

void write_sha256sums(const std::string& dir, const std::vector<std::string>& files) {
  std::string text;
  for (const auto& f : files) text += sha256_file(dir + "/" + f) + "  " + f + "\n";
  write_file_atomic(dir + "/SHA256SUMS", text);
}

void verify_sha256sums(const std::string& dir, const std::vector<std::string>& reads) {
  const std::string sums = dir + "/SHA256SUMS";
  std::istringstream in(read_text_file(sums));
  std::set<std::string> listed;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();  // written on Windows
    if (line.empty()) continue;
    // "<64 hex>  <file>" (text mode) or "<64 hex> *<file>" (binary mode), as sha256sum writes them.
    const bool shaped = line.size() > 66 && line[64] == ' ' && (line[65] == ' ' || line[65] == '*') &&
                        line.find_first_not_of("0123456789abcdefABCDEF") == 64;
    if (!shaped) fail(sums, "line " + std::to_string(number) + " is not '<sha256>  <file>' (as sha256sum writes it)");
    std::string want = line.substr(0, 64);
    for (auto& ch : want) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    // "./config.json" is config.json; a name outside the folder (or a device, a pipe) is never read.
    const std::filesystem::path name = std::filesystem::path(line.substr(66)).lexically_normal();
    const std::string file = name.generic_string();
    if (file.empty() || name.is_absolute() || file == ".." || file.rfind("../", 0) == 0)
      fail(sums, "line " + std::to_string(number) + " names a file outside the model folder");
    const std::string full = dir + "/" + file;
    std::error_code ec;  // a name too long for the file system is an answer, not an exception
    if (!std::filesystem::exists(full, ec)) fail(sums, "line " + std::to_string(number) + ": " + file + " is listed but missing");
    if (!std::filesystem::is_regular_file(full, ec)) fail(full, "listed in SHA256SUMS but not a plain file");
    if (sha256_file(full) != want) fail(full, "checksum differs from SHA256SUMS (corrupt or modified file)");
    listed.insert(file);
  }
  if (listed.empty()) fail(sums, "lists no files");
  for (const auto& file : reads)
    if (std::error_code ec; !listed.count(file) && std::filesystem::exists(dir + "/" + file, ec))
      fail(dir + "/" + file, "is not listed in SHA256SUMS, so a change to it would go unchecked; list it (sha256sum " + file + " >> SHA256SUMS) or export the model again");
}

}  // namespace unipose::io
