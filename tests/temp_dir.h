// Scratch folders for tests: unique per process, removed when the test program exits.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

namespace unipose::testing {

inline std::string temp_dir(const std::string& prefix, const std::string& name) {
  struct Registry {
    std::vector<std::filesystem::path> paths;
    ~Registry() {
      std::error_code ec;
      for (const auto& p : paths) std::filesystem::remove_all(p, ec);
    }
  };
  static Registry registry;
  const auto p = std::filesystem::temp_directory_path() / (prefix + "_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(p);
  registry.paths.push_back(p);
  return p.string();
}

}  // namespace unipose::testing
