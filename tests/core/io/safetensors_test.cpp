#include "core/io/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "core/io/files.h"

namespace unipose::io {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("unipose_st_" + std::to_string(::getpid()) + "_" + name)).string();
}

TensorBytes floats(std::vector<std::int64_t> shape, const std::vector<float>& v) {
  TensorBytes t{"F32", std::move(shape), {}};
  t.data.resize(v.size() * 4);
  if (!v.empty()) std::memcpy(t.data.data(), v.data(), t.data.size());  // an empty vector's data() may be null
  return t;
}

std::string error_of(const std::string& path) {
  try {
    read_safetensors(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Safetensors, RoundTripWithMetadata) {
  SafetensorsFile f;
  f.tensors["encoder.weight"] = floats({2, 3}, {1, 2, 3, 4, 5, 6});
  f.tensors["codebook"] = floats({1}, {7});
  f.tensors["empty"] = floats({0, 4}, {});
  f.metadata["format"] = "pt";
  const std::string path = temp_path("a.safetensors");
  write_safetensors(path, f);
  const auto g = read_safetensors(path);
  ASSERT_EQ(g.tensors.size(), 3u);
  EXPECT_EQ(g.tensors.at("encoder.weight").shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(g.tensors.at("encoder.weight").data, f.tensors["encoder.weight"].data);
  EXPECT_EQ(g.metadata.at("format"), "pt");
  // The header is padded so tensor data starts 8-byte aligned.
  const auto bytes = read_binary_file(path);
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);
  std::filesystem::remove(path);
}

TEST(Safetensors, CorruptFilesNameTheProblem) {
  SafetensorsFile f;
  f.tensors["w"] = floats({4}, {1, 2, 3, 4});
  const std::string path = temp_path("b.safetensors");
  write_safetensors(path, f);
  const auto good = read_binary_file(path);

  auto write = [&](const std::vector<std::uint8_t>& b) { write_file_atomic(path, b.data(), b.size()); };
  write(std::vector<std::uint8_t>(good.begin(), good.end() - 5));  // truncated data
  EXPECT_NE(error_of(path).find("outside the file"), std::string::npos) << error_of(path);
  write(std::vector<std::uint8_t>(good.begin(), good.begin() + 5));  // truncated length
  EXPECT_NE(error_of(path).find("shorter than its 8-byte header length"), std::string::npos);
  auto huge = good;
  huge[7] = 0x7f;  // header length far beyond the file
  write(huge);
  EXPECT_NE(error_of(path).find("does not fit the file"), std::string::npos);
  auto garbage = good;
  garbage[9] = '#';
  write(garbage);
  EXPECT_NE(error_of(path).find("not valid JSON"), std::string::npos);

  auto craft = [&](const std::string& header, size_t data_bytes) {
    std::string h = header;
    std::vector<std::uint8_t> b(8, 0);
    for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>((h.size() >> (8 * i)) & 0xff);
    b.insert(b.end(), h.begin(), h.end());
    b.resize(b.size() + data_bytes, 0);
    write(b);
  };
  craft(R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 16]}})", 16);
  EXPECT_NE(error_of(path).find("do not hold its shape"), std::string::npos);
  craft(R"({"w": {"dtype": "Q4", "shape": [4], "data_offsets": [0, 16]}})", 16);
  EXPECT_NE(error_of(path).find("unsupported dtype 'Q4'"), std::string::npos);
  craft(R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})", 16);
  EXPECT_NE(error_of(path).find("overlap"), std::string::npos);
  craft(R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 16]}})", 16);
  EXPECT_NE(error_of(path).find("not a size"), std::string::npos);
  EXPECT_NE(error_of(path).find(path), std::string::npos);
  std::filesystem::remove(path);
}

TEST(Checksums, Sha256AndBundleVerification) {
  const auto dir = std::filesystem::temp_directory_path() / ("unipose_sums_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  write_file_atomic((dir / "abc.txt").string(), std::string("abc"));
  EXPECT_EQ(sha256_file((dir / "abc.txt").string()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  write_file_atomic((dir / "config.json").string(), std::string("{}"));
  write_sha256sums(dir.string(), {"abc.txt", "config.json"});
  EXPECT_NO_THROW(verify_sha256sums(dir.string(), {}));
  write_file_atomic((dir / "abc.txt").string(), std::string("abd"));
  try {
    verify_sha256sums(dir.string(), {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("abc.txt: checksum differs"), std::string::npos) << e.what();
  }
  // A file the loader reads must be listed: config.json dropped from SHA256SUMS is refused, not trusted.
  write_file_atomic((dir / "abc.txt").string(), std::string("abc"));
  write_sha256sums(dir.string(), {"abc.txt"});
  EXPECT_NO_THROW(verify_sha256sums(dir.string(), {"abc.txt", "words.txt"}));  // an absent optional file is the loader's business
  try {
    verify_sha256sums(dir.string(), {"abc.txt", "config.json"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("config.json: is not listed in SHA256SUMS"), std::string::npos) << e.what();
  }
  // Windows line ends and sha256sum's binary mode are read; a malformed line is named by its number, without a raw CR.
  std::string sums = read_text_file((dir / "SHA256SUMS").string());
  const std::string hex = sums.substr(0, 64);
  write_file_atomic((dir / "SHA256SUMS").string(), hex + " *abc.txt\r\n");
  EXPECT_NO_THROW(verify_sha256sums(dir.string(), {"abc.txt"}));
  write_file_atomic((dir / "SHA256SUMS").string(), hex + " *abc.txt\r\nnot a checksum\r\n");
  try {
    verify_sha256sums(dir.string(), {});
    FAIL();
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("line 2 is not"), std::string::npos) << what;
    EXPECT_EQ(what.find('\r'), std::string::npos);
  }
  // "./abc.txt" names abc.txt; names outside the folder and devices are never read (/dev/zero would never end).
  write_file_atomic((dir / "SHA256SUMS").string(), hex + "  ./abc.txt\n");
  EXPECT_NO_THROW(verify_sha256sums(dir.string(), {"abc.txt"}));
  for (const std::string outside : {"../../../../../../dev/zero", "/dev/zero", "sub/../../x"}) {
    write_file_atomic((dir / "SHA256SUMS").string(), hex + "  " + outside + "\n");
    try {
      verify_sha256sums(dir.string(), {});
      FAIL() << outside;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("line 1 names a file outside the model folder"), std::string::npos) << e.what();
    }
  }
  std::filesystem::create_directories(dir / "folder");
  write_file_atomic((dir / "SHA256SUMS").string(), hex + "  folder\n");
  EXPECT_THROW(verify_sha256sums(dir.string(), {}), Error);
  std::filesystem::remove(dir / "abc.txt");
  write_sha256sums(dir.string(), {"config.json"});
  std::filesystem::remove(dir / "config.json");
  EXPECT_THROW(verify_sha256sums(dir.string(), {}), Error);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace unipose::io
