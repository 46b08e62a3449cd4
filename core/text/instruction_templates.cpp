#include "core/text/instruction_templates.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io/files.h"
#include "core/io/json_fields.h"

namespace unipose::text {

InstructionTemplates load_instruction_templates(const std::string& path) {
  const nlohmann::json doc = io::read_json_file(path);
  if (!doc.is_object() || io::json_string(doc, "format", "", path) != "unipose.instruction_templates/1" || !doc.contains("tasks"))
    fail(path, "not a UniPose instruction template file");
  InstructionTemplates out;
  for (const auto& info : all_tasks()) {
    const std::string& task = info.template_key;
    if (!doc["tasks"].contains(task) || !doc["tasks"][task].is_array() || doc["tasks"][task].empty())
      fail(path, "no templates for task '" + task + "'");
    for (const auto& t : doc["tasks"][task]) {
      if (!t.is_string()) fail(path, "a template of '" + task + "' is not a string");
      const std::string s = t.get<std::string>();
      for (const auto& placeholder : info.placeholders)
        if (s.find(placeholder) == std::string::npos)
          fail(path, "template of '" + task + "' lacks " + placeholder + ": \"" + s + "\"");
      out[info.task].push_back(s);
    }
  }
  return out;
}

std::string resources_dir() {
  // An empty UNIPOSE_RESOURCES counts as unset; a set one must be a resources folder.
  if (const char* env = std::getenv("UNIPOSE_RESOURCES"); env != nullptr && *env != '\0') {
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::path(env) / "text" / "instruction_templates.json", ec))
      throw Error(std::string("UNIPOSE_RESOURCES=") + env + ": not a UniPose resources folder (it has no text/instruction_templates.json); unset it to use the installed one");
    return env;
  }
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::vector<std::filesystem::path> candidates;
  if (!ec) {
    candidates.push_back(exe.parent_path() / ".." / "share" / "unipose" / "resources");
    candidates.push_back(exe.parent_path() / ".." / ".." / "resources");  // build/bin -> source tree
  }
  candidates.push_back(std::filesystem::path(UNIPOSE_SOURCE_RESOURCES));
  for (const auto& c : candidates)
    if (std::filesystem::exists(c / "text" / "instruction_templates.json", ec)) return std::filesystem::weakly_canonical(c).string();
  throw Error("cannot find the resources folder (set UNIPOSE_RESOURCES)");
}

}  // namespace unipose::text
