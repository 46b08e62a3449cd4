#include "core/io/files.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"

namespace unipose::io {
namespace {

TEST(Files, AtomicWriteReplacesAndLeavesNoTemporaries) {
  const auto dir = std::filesystem::temp_directory_path() / ("unipose_files_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "out.txt").string();
  write_file_atomic(path, std::string("first"));
  write_file_atomic(path, std::string("second"));
  EXPECT_EQ(read_text_file(path), "second");
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) entries += e.is_regular_file();
  EXPECT_EQ(entries, 1);
  std::filesystem::remove_all(dir);
}

TEST(Files, TemporariesOfDeadWritersAreRemovedOthersKept) {
  const auto dir = std::filesystem::temp_directory_path() / ("unipose_stale_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "out.txt").string();
  const std::string dead = path + ".tmp-999999999-17";  // beyond any pid_max: its writer is gone
  const std::string mine = path + ".tmp-" + std::to_string(::getpid()) + "-3";  // a writer still running
  const std::string other = (dir / "other.txt.tmp-999999999-1").string();  // another file's: not ours to judge
  const std::string odd = path + ".tmp-notes";  // not a temporary name at all
  for (const auto& f : {dead, mine, other, odd}) write_file_atomic(f, std::string("x"));
  write_file_atomic(path, std::string("final"));
  EXPECT_FALSE(std::filesystem::exists(dead));
  EXPECT_TRUE(std::filesystem::exists(mine));
  EXPECT_TRUE(std::filesystem::exists(other));
  EXPECT_TRUE(std::filesystem::exists(odd));
  EXPECT_EQ(read_text_file(path), "final");
  std::filesystem::remove_all(dir);
}

TEST(Files, WriteIntoMissingFolderFailsWithThePath) {
  try {
    write_file_atomic("/nonexistent-folder/x.txt", std::string("data"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-folder/x.txt"), std::string::npos);
  }
}

TEST(Files, ReadErrorsNameTheFile) {
  try {
    read_text_file("/no/such/file.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "/no/such/file.json: file not found");
  }
  EXPECT_THROW(read_text_file("/tmp"), Error);
}

TEST(Files, ExtensionIsLowerCase) {
  EXPECT_EQ(extension_of("a/b/pose.JSON"), "json");
  EXPECT_EQ(extension_of("noext"), "");
}

}  // namespace
}  // namespace unipose::io
