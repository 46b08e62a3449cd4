// Lifting a photo's 2D landmarks to 3D body joints with a learned prior: a residual MLP from 15 image points
// (shoulders, elbows, wrists, hips, knees, ankles, toes, head) and their visibilities to the 22 body joints in
// the camera's frame (metres, pelvis at the origin, x to the picture's right, y up, z towards the camera), the
// "simple baseline" of Martinez et al. (2017) trained on the corpus's poses seen by random cameras
// (`unipose train lifter`, core/train/lifter_task.h). The fit (fit.h) takes its bone directions as targets
// beside or instead of BlazePose's world landmarks, whose depth the mannequin renders showed to be weak
// (docs/vision.md).
#pragma once

#include <Eigen/Core>

#include <array>
#include <string>

#include <torch/nn.h>

#include "core/vision/blazepose.h"

namespace unipose::vision {

struct LifterConfig {
  int width = 512;  // of the hidden layers
  int blocks = 3;   // residual blocks
  std::string to_json() const;
  static LifterConfig from_json(const std::string& text, const std::string& where);
};

// The image points the lifter reads, each with the SMPL joint that stands for it in training.
inline constexpr int kLiftPoints = 15;
inline constexpr int kLiftInputs = kLiftPoints * 3;  // x, y, visibility
const std::array<int, kLiftPoints>& lift_point_joints();
// The image point that stands for an SMPL joint, or -1 when the lifter reads none for it.
int lift_point_of(int joint);

using LiftPoints = std::array<Eigen::Vector2d, kLiftPoints>;       // image pixels (x right, y down)
using LiftVisibility = std::array<double, kLiftPoints>;            // 0..1
using LiftedJoints = std::array<Eigen::Vector3d, 22>;              // metres, camera frame, pelvis at 0

// The lifter's input [kLiftInputs]: the points less the hips' midpoint, divided by their RMS distance from it
// (so the picture's size and position do not matter), then the visibilities. Non-finite points are an error.
torch::Tensor lifter_input(const LiftPoints& points, const LiftVisibility& visibility);
// The same from BlazePose's landmarks (the head is the ears' midpoint, the toes the foot-index landmarks).
torch::Tensor lifter_input(const PoseLandmarks& landmarks);

struct PoseLifterImpl : torch::nn::Module {
  explicit PoseLifterImpl(const LifterConfig& config);
  // [B, kLiftInputs] -> [B, 22, 3]
  torch::Tensor forward(const torch::Tensor& x);
  LifterConfig config;
  torch::nn::Linear input{nullptr}, out{nullptr};
  torch::nn::ModuleList blocks;
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(PoseLifter);

LiftedJoints lift(PoseLifter& model, const PoseLandmarks& landmarks);

// DIR/config.json, model.safetensors, MODEL_CARD.md, SHA256SUMS; loading verifies all it reads.
void save_lifter_bundle(const std::string& dir, PoseLifter& model, const std::string& model_card);
PoseLifter load_lifter_bundle(const std::string& dir);

}  // namespace unipose::vision
