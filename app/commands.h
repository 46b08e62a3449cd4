// The headless sub-commands of `unipose`, one registration function per command group.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace unipose::train {
struct TrainOptions;
struct TrainResult;
class TrainTask;
}  // namespace unipose::train

namespace unipose::app {

void add_pose_commands(CLI::App& app);
void add_body_commands(CLI::App& app);
void add_data_commands(CLI::App& app);
void add_train_commands(CLI::App& app);
void add_launch_command(CLI::App& app);
// `convert tfjs`, `estimate`, and `eval photos` (after add_train_commands, which makes `eval`).
void add_photo_commands(CLI::App& app);
// `compare`: two photos or pose files, joint angles, words, CSV and PDF.
void add_compare_command(CLI::App& app);
// Registered by add_train_commands: `train retrieval`, `eval retrieval`, `eval <task>`.
void add_retrieval_commands(CLI::App& train_cmd, CLI::App& eval_cmd);
// `train align`, `train instruct`, `describe`, `diff`, `generate`, `edit`, `bench text2pose`.
void add_lm_commands(CLI::App& app, CLI::App& train_cmd, CLI::App& bench_cmd);

// The options every training command shares (steps, lr, device, precision, seed, validation and checkpoint
// intervals, --resume, data-parallel rank settings), into `t`.
void add_train_options(CLI::App& cmd, train::TrainOptions& t);

class ProgressBar;
// Runs a training task with the progress bar, prints how it ended and the last validation, and says how to
// continue a stopped run.
train::TrainResult train_and_report(train::TrainTask& task, const train::TrainOptions& t, ProgressBar& bar);

// The command line this process was started with, shell-quoted where needed (for model cards and reports).
void set_command_line(int argc, char** argv);
const std::string& command_line();

}  // namespace unipose::app
