// Readers for licensed caption data sets a user may hold: PoseScript-style caption files and PoseFix-style
// instruction files, both JSON objects mapping an id to a text or a list of texts.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace unipose::data {

// {"<id>": "text", "<id>": ["text", "text"], ...} -> id -> texts. Errors name the file and the entry.
std::map<std::string, std::vector<std::string>> read_caption_file(const std::string& path);

}  // namespace unipose::data
