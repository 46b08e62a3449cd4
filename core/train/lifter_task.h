// Training the 2D-to-3D pose lifter (vision/lifter.h) on the corpus's poses: each step draws train-split poses
// and a random camera for each (any side, from below the hips to well above the head, near or far, a little
// roll), projects the skeleton's points the lifter reads, adds the noise and the doubtful points a landmark
// model gives (jitter of 0.5-4 % of the body's size; one point in ten marked hidden and thrown off), and
// regresses the 22 joints in the camera's frame. Validation: the val split's poses (at most 2000) seen by fixed random cameras,
// MPJPE and PA-MPJPE in mm.
// Recorded views (`unipose data lift-views`: BlazePose's landmarks of rendered train-split pictures beside the
// drawn pose) can make up a share of each batch, so that the lifter learns the landmark model's own errors
// (each recorded view mirrored left-right half the time); recorded views of val-split pictures are validated on
// beside the synthetic ones.
#pragma once

#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/body/skeleton.h"
#include "core/data/corpus_reader.h"
#include "core/train/trainer.h"
#include "core/vision/lifter.h"

namespace unipose::train {

// One random view of a posed skeleton: the lifter's input [kLiftInputs] and the truth [22, 3].
struct LiftView {
  torch::Tensor input, joints;
};
LiftView random_lift_view(const body::JointPositions& joints, std::mt19937_64& rng);

// A file of `unipose data lift-views`: inputs [N, kLiftInputs], joints [N, 22, 3] (float); errors name the file.
struct RecordedLiftViews {
  torch::Tensor inputs, joints;
  std::string source;  // how the file was made, when it says
  std::int64_t size() const { return inputs.defined() ? inputs.size(0) : 0; }
};
RecordedLiftViews read_lift_views(const std::string& path);
// The same views seen in a mirror: x negated, left and right points and joints swapped.
RecordedLiftViews mirror_lift_views(const RecordedLiftViews& views);

class LifterTask : public TrainTask {
 public:
  // `recorded`: views of train-split pictures making up `recorded_share` (0..1) of each batch; `recorded_val`:
  // views of val-split pictures, validated on too ("recorded_mpjpe_mm", "recorded_pa_mpjpe_mm").
  LifterTask(vision::LifterConfig config, const data::Corpus& corpus, int batch, std::uint64_t seed = 1, RecordedLiftViews recorded = {},
             double recorded_share = 0, RecordedLiftViews recorded_val = {});
  torch::nn::Module& module() override { return *model_; }
  std::map<std::string, torch::Tensor> step(std::mt19937_64& rng, const torch::Device& device) override;
  std::map<std::string, double> evaluate(const torch::Device& device) override;
  std::int64_t items_per_step() const override { return batch_; }
  vision::PoseLifter& model() { return model_; }
  // evaluate() on the device the model is on.
  std::map<std::string, double> validate();

 private:
  vision::PoseLifter model_{nullptr};
  int batch_;
  std::vector<body::JointPositions> train_;
  torch::Tensor val_x_, val_y_;
  RecordedLiftViews recorded_, mirrored_, recorded_val_;
  int recorded_per_step_ = 0;
};

}  // namespace unipose::train
