// The headless sub-commands of `unipose`, one registration function per command group.
#pragma once

#include <CLI/CLI.hpp>

namespace unipose::app {

void add_pose_commands(CLI::App& app);
void add_body_commands(CLI::App& app);
void add_data_commands(CLI::App& app);
void add_train_commands(CLI::App& app);
void add_launch_command(CLI::App& app);

}  // namespace unipose::app
