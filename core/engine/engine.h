// One thread-safe API over the shipped models for the pose/text tasks, used by the CLI and the GUI:
// describe(pose), diff(pose A, pose B), generate(text), edit(pose, text). Each call returns its result and
// how long it took. Input poses may face any way and stand anywhere: the models see them turned to face +z
// (as they were trained); an edited pose gets the input's heading and translation back, a generated pose
// faces +z and stands on the floor.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/nn/lm_bundle.h"
#include "core/nn/pose_vqvae.h"
#include "core/pose/pose.h"
#include "core/text/instruction_templates.h"

namespace unipose::engine {

struct Result {
  std::string text;                // describe, diff
  std::optional<pose::Pose> pose;  // generate, edit
  double milliseconds = 0;
  std::string warning;             // e.g. most of the text is unknown to the model
};

class Engine {
 public:
  // Loads the language model and the pose tokenizer it was trained with (checked by checksum).
  Engine(const std::string& language_model_dir, const std::string& pose_tokenizer_dir);

  Result describe(const pose::Pose& pose);
  Result diff(const pose::Pose& a, const pose::Pose& b);
  Result generate(const std::string& text);
  Result edit(const pose::Pose& pose, const std::string& instruction);

  // Pieces for pose generation: the Lp codes the model chooses (for benchmarks and evaluation).
  std::vector<int64_t> pose_codes(const std::string& task, const std::string& text, const pose::Pose* input);
  nn::LanguageModel& model() { return lm_.model; }
  const nn::LmBundle& bundle() const { return lm_; }

  // Default model folders: $UNIPOSE_MODELS or models/ beside the resources.
  static std::string default_language_model();
  static std::string default_pose_tokenizer();

 private:
  std::vector<int64_t> encode_pose(const pose::Pose& p);  // heading removed
  pose::Pose decode_codes(const std::vector<int64_t>& codes);
  std::string answer_text(const std::string& task, const std::map<std::string, std::vector<int64_t>>& poses, const std::string& text);
  std::string check_text(const std::string& text) const;  // throws for empty / too long; returns a warning

  std::mutex mutex_;
  nn::LmBundle lm_;
  nn::PoseVqVae tokenizer_{nullptr};
  text::InstructionTemplates templates_;
};

}  // namespace unipose::engine
