#include "core/vision/visual_encoders.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "core/io/files.h"
#include "core/io/safetensors.h"

namespace unipose::vision {

torch::Tensor to_token_grid(const torch::Tensor& features, int grid) {
  if (features.dim() != 3) throw Error("a feature grid is [channels, height, width]");
  if (grid < 1 || grid > 64) throw Error("token grid of " + std::to_string(grid) + " cells per side (1..64)");
  const auto x = features.unsqueeze(0).to(torch::kFloat);
  if (features.size(1) == grid && features.size(2) == grid) return x[0];
  namespace F = torch::nn::functional;
  if (features.size(1) >= grid && features.size(2) >= grid) return F::adaptive_avg_pool2d(x, F::AdaptiveAvgPool2dFuncOptions({grid, grid}))[0];
  return F::interpolate(x, F::InterpolateFuncOptions().size(std::vector<int64_t>{grid, grid}).mode(torch::kBilinear).align_corners(false))[0];
}

VisualEncoders::VisualEncoders(ClipVision clip, std::shared_ptr<const BlazePose> pose, int grid) : clip_(std::move(clip)), pose_(std::move(pose)), grid_(grid) {
  if (!clip_ && !pose_) throw Error("the visual branch needs at least one of its two encoders");
  if (grid < 1 || grid > 64) throw Error("token grid of " + std::to_string(grid) + " cells per side (1..64)");
  if (clip_) clip_->eval();
}

int VisualEncoders::clip_channels() const { return clip_ ? clip_->config().dim : 0; }
int VisualEncoders::pose_channels() const { return pose_ ? kPoseChannels : 0; }

VisualFeatures VisualEncoders::encode(const image::Image& picture) const {
  if (picture.empty()) throw Error("an empty picture has nothing to encode");
  torch::NoGradGuard ng;
  VisualFeatures out;
  std::vector<torch::Tensor> parts;
  if (clip_) {
    ClipVision clip = clip_;  // the holder's copy: forward is not const (it reads no state it changes)
    const auto device = clip->parameters().front().device();
    const auto pixels = clip_pixels(picture, clip->config().image_size).unsqueeze(0).to(device);
    parts.push_back(to_token_grid(clip->forward(pixels).grid[0].to(torch::kCPU), grid_));
  }
  if (pose_) {
    torch::Tensor features;
    for (const auto& d : pose_->detect(picture)) {
      auto lm = pose_->landmarks(picture, d, true);
      if (lm.pose_score < 0.5) continue;
      features = lm.features;
      out.person_found = true;
      break;
    }
    if (!features.defined()) {
      BodyRegion whole;
      whole.center = Eigen::Vector2d(picture.width / 2.0, picture.height / 2.0);
      whole.size = std::max(picture.width, picture.height);
      features = pose_->landmarks_in(picture, whole, true).features;
    }
    if (features.size(0) != kPoseChannels) throw Error("BlazePose's feature grid has " + std::to_string(features.size(0)) + " channels, not 288");
    parts.push_back(to_token_grid(features.to(torch::kCPU), grid_));
  }
  out.tokens = torch::cat(parts, 0).flatten(1).t().contiguous();  // [grid * grid, channels]
  return out;
}

std::unique_ptr<VisualEncoders> open_visual_encoders(const nn::VisualBundle& bundle, const std::string& models_dir) {
  ClipVision clip{nullptr};
  if (!bundle.config.clip_sha256.empty()) {
    const std::string clip_dir = bundle.dir + "/clip";
    if (!std::filesystem::is_directory(clip_dir)) fail(bundle.dir, "needs the CLIP-architecture encoder it was trained with in clip/, which it does not carry");
    clip = load_clip_vision(clip_dir);
    if (io::sha256_file(io::safetensors_files(clip_dir).front()) != bundle.config.clip_sha256)
      fail(clip_dir, "is not the CLIP-architecture encoder the visual branch was trained with (its checksum differs)");
  }
  std::shared_ptr<const BlazePose> pose;
  if (bundle.config.pose_encoder) {
    const std::string detector = models_dir + "/blazepose_detector", landmarks = models_dir + "/blazepose_full";
    for (const auto& [dir, sha] : {std::pair{detector, bundle.config.detector_sha256}, std::pair{landmarks, bundle.config.pose_encoder_sha256}})
      if (!sha.empty() && io::sha256_file(dir + "/model.safetensors") != sha)
        fail(dir, "is not the BlazePose model the visual branch " + bundle.dir + " was trained with (its checksum differs)");
    pose = std::make_shared<const BlazePose>(detector, landmarks);
  }
  auto encoders = std::make_unique<VisualEncoders>(clip, pose, bundle.config.grid);
  if (encoders->channels() != bundle.config.projector.in_channels)
    fail(bundle.dir + "/config.json", "reads " + std::to_string(bundle.config.projector.in_channels) + " channels, its encoders give " +
                                          std::to_string(encoders->channels()));
  return encoders;
}

}  // namespace unipose::vision
