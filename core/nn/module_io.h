// Module weights <-> safetensors, and the pose tokenizer's model bundle (config.json, model.safetensors,
// SHA256SUMS, MODEL_CARD.md). Loading checks checksums, every tensor's name, shape and dtype, and names the
// file and tensor in its error.
#pragma once

#include <map>
#include <string>

#include <torch/nn.h>

#include "core/nn/pose_vqvae.h"
#include "core/pose/pose.h"

namespace unipose::nn {

// All parameters and buffers by their dotted names.
std::map<std::string, torch::Tensor> named_state(torch::nn::Module& module);
// Writes the state as safetensors (F32, or F16 when `half`). Atomic.
void save_weights(torch::nn::Module& module, const std::string& path, bool half,
                  const std::map<std::string, std::string>& metadata = {});
// Loads weights written by save_weights (F32 or F16) into `module`; every tensor must match.
void load_weights(torch::nn::Module& module, const std::string& path);

// Writes DIR/config.json, model.safetensors, MODEL_CARD.md and SHA256SUMS.
void save_tokenizer_bundle(const std::string& dir, PoseVqVae& model, const std::string& model_card, bool half);
// Verifies and loads a bundle (evaluation mode, on CPU).
PoseVqVae load_tokenizer_bundle(const std::string& dir);

// Poses <-> the tokenizer's input: root + 21 body joints as 6D rotations [B, 22, 6] (float).
torch::Tensor poses_to_rot6d(const std::vector<pose::Pose>& poses);
std::vector<pose::Pose> rot6d_to_poses(const torch::Tensor& rot6d);

}  // namespace unipose::nn
