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
