// Stage 1: training the pose tokenizer (VQ-VAE) on a corpus folder (`unipose data make`). Losses as
// DESIGN.md: 20 |p^ - p| on 6D + 100 |v^ - v| on mannequin vertices + 100 |j^ - j| on joints + commitment;
// joint-noise and global-orientation augmentation.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/nn/pose_vqvae.h"
#include "core/pose/pose.h"
#include "core/train/trainer.h"

namespace unipose::train {

class TokenizerTask : public TrainTask {
 public:
  // `seed` fixes the initial weights (the training loop seeds everything after that).
  TokenizerTask(const nn::VqVaeConfig& config, const std::string& corpus_dir, int batch, std::uint64_t seed = 1);
  torch::nn::Module& module() override { return *model_; }
  std::map<std::string, torch::Tensor> step(std::mt19937_64& rng, const torch::Device& device) override;
  std::map<std::string, double> evaluate(const torch::Device& device) override;
  std::int64_t items_per_step() const override { return batch_; }
  nn::PoseVqVae& model() { return model_; }
  // Heading augmentation range, degrees either way. DESIGN.md says 45, for data with natural headings; our
  // corpus faces +z, and the full circle measured far better on real clips (docs/conventions.md).
  void set_yaw_augmentation(double degrees) { yaw_degrees_ = degrees; }
  // Real motion (BVH frames, say) beside the corpus: `fraction` of every batch is drawn from these poses,
  // each mirrored half the time and with every joint turned by a small random rotation (`noise_degrees`).
  void add_real_motion(const std::vector<pose::Pose>& poses, double fraction, double noise_degrees = 3);
  // Starts from these weights (a trained tokenizer of the same configuration) instead of random ones.
  void start_from(nn::PoseVqVae& trained);

 private:
  nn::PoseVqVae model_;
  std::vector<pose::Pose> val_;
  torch::Tensor train_rot_;  // [N, 22, 3, 3]
  torch::Tensor motion_rot_;  // [M, 22, 3, 3]: real motion and its mirror image (the second half)
  double motion_fraction_ = 0, motion_noise_ = 0;
  torch::Tensor rest_joints_, vertices_, weights_;
  int batch_;
  double yaw_degrees_ = 180;
};

}  // namespace unipose::train
