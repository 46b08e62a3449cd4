// The general image encoder of the visual branch: a vision transformer with CLIP's architecture (Radford et
// al. 2021; the ViT of Dosovitskiy et al. 2021 with a layer norm before the encoder): the picture cut into
// patches, a class token and learned positions, pre-norm encoder layers (multi-head attention, an MLP with
// quick-GELU or GELU), a final layer norm on the class token. Its parameters carry Hugging Face's names less
// "vision_model.", so a user's CLIP checkpoint (CLIPModel or CLIPVisionModel safetensors) loads as it is, and
// the project's own encoder is saved in the same layout. docs/vision.md, "Visual branch".
#pragma once

#include <torch/torch.h>

#include <nlohmann/json_fwd.hpp>

#include <string>

#include "core/image/image.h"

namespace unipose::vision {

struct ClipVisionConfig {
  // Hugging Face's CLIPVisionConfig defaults (ViT-B/32), used where a config.json leaves a field out.
  int image_size = 224;
  int patch_size = 32;
  int dim = 768;      // hidden_size
  int hidden = 3072;  // intermediate_size
  int layers = 12;    // num_hidden_layers
  int heads = 12;     // num_attention_heads
  double norm_eps = 1e-5;
  bool quick_gelu = true;  // hidden_act: "quick_gelu" (x * sigmoid(1.702 x), OpenAI's CLIP) or "gelu"
  int projection_dim = 0;  // the image-text embedding (visual_projection), 0: none

  int grid() const { return image_size / patch_size; }  // patches per side
  // Refuses sizes that do not divide, heads that do not divide the width, and absurd sizes; `where` names the file.
  void check(const std::string& where) const;
  // As Hugging Face writes a CLIPVisionConfig.
  nlohmann::json to_json() const;
};

// Reads a config.json: a CLIPVisionConfig (fields at the top) or a CLIPConfig (its "vision_config", and the
// top-level "projection_dim"). Errors name the file.
ClipVisionConfig read_clip_vision_config(const std::string& path);

struct ClipVisionOutput {
  torch::Tensor tokens;  // [B, 1 + grid^2, dim]: the last layer's hidden states (class token first)
  torch::Tensor grid;    // [B, dim, grid, grid]: the patch tokens of the last layer as a feature grid
  torch::Tensor pooled;  // [B, dim]: the class token after the final layer norm
  torch::Tensor embedding;  // [B, projection_dim] when the encoder has a projection, else undefined
};

class ClipVisionImpl : public torch::nn::Module {
 public:
  explicit ClipVisionImpl(const ClipVisionConfig& config);
  // `pixels`: [B, 3, image_size, image_size], normalised as clip_pixels does.
  ClipVisionOutput forward(const torch::Tensor& pixels);
  const ClipVisionConfig& config() const { return config_; }

 private:
  ClipVisionConfig config_;
  torch::nn::Conv2d patch_embedding_{nullptr};
  torch::Tensor class_embedding_;
  torch::nn::Embedding position_embedding_{nullptr};
  torch::nn::LayerNorm pre_norm_{nullptr}, post_norm_{nullptr};
  torch::nn::ModuleList layers_;
  torch::nn::Linear projection_{nullptr};
};
TORCH_MODULE(ClipVision);

// CLIP's input: the picture's shorter side scaled to `size` (area-averaged when shrinking, bilinear when
// growing; Hugging Face's processor uses bicubic), the centre square cut out, RGB in [0, 1] normalised by
// CLIP's channel means and deviations. [3, size, size] float.
torch::Tensor clip_pixels(const image::Image& picture, int size);
// Its two halves: the centre square at `size` (RGB bytes), and the normalisation of RGB bytes [..., S, S, 3]
// (uint8) to [..., 3, S, S] floats.
image::Image clip_square(const image::Image& picture, int size);
torch::Tensor clip_normalise(const torch::Tensor& rgb);

struct ClipLoadReport {
  int tensors_loaded = 0;
  int tensors_ignored = 0;  // the text tower, logit_scale, position_ids buffers
};

// A folder holding config.json and one or several *.safetensors (Hugging Face's layout, or a bundle saved by
// save_clip_vision_bundle; a SHA256SUMS there is checked). Every tensor of the encoder must be present with
// the shape the config implies; F32, F16 and BF16 are read. Errors name the file and the tensor.
ClipVision load_clip_vision(const std::string& dir, ClipLoadReport* report = nullptr);

// config.json, model.safetensors (names "vision_model.*", "visual_projection.weight"; F32 or F16), MODEL_CARD.md,
// SHA256SUMS; each file written atomically.
void save_clip_vision_bundle(const std::string& dir, ClipVision& model, const std::string& model_card, bool half);

}  // namespace unipose::vision
