// The visual branch's trainable part (DESIGN.md "Vision"): the projector from the frozen encoders' token grid
// (CLIP-architecture channels and BlazePose's, concatenated; vision/visual_encoders.h) to the language model's
// width, and the placing of its output at a prompt's <image> positions (nn/lm_prompt.h, Slot::image_tokens).
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "core/nn/language_model.h"

namespace unipose::nn {

struct VisualProjectorConfig {
  int in_channels = 0;  // the encoders' channels together
  int dim = 256;        // the language model's width
  std::string to_json() const;
  // Checks every field; `where` names the file in errors.
  static VisualProjectorConfig from_json(const std::string& text, const std::string& where);
};

// A layer norm over the input channels (the two encoders' scales differ by orders of magnitude), then a
// two-layer MLP with GELU to the model's width (LLaVA-1.5's projector, with the norm in front).
struct VisualProjectorImpl : torch::nn::Module {
  explicit VisualProjectorImpl(const VisualProjectorConfig& config);
  // [B, N, in_channels] -> [B, N, dim]
  torch::Tensor forward(const torch::Tensor& tokens);
  VisualProjectorConfig config;
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(VisualProjector);

// What a trained visual branch reads and speaks to: the token grid, which frozen encoders fill it, and the
// language model it was trained with (its weights' SHA-256, so that a projector is never used with another).
struct VisualBranchConfig {
  int grid = 8;                        // cells per side of the token grid (vision/visual_encoders.h)
  bool pose_encoder = true;            // BlazePose's feature grid
  std::string pose_encoder_sha256;     // model.safetensors of the BlazePose landmark model whose grid it read
  std::string detector_sha256;         // and of the BlazePose detector that chose the person
  std::string clip_sha256;             // model.safetensors of the CLIP-architecture encoder; empty: none
  std::string language_model_sha256;   // model.safetensors of the language model
  VisualProjectorConfig projector;
  std::string to_json() const;
  static VisualBranchConfig from_json(const std::string& text, const std::string& where);
};

// The visual branch's bundle: config.json, projector.safetensors, MODEL_CARD.md, SHA256SUMS.
struct VisualBundle {
  VisualBranchConfig config;
  VisualProjector projector{nullptr};
  std::string dir;
};
void save_visual_bundle(const std::string& dir, VisualProjector& projector, const VisualBranchConfig& config, const std::string& model_card);
// Verifies the checksums, the config and every tensor; errors name the file.
VisualBundle load_visual_bundle(const std::string& dir);

// The embeddings [B, T, D] of `batch` with the positions holding `image_token` replaced, in order, by the rows
// of visual[b] ([N_b, D]: a prompt's pictures one after the other). The count of <image> positions of each
// sequence must equal its N_b; gradients flow into `visual`.
torch::Tensor with_visual_tokens(const torch::Tensor& embeddings, const std::vector<LmInput>& batch, int64_t image_token,
                                 const std::vector<torch::Tensor>& visual);

}  // namespace unipose::nn
