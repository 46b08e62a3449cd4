// How the language model sees a pose, in one place for the engine, the command line and training: the pose
// turned to face +z (its heading removed, as every corpus pose is) and coded by the pose tokenizer; and back:
// codes, or the model's scores over them, decoded to a pose facing +z, which is then put where the request's
// pose faced and stood, or on the floor.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <torch/types.h>

#include "core/nn/pose_vqvae.h"
#include "core/pose/pose.h"

namespace unipose::nn {

class PoseCodec {
 public:
  explicit PoseCodec(PoseVqVae tokenizer);

  int tokens() const { return tokenizer_->config.tokens; }
  int codebook_size() const { return tokenizer_->config.codebook_size; }
  PoseVqVae& tokenizer() { return tokenizer_; }

  // The codes of a pose as the language model reads it: turned by -heading (the pose's own heading,
  // pose::pose_frame(pose).yaw, unless given). The pose must be finite (Error naming `where` otherwise).
  std::vector<int64_t> encode(const pose::Pose& pose, const char* where = "pose");
  std::vector<int64_t> encode(const pose::Pose& pose, double heading, const char* where = "pose");
  // Many poses (a corpus), each without its own heading, in batches; `progress` gets the fraction done.
  std::vector<std::vector<int64_t>> encode_all(const std::vector<pose::Pose>& poses, const std::function<void(double)>& progress = {});

  // The pose of `tokens()` codes, each in [0, codebook_size()); others throw Error saying so.
  pose::Pose decode(const std::vector<int64_t>& codes);
  // The pose (facing +z) of the language model's code scores [tokens, codebook_size]. The finer residual
  // levels, which even two near-identical poses rarely share (docs/language_model.md), decode as the
  // probability-weighted mean of their codebooks instead of one guess. The coarse level (level 0: the code
  // of each body region) takes its best code when `hard_coarse` (what suits a model trained on codes alone),
  // else its mean too (what a grounded model trained with the joint loss on that mean gives best;
  // docs/language_model.md, "Decoding a pose answer").
  pose::Pose decode_scores(const torch::Tensor& scores, bool hard_coarse = true);

  // A decoded pose put back into the world. like_input: with the input's heading (`input_heading`, the yaw
  // encode removed) and shape; its horizontal position kept and its height set so that it stands on the floor,
  // or, when the input had no translation, simply on the floor. on_floor: facing +z, on the floor.
  static pose::Pose like_input(pose::Pose decoded, const pose::Pose& input, double input_heading);
  static pose::Pose on_floor(pose::Pose decoded);

 private:
  PoseVqVae tokenizer_;
};

}  // namespace unipose::nn
