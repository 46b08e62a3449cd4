// The engine as a generator for the task evaluation (eval/tasks.h): the language model answers item by item
// exactly as the CLI and the GUI would ask it.
#pragma once

#include <string>

#include "core/engine/engine.h"
#include "core/eval/tasks.h"

namespace unipose::engine {

// `engine` must outlive the generator.
eval::Generator language_model_generator(Engine& engine, const std::string& name);

}  // namespace unipose::engine
