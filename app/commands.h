// The headless sub-commands of `unipose`, one registration function per command group.
#pragma once

#include <cmath>
#include <memory>
#include <string>
#include <utility>

#include <CLI/CLI.hpp>

namespace unipose::train {
struct TrainOptions;
struct TrainResult;
class TrainTask;
struct VisualPictures;
}  // namespace unipose::train

namespace unipose::vision {
class VisualEncoders;
}  // namespace unipose::vision

namespace unipose::engine {
class Engine;
}  // namespace unipose::engine

namespace unipose::app {

// The language model `model` (empty: the shipped one) ready for picture tasks: the visual branch `visual` when
// given, else the shipped one (checked against the model when first used); without one, an error saying what to give.
std::unique_ptr<engine::Engine> open_visual_engine(const std::string& model, const std::string& visual);

class ProgressBar;
// The visual tokens of the train-split pictures of `train_dir` and the val-split ones of `val_dir` (train visual,
// train instruct --visual), cached in `run_dir` as pictures_<split>.*; without val pictures in `val_dir` the
// second is empty (a note says so), or an error naming the file when `val_asked` (the user named the folder).
std::pair<train::VisualPictures, train::VisualPictures> encode_run_pictures(const vision::VisualEncoders& encoders, const std::string& key,
                                                                            const std::string& train_dir, const std::string& val_dir,
                                                                            bool val_asked, const std::string& run_dir, ProgressBar& bar);

void add_pose_commands(CLI::App& app);
void add_body_commands(CLI::App& app);
void add_data_commands(CLI::App& app);
void add_train_commands(CLI::App& app);
void add_launch_command(CLI::App& app);
// `convert tfjs`, `estimate`, and `eval photos` (after add_train_commands, which makes `eval`).
void add_photo_commands(CLI::App& app);
// `compare`: two photos or pose files, joint angles, words, CSV and PDF.
void add_compare_command(CLI::App& app);
// `info`: the resources, models, SentencePiece module and WordNet folders this program uses.
void add_info_command(CLI::App& app);
// Registered by add_train_commands: `train retrieval`, `eval retrieval`, `eval <task>`.
void add_retrieval_commands(CLI::App& train_cmd, CLI::App& eval_cmd);
// `train align`, `train instruct`, `describe`, `diff`, `generate`, `edit`, `bench text2pose`.
void add_lm_commands(CLI::App& app, CLI::App& train_cmd, CLI::App& bench_cmd);

// Checks for numeric options whose messages a user can read (CLI11's own NonNegativeNumber and PositiveNumber
// print their bounds as 309-digit numbers).
inline const CLI::Validator kNonNegative(
    [](std::string& v) -> std::string {
      double x = 0;
      if (!CLI::detail::lexical_cast(v, x)) return "'" + v + "' is not a number";
      return std::isfinite(x) && x >= 0 ? std::string() : "must be a number of 0 or more, not " + v;
    },
    "NONNEGATIVE");
inline const CLI::Validator kPositive(
    [](std::string& v) -> std::string {
      double x = 0;
      if (!CLI::detail::lexical_cast(v, x)) return "'" + v + "' is not a number";
      return std::isfinite(x) && x > 0 ? std::string() : "must be a number more than 0, not " + v;
    },
    "POSITIVE");

// The options every training command shares (steps, lr, device, precision, seed, validation and checkpoint
// intervals, --resume, data-parallel rank settings), into `t`.
void add_train_options(CLI::App& cmd, train::TrainOptions& t);

// Thrown to end the program with a given exit status and no error message (a run stopped by a signal exits
// 128 + the signal: 130 after Ctrl+C, 143 after SIGTERM, as shells expect).
struct ExitStatus {
  int code;
};

class ProgressBar;
// Runs a training task with the progress bar, prints how it ended and the last validation, and says how to
// continue a stopped run; a run stopped by a signal then throws ExitStatus{128 + signal}.
train::TrainResult train_and_report(train::TrainTask& task, const train::TrainOptions& t, ProgressBar& bar);

// The command line this process was started with, shell-quoted where needed (for model cards and reports).
void set_command_line(int argc, char** argv);
const std::string& command_line();

}  // namespace unipose::app
