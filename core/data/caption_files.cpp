#include "core/data/caption_files.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io/files.h"
#include "core/io/json_fields.h"

namespace unipose::data {

std::map<std::string, std::vector<std::string>> read_caption_file(const std::string& path) {
  const nlohmann::json doc = io::read_json_file(path);
  if (!doc.is_object()) fail(path, "a caption file must be a JSON object mapping ids to texts");
  std::map<std::string, std::vector<std::string>> out;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    auto& texts = out[it.key()];
    if (it->is_string()) {
      texts.push_back(it->get<std::string>());
    } else if (it->is_array()) {
      for (const auto& t : *it) {
        if (!t.is_string()) fail(path, "entry '" + it.key() + "' holds something that is not a text");
        texts.push_back(t.get<std::string>());
      }
    } else {
      fail(path, "entry '" + it.key() + "' must be a text or a list of texts");
    }
    if (texts.empty()) fail(path, "entry '" + it.key() + "' has no text");
  }
  return out;
}

}  // namespace unipose::data
