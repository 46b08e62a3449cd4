#include "core/train/lifter_task.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/body/body_model.h"
#include "core/body/mannequin.h"
#include "core/io/npz.h"
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

// A run of `steps` at a high learning rate, validated and checkpointed once at the end.
TrainOptions short_run(const std::string& name, std::int64_t steps) {
  TrainOptions o;
  o.out_dir = unipose::testing::temp_dir("unipose_lifter", name);
  o.steps = steps;
  o.lr = 3e-3;
  o.eval_every = steps;
  o.checkpoint_every = steps;
  o.tensorboard = false;
  return o;
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
  const auto r = run_training(task, short_run("run", 200));
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

// Views mirrored left-right: x negated, each left point and joint where the right one was; twice is none.
TEST(RecordedViews, AMirrorSwapsTheSidesAndTwiceIsNone) {
  std::mt19937_64 rng(8);
  RecordedLiftViews v;
  std::vector<torch::Tensor> xs, ys;
  for (int i = 0; i < 5; ++i) {
    const auto w = random_lift_view(body::posed_joint_positions(corpus().poses[i], body::mannequin_rest_joints()), rng);
    xs.push_back(w.input);
    ys.push_back(w.joints);
  }
  v.inputs = torch::stack(xs);
  v.joints = torch::stack(ys);
  const auto m = mirror_lift_views(v);
  const int left_wrist = vision::lift_point_of(body::kLeftWrist), right_wrist = vision::lift_point_of(body::kRightWrist);
  const int n = vision::kLiftPoints;
  for (int i = 0; i < 5; ++i) {
    EXPECT_FLOAT_EQ(m.inputs[i][2 * left_wrist].item<float>(), -v.inputs[i][2 * right_wrist].item<float>());
    EXPECT_FLOAT_EQ(m.inputs[i][2 * left_wrist + 1].item<float>(), v.inputs[i][2 * right_wrist + 1].item<float>());
    EXPECT_FLOAT_EQ(m.inputs[i][2 * n + left_wrist].item<float>(), v.inputs[i][2 * n + right_wrist].item<float>());
    EXPECT_FLOAT_EQ(m.joints[i][body::kLeftWrist][0].item<float>(), -v.joints[i][body::kRightWrist][0].item<float>());
    EXPECT_FLOAT_EQ(m.joints[i][body::kLeftWrist][2].item<float>(), v.joints[i][body::kRightWrist][2].item<float>());
    EXPECT_FLOAT_EQ(m.joints[i][body::kHead][0].item<float>(), -v.joints[i][body::kHead][0].item<float>());
  }
  const auto back = mirror_lift_views(m);
  EXPECT_TRUE(torch::equal(back.inputs, v.inputs));
  EXPECT_TRUE(torch::equal(back.joints, v.joints));
}

// Views a landmark model gives with an error of its own (here: both wrists seen on the other side of the hips'
// vertical line, an error a mirror keeps): mixed into the batches, the lifter learns it, and its wrists on such
// views of unseen poses come out nearer the truth than those of a lifter trained on clean views alone. Bad view
// files are named.
TEST(RecordedViews, TheLifterLearnsALandmarkModelsOwnError) {
  const std::vector<int> wrists = {vision::lift_point_of(body::kLeftWrist), vision::lift_point_of(body::kRightWrist)};
  auto biased_views = [&](const std::string& split, int seed) {
    std::mt19937_64 rng(seed);
    std::vector<torch::Tensor> xs, ys;
    for (const int p : corpus().split(split)) {
      auto w = random_lift_view(body::posed_joint_positions(corpus().poses[p], body::mannequin_rest_joints()), rng);
      for (const int i : wrists) w.input[2 * i] *= -1.0f;
      xs.push_back(w.input);
      ys.push_back(w.joints);
    }
    const std::string dir = unipose::testing::temp_dir("unipose_lifter", "views_" + split);
    std::filesystem::create_directories(dir);
    const std::string file = dir + "/views.npz";
    const std::int64_t k = static_cast<std::int64_t>(xs.size());
    const auto x = torch::stack(xs).contiguous(), y = torch::stack(ys).contiguous();
    io::write_npz(file, {{"inputs", io::NpyArray::from_float({k, vision::kLiftInputs}, std::vector<float>(x.data_ptr<float>(), x.data_ptr<float>() + x.numel()))},
                         {"joints", io::NpyArray::from_float({k, 22, 3}, std::vector<float>(y.data_ptr<float>(), y.data_ptr<float>() + y.numel()))}});
    return file;
  };
  const auto train_views = read_lift_views(biased_views("train", 21));
  const auto val_views = read_lift_views(biased_views("val", 22));
  ASSERT_GT(val_views.size(), 20);
  // Mean distance (mm) of the lifted wrists from the true ones on the val views.
  auto wrist_error = [&](double share) {
    LifterTask task(small(), corpus(), 64, 5, train_views, share, val_views);
    const auto r = run_training(task, short_run("mix" + std::to_string(share), 300));
    EXPECT_GT(r.last_eval.count("recorded_pa_mpjpe_mm"), 0u);
    torch::NoGradGuard ng;
    task.model()->eval();
    const auto pred = task.model()->forward(val_views.inputs);
    const auto idx = torch::tensor(std::vector<std::int64_t>{body::kLeftWrist, body::kRightWrist});
    return (pred.index_select(1, idx) - val_views.joints.index_select(1, idx)).norm(2, -1).mean().item<double>() * 1000;
  };
  const double clean = wrist_error(0), mixed = wrist_error(0.5);
  EXPECT_LT(mixed, 0.8 * clean) << "clean views alone: " << clean;

  const std::string bad_dir = unipose::testing::temp_dir("unipose_lifter", "bad");
  std::filesystem::create_directories(bad_dir);
  const std::string bad = bad_dir + "/bad.npz";
  io::write_npz(bad, {{"inputs", io::NpyArray::from_float({2, 44}, std::vector<float>(88, 0.f))},
                      {"joints", io::NpyArray::from_float({2, 22, 3}, std::vector<float>(132, 0.f))}});
  EXPECT_NE(unipose::testing::error_of([&] { read_lift_views(bad); }).find("bad.npz: 'inputs' must be N x 45"), std::string::npos);
  std::vector<float> nan_joints(132, 0.f);
  nan_joints[7] = std::nanf("");
  io::write_npz(bad, {{"inputs", io::NpyArray::from_float({2, 45}, std::vector<float>(90, 0.f))}, {"joints", io::NpyArray::from_float({2, 22, 3}, nan_joints)}});
  EXPECT_NE(unipose::testing::error_of([&] { read_lift_views(bad); }).find("not a finite number"), std::string::npos);
  EXPECT_NE(unipose::testing::error_of([&] { LifterTask(small(), corpus(), 8, 5, {}, 0.5); }).find("needs recorded views"), std::string::npos);
}

}  // namespace
}  // namespace unipose::train
