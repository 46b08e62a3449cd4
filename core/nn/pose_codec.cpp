#include "core/nn/pose_codec.h"

#include <algorithm>
#include <string>

#include "core/error.h"
#include "core/nn/module_io.h"
#include "core/pose/frame.h"

namespace unipose::nn {
namespace {
std::vector<int64_t> row(const torch::Tensor& ids) {
  const auto c = ids.contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}
}  // namespace

PoseCodec::PoseCodec(PoseVqVae tokenizer) : tokenizer_(std::move(tokenizer)) {
  if (!tokenizer_) throw Error("the pose codec needs a pose tokenizer");
  tokenizer_->eval();
}

std::vector<int64_t> PoseCodec::encode(const pose::Pose& pose, const char* where) {
  pose.validate(where);
  return encode(pose, pose::pose_frame(pose).yaw, where);
}

std::vector<int64_t> PoseCodec::encode(const pose::Pose& pose, double heading, const char* where) {
  pose.validate(where);
  torch::NoGradGuard ng;
  return row(tokenizer_->encode(poses_to_rot6d({pose::turned(pose, -heading)})));
}

std::vector<std::vector<int64_t>> PoseCodec::encode_all(const std::vector<pose::Pose>& poses, const std::function<void(double)>& progress) {
  torch::NoGradGuard ng;
  std::vector<std::vector<int64_t>> out;
  out.reserve(poses.size());
  constexpr size_t kChunk = 512;
  for (size_t s = 0; s < poses.size(); s += kChunk) {
    std::vector<pose::Pose> chunk;
    for (size_t i = s; i < std::min(poses.size(), s + kChunk); ++i) chunk.push_back(pose::facing_forward(poses[i]));
    const auto ids = tokenizer_->encode(poses_to_rot6d(chunk));
    for (int64_t i = 0; i < ids.size(0); ++i) out.push_back(row(ids[i]));
    if (progress) progress(static_cast<double>(out.size()) / poses.size());
  }
  return out;
}

pose::Pose PoseCodec::decode(const std::vector<int64_t>& codes) {
  for (const auto c : codes)
    if (c < 0 || c >= codebook_size())
      throw Error("code " + std::to_string(c) + " is outside the codebook (0.." + std::to_string(codebook_size() - 1) + ")");
  if (static_cast<int>(codes.size()) != tokens())
    throw Error(std::to_string(codes.size()) + " codes given, the pose tokenizer needs exactly " + std::to_string(tokens()));
  torch::NoGradGuard ng;
  return rot6d_to_poses(tokenizer_->decode(torch::tensor(codes, torch::kLong).unsqueeze(0))).front();
}

pose::Pose PoseCodec::decode_scores(const torch::Tensor& scores, bool hard_coarse) {
  torch::NoGradGuard ng;
  if (scores.dim() != 2 || scores.size(0) != tokens() || scores.size(1) != codebook_size())
    throw Error("code scores of shape [" + std::to_string(tokens()) + ", " + std::to_string(codebook_size()) + "] expected");
  const auto best = scores.argmax(-1);
  const auto onehot = torch::nn::functional::one_hot(best, scores.size(1)).to(scores.dtype());
  const auto coarse = torch::arange(scores.size(0)).remainder(tokenizer_->config.residual_levels).eq(0).logical_and(torch::tensor(hard_coarse)).unsqueeze(1);
  const auto probs = torch::where(coarse, onehot, torch::softmax(scores, -1));  // [Lp, K]
  return rot6d_to_poses(tokenizer_->decode_probabilities(probs.unsqueeze(0))).front();
}

pose::Pose PoseCodec::like_input(pose::Pose p, const pose::Pose& input, double input_heading) {
  p = pose::turned(p, input_heading);
  p.betas = input.betas;
  if (input.transl) {
    pose::Pose floor_probe = p;
    pose::place_on_floor(floor_probe);
    p.transl = Eigen::Vector3d(input.transl->x(), floor_probe.transl->y(), input.transl->z());
  } else {
    pose::place_on_floor(p);
  }
  return p;
}

pose::Pose PoseCodec::on_floor(pose::Pose p) {
  pose::place_on_floor(p);
  return p;
}

}  // namespace unipose::nn
