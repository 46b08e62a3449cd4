// The users' request wordings for the seven tasks ("Describe this pose: <pose>"), kept as data in
// resources/text/instruction_templates.json; the language model's prompts and instruction tuning use them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/tasks.h"

namespace unipose::text {

// Each task's request wordings, for every task of core/tasks.h.
using InstructionTemplates = std::map<Task, std::vector<std::string>>;

// Reads and checks the file (tasks by their template keys): every task present, each template naming the
// placeholders its task needs.
InstructionTemplates load_instruction_templates(const std::string& path);

// resources/ next to the program: $UNIPOSE_RESOURCES, <exe>/../share/unipose/resources, or the source tree's.
std::string resources_dir();

}  // namespace unipose::text
