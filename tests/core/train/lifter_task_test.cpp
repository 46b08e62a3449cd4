#include "core/train/lifter_task.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/body/body_model.h"
#include "core/body/mannequin.h"
#include "core/io/safetensors.h"
#include "error_of.h"
#include "temp_dir.h"
#include "test_corpus.h"

namespace unipose::train {
namespace {

const data::Corpus& corpus() { return unipose::testing::test_corpus("lifter", 700, 10, 11); }

vision::LifterConfig small() {
  vision::LifterConfig c;
  c.width = 64;
  c.blocks = 1;
  return c;
}

// The truth of a view is the skeleton turned into the camera's frame: pelvis at the origin, every bone its length.
TEST(LifterView, TruthIsTheSkeletonTurnedIntoTheCamerasFrame) {
  const auto joints = body::posed_joint_positions(corpus().poses[3], body::mannequin_rest_joints());
  std::mt19937_64 rng(4);
  for (int k = 0; k < 20; ++k) {
    const auto v = random_lift_view(joints, rng);
    ASSERT_EQ(v.input.size(0), vision::kLiftInputs);
    ASSERT_EQ(v.joints.size(0), 22);
    EXPECT_LT(v.joints[0].norm().item<double>(), 1e-6);
    for (const auto [a, b] : {std::pair{body::kLeftHip, body::kLeftKnee}, {body::kRightElbow, body::kRightWrist}, {body::kNeck, body::kHead}}) {
      const double truth = (joints[a] - joints[b]).norm(), seen = (v.joints[a] - v.joints[b]).norm().item<double>();
      EXPECT_NEAR(seen, truth, 1e-4);
    }
    // Centred on the hips and scaled by the spread: the mean squared distance of the points is about 1.
    const auto xy = v.input.narrow(0, 0, 2 * vision::kLiftPoints).view({vision::kLiftPoints, 2});
    EXPECT_NEAR(xy.pow(2).sum(1).mean().item<double>(), 1.0, 0.35);
  }
}

TEST(LifterInput, IgnoresWhereAndHowLargeThePersonIsAndRefusesNonNumbers) {
  vision::LiftPoints p;
  vision::LiftVisibility v;
  for (int i = 0; i < vision::kLiftPoints; ++i) {
    p[i] = Eigen::Vector2d(10 + 7 * i, 200 - 13 * (i % 5));
    v[i] = 0.9;
  }
  auto moved = p;
  for (auto& q : moved) q = 3.5 * q + Eigen::Vector2d(400, -80);
  EXPECT_TRUE(torch::allclose(vision::lifter_input(p, v), vision::lifter_input(moved, v), 1e-5, 1e-5));
  p[4].x() = std::nan("");
  EXPECT_NE(unipose::testing::error_of([&] { vision::lifter_input(p, v); }).find("not a number"), std::string::npos);
  for (auto& q : moved) q = Eigen::Vector2d(5, 5);
  EXPECT_NE(unipose::testing::error_of([&] { vision::lifter_input(moved, v); }).find("one place"), std::string::npos);
}

TEST(LifterTask, TrainingLowersTheJointErrorOnUnseenPosesAndTheBundleRoundTrips) {
  LifterTask task(small(), corpus(), 64, 5);
  const auto before = task.evaluate(torch::kCPU);
  TrainOptions o;
  o.out_dir = unipose::testing::temp_dir("unipose_lifter", "run");
  o.steps = 200;
  o.lr = 3e-3;
  o.eval_every = 200;
  o.checkpoint_every = 200;
  o.tensorboard = false;
  const auto r = run_training(task, o);
  const double b = before.at("mpjpe_mm"), a = r.last_eval.at("mpjpe_mm");
  EXPECT_LT(a, 0.75 * b) << "before " << b;
  EXPECT_LT(r.last_eval.at("pa_mpjpe_mm"), a);

  // Bundle: what is saved loads and gives the same joints; a changed file or a config for another input is refused.
  const std::string dir = unipose::testing::temp_dir("unipose_lifter", "bundle");
  vision::save_lifter_bundle(dir, task.model(), "# card\n");
  auto loaded = vision::load_lifter_bundle(dir);
  task.model()->eval();
  const auto x = torch::randn({3, vision::kLiftInputs});
  // Weights are stored as F16: the same joints to about a millimetre.
  EXPECT_TRUE(torch::allclose(task.model()->forward(x), loaded->forward(x), 0, 5e-3));
  {
    std::ofstream f(dir + "/config.json", std::ios::app);
    f << " ";
  }
  EXPECT_NE(unipose::testing::error_of([&] { vision::load_lifter_bundle(dir); }).find("config.json"), std::string::npos);
  {
    std::ofstream f(dir + "/config.json", std::ios::trunc);
    f << R"({"architecture": "unipose.pose_lifter/1", "points": 17, "width": 64, "blocks": 1})";
  }
  io::write_sha256sums(dir, {"config.json", "model.safetensors", "MODEL_CARD.md"});
  const std::string e = unipose::testing::error_of([&] { vision::load_lifter_bundle(dir); });
  EXPECT_NE(e.find("'points' must be 15"), std::string::npos) << e;
}

// A run stopped midway continues from its checkpoint (the module's names must survive TorchScript's
// archive: a submodule called "in" did not).
TEST(LifterTask, ResumesFromItsCheckpoint) {
  TrainOptions o;
  o.out_dir = unipose::testing::temp_dir("unipose_lifter", "resume");
  o.steps = 30;
  o.eval_every = 30;
  o.checkpoint_every = 10;
  o.tensorboard = false;
  o.stop_after = 20;
  {
    LifterTask task(small(), corpus(), 16, 5);
    EXPECT_TRUE(run_training(task, o).interrupted);
  }
  o.stop_after = -1;
  o.resume = true;
  LifterTask task(small(), corpus(), 16, 5);
  const auto r = run_training(task, o);
  EXPECT_FALSE(r.interrupted);
  EXPECT_EQ(r.step, 30);
}

}  // namespace
}  // namespace unipose::train
