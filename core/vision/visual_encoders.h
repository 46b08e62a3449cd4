// The visual branch's two frozen encoders on one token grid (DESIGN.md "Vision"; the UniPose paper's design):
// the general image encoder with CLIP's architecture (clip.h) and the pose-specific one, BlazePose's feature
// grid of the person (blazepose.h, 288 channels on 8 x 8 for its 256 crop), each resized to the grid and
// concatenated along channels, CLIP's first. Either may be left out (the paper's Table 6 ablation). The
// trainable projector to the language model is nn/visual_projector.h.
#pragma once

#include <torch/torch.h>

#include <memory>

#include "core/image/image.h"
#include "core/nn/visual_projector.h"
#include "core/vision/blazepose.h"
#include "core/vision/clip.h"

namespace unipose::vision {

struct VisualFeatures {
  torch::Tensor tokens;        // [grid * grid, channels], row by row over the grid
  bool person_found = false;   // BlazePose's part is of a detected person (else: of the whole picture as one region)
};

class VisualEncoders {
 public:
  // `clip` or `pose` may be empty (nullptr), not both. `grid`: cells per side of the token grid (1..64).
  VisualEncoders(ClipVision clip, std::shared_ptr<const BlazePose> pose, int grid = 8);

  int grid() const { return grid_; }
  int tokens() const { return grid_ * grid_; }
  int clip_channels() const;
  int pose_channels() const;  // BlazePose's feature grid: 288, or 0 without it
  int channels() const { return clip_channels() + pose_channels(); }

  // One picture's tokens. BlazePose's part: the largest person its detector finds and its landmark model
  // accepts; nobody found, the whole picture as one square region around its centre (padded; the tokens still
  // say what is there). Tokens come back on the CPU whatever device the encoders are on.
  VisualFeatures encode(const image::Image& picture) const;

  static constexpr int kPoseChannels = 288;

 private:
  ClipVision clip_{nullptr};
  std::shared_ptr<const BlazePose> pose_;
  int grid_;
};

// The frozen encoders a visual branch bundle was trained with: the CLIP-architecture encoder it carries in
// clip/, and BlazePose from `models_dir` (blazepose_detector, blazepose_full), each checked against the
// checksums in its config; errors name the folder and say what differs.
std::unique_ptr<VisualEncoders> open_visual_encoders(const nn::VisualBundle& bundle, const std::string& models_dir);

// A feature grid [C, H, W] on `grid` x `grid` cells: area-averaged when shrinking, bilinear when growing.
torch::Tensor to_token_grid(const torch::Tensor& features, int grid);

}  // namespace unipose::vision
