// The users' request wordings for the seven tasks ("Describe this pose: <pose>"), kept as data in
// resources/text/instruction_templates.json, used by instruction tuning.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace unipose::text {

inline const std::vector<std::string> kTasks = {"pose_to_text", "image_to_text", "pose_diff", "image_diff",
                                                 "text_to_pose", "pose_estimation", "pose_editing"};

using InstructionTemplates = std::map<std::string, std::vector<std::string>>;

// Reads and checks the file: every task present, each template naming the placeholders its task needs.
InstructionTemplates load_instruction_templates(const std::string& path);

// resources/ next to the program: $UNIPOSE_RESOURCES, <exe>/../share/unipose/resources, or the source tree's.
std::string resources_dir();

}  // namespace unipose::text
