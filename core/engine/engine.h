// One thread-safe API over the shipped models for the pose/text tasks, used by the CLI and the GUI:
// describe(pose), diff(pose A, pose B), generate(text), edit(pose, text). Each call returns its result and
// how long it took. Input poses may face any way and stand anywhere: the models see them turned to face +z
// (as they were trained); an edited pose gets the input's heading and translation back, a generated pose
// faces +z and stands on the floor. This header includes no LibTorch (the GUI uses it).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/image/image.h"
#include "core/pose/pose.h"

namespace unipose::engine {

// Below this Result::consistency a text is shown with a doubt. Measured (eval/consistency.h, 40 sampled poses):
// the caption pipeline's own description of a pose scores 0.80 on average, the same with left and right swapped
// 0.64, another pose's description 0.14.
inline constexpr double kDoubtfulConsistency = 0.6;

struct Result {
  std::string text;                // describe, diff
  std::optional<pose::Pose> pose;  // generate, edit
  double milliseconds = 0;
  std::string warning;             // e.g. most of the text is unknown to the model
  std::string note;                // e.g. words the model did not know, read as synonyms it knows
  // describe, diff: how well the text fits the pose (the pair), 0..1: the share of descriptions of near variants
  // of the pose that fit it less well (eval/consistency.h); below 0 when the retrieval models are not installed.
  double consistency = -1;
  // describe: what the text says of the arms and legs that the pose measurably is not (eval/claims.h), e.g.
  // "says the left arm is raised; the left hand is 0.41 m below the shoulder". Empty when all it says holds.
  std::vector<std::string> contradictions;
};

// Speed of the loaded model: pose generation in one forward step over the Lp pose queries (mixed attention)
// against the same weights run causally, one code per step with a KV cache; and a whole edit (instruction
// to new pose, both tokenizers included).
struct SpeedReport {
  std::string model;
  int dim = 0, layers = 0, pose_tokens = 0, pose_positions = 0, prompt_positions = 0, runs = 0, cpu_threads = 0;  // positions: steps of the causal run
  double one_step_ms = 0, token_by_token_ms = 0, edit_ms = 0;  // medians
  double peak_memory_mb = 0;                                   // of the whole process so far
};

class Engine {
 public:
  // Loads the language model and the pose tokenizer it was trained with (checked by checksum), and the
  // retrieval models of the models folder when they are there (for Result::consistency).
  Engine(const std::string& language_model_dir, const std::string& pose_tokenizer_dir);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  Result describe(const pose::Pose& pose);
  Result diff(const pose::Pose& a, const pose::Pose& b);
  Result generate(const std::string& text);
  Result edit(const pose::Pose& pose, const std::string& instruction);

  // The picture tasks through the visual branch (docs/vision.md, "Visual branch"): the frozen encoders'
  // tokens of each picture (BlazePose's feature grid of the largest person, else of the whole picture) through
  // the trained projector into this language model. The branch is models/visual_branch when present, or the one
  // given to load_visual_branch; it is checked against this language model (and BlazePose) when first used, and
  // these calls throw saying what to give when there is none or it was made for another model.
  bool has_visual_branch() const;
  // Loads a visual branch bundle (`unipose train visual --export`); throws naming the problem (made for another
  // language model, a CLIP encoder it needs and does not carry, bad files).
  void load_visual_branch(const std::string& dir);
  Result describe_image(const image::Image& picture);
  Result diff_images(const image::Image& a, const image::Image& b);
  // The pose of the person in the picture, in the body's own frame (facing +z, on the floor): the language
  // model's answer (the fitting path is PhotoEngine::estimate). `hint`: words about the pose that the picture
  // may not show ("the left arm is behind the back"), read with the picture.
  Result estimate_image(const image::Image& picture, const std::string& hint = "");
  // Both from one encoding of the picture: `pose` as estimate_image gives it (with the hint) and `text` as
  // describe_image does (without it). The studio's "Ask the Language Model".
  Result read_image(const image::Image& picture, const std::string& hint = "");

  // `text` is generated both ways `runs` times; then `instruction` is applied to `pose` `runs` times.
  SpeedReport measure_speed(const std::string& text, const pose::Pose& pose, const std::string& instruction, int runs);
  std::string model_dir() const;

  // Default model folders: $UNIPOSE_MODELS, else models/ beside the resources (installed or source tree).
  static std::string models_dir();
  static std::string default_language_model();
  static std::string default_pose_tokenizer();
  static std::string default_visual_branch();
  // The pose tokenizer a language model speaks: the bundle's own `pose_tokenizer/` when it carries one (a model
  // trained before the shipped tokenizer changed), else the default.
  static std::string pose_tokenizer_of(const std::string& language_model_dir);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace unipose::engine
