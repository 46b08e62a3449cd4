#include "core/io/npz.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/io/files.h"

namespace unipose::io {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("unipose_io_" + std::to_string(::getpid()) + "_" + name)).string();
}

TEST(Npz, RoundTripKeepsNamesShapesAndValues) {
  const std::string path = temp_path("round.npz");
  NpzArchive out;
  out["a"] = NpyArray::from_float({2, 3}, {1, 2, 3, 4, 5, 6});
  out["b"] = NpyArray::from_double({4}, {0.5, -1.25, 1e-300, 3e300});
  out["c"] = NpyArray::from_int64({1, 2}, {-7, 1LL << 40});
  write_npz(path, out);
  const NpzArchive in = read_npz(path);
  ASSERT_EQ(in.size(), 3u);
  EXPECT_EQ(in.at("a").shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(in.at("a").to_float()[5], 6.0f);
  EXPECT_EQ(in.at("b").to_double()[3], 3e300);
  EXPECT_EQ(in.at("c").to_int64()[1], 1LL << 40);
  EXPECT_EQ(in.at("c").to_double()[0], -7.0);
  std::filesystem::remove(path);
}

TEST(Npy, ParsesFortranOrderIntoCOrder) {
  // A hand-made 2x3 float64 array stored column-major: [[1,2,3],[4,5,6]] -> memory 1,4,2,5,3,6.
  NpyArray c = NpyArray::from_double({2, 3}, {1, 4, 2, 5, 3, 6});
  auto bytes = serialize_npy(c);
  const std::string header(bytes.begin(), bytes.begin() + 128);
  std::string text(bytes.begin(), bytes.end());
  const auto pos = text.find("'fortran_order': False");
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, 22, "'fortran_order': True ");
  NpyArray f = parse_npy(reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), "test");
  EXPECT_EQ(f.to_double(), (std::vector<double>{1, 2, 3, 4, 5, 6}));
}

TEST(Npy, RejectsBadMagicAndShortData) {
  const std::string junk = "this is not numpy at all";
  EXPECT_THROW(parse_npy(reinterpret_cast<const std::uint8_t*>(junk.data()), junk.size(), "x"), Error);
  auto bytes = serialize_npy(NpyArray::from_float({10}, std::vector<float>(10, 1.0f)));
  bytes.resize(bytes.size() - 4);
  try {
    parse_npy(bytes.data(), bytes.size(), "file.npy");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("file.npy"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos);
  }
}

TEST(Npz, TruncatedArchiveNamesTheFile) {
  const std::string path = temp_path("trunc.npz");
  NpzArchive out;
  out["big"] = NpyArray::from_float({1000}, std::vector<float>(1000, 2.0f));
  write_npz(path, out);
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  try {
    read_npz(path);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

// An archive whose directory claims a 1.5 GB entry in 4 KB of data is refused before any memory is taken.
TEST(Npz, EntryClaimingMoreThanItsDataCanHoldIsRefused) {
  const std::string path = temp_path("claims.npz");
  NpzArchive out;
  out["a"] = NpyArray::from_float({1000}, std::vector<float>(1000, 2.0f));
  write_npz(path, out);
  std::string bytes = read_text_file(path);
  const size_t central = bytes.rfind(std::string("PK\x01\x02", 4));
  ASSERT_NE(central, std::string::npos);
  const std::uint32_t claimed = 1500u << 20;
  std::memcpy(&bytes[central + 24], &claimed, 4);  // central directory: uncompressed size
  write_file_atomic(path, bytes);
  try {
    read_npz(path);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt archive"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path + " [a.npy]"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

TEST(Npz, MissingFileAndMissingArray) {
  EXPECT_THROW(read_npz("/nonexistent/file.npz"), Error);
  NpzArchive a;
  try {
    require_array(a, "v_template", "model.npz");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "model.npz: missing array 'v_template'");
  }
}

}  // namespace
}  // namespace unipose::io
