#include "core/train/lifter_task.h"

#include <Eigen/Geometry>

#include <algorithm>
#include <cmath>

#include "core/body/body_model.h"
#include "core/body/mannequin.h"
#include "core/data/render.h"
#include "core/error.h"
#include "core/eval/metrics.h"

namespace unipose::train {
namespace {

constexpr double kDeg = M_PI / 180;

double uniform(std::mt19937_64& rng, double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }
double normal(std::mt19937_64& rng, double sigma) { return std::normal_distribution<double>(0, sigma)(rng); }

std::vector<body::JointPositions> joints_of(const data::Corpus& corpus, const std::string& split) {
  std::vector<body::JointPositions> out;
  for (const int p : corpus.split(split)) out.push_back(body::posed_joint_positions(corpus.poses[p], body::mannequin_rest_joints()));
  return out;
}

}  // namespace

LiftView random_lift_view(const body::JointPositions& joints, std::mt19937_64& rng) {
  Eigen::Vector3d lo = joints[0], hi = joints[0];
  for (const auto& j : joints) {
    lo = lo.cwiseMin(j);
    hi = hi.cwiseMax(j);
  }
  const Eigen::Vector3d centre = 0.5 * (lo + hi);
  const double radius = 0.5 * (hi - lo).norm() + 0.1;
  // Any side; from 20 degrees below to 45 above; 1.7 to 10 body radii away (a wide lens near, a long one far).
  const double yaw = uniform(rng, -180, 180) * kDeg, pitch = uniform(rng, -20, 45) * kDeg;
  const double distance = radius * std::exp(uniform(rng, std::log(1.7), std::log(10.0)));
  const Eigen::Vector3d target = centre + Eigen::Vector3d(normal(rng, 0.15), normal(rng, 0.15), normal(rng, 0.15)) * radius;
  const Eigen::Vector3d dir(std::sin(yaw) * std::cos(pitch), std::sin(pitch), std::cos(yaw) * std::cos(pitch));
  data::RenderCamera cam = data::look_at_camera(target + distance * dir, target, 45, 256, 256);
  const Eigen::Matrix3d roll = Eigen::AngleAxisd(normal(rng, 8) * kDeg, Eigen::Vector3d::UnitZ()).toRotationMatrix();
  cam.rotation = roll * cam.rotation;
  cam.translation = roll * cam.translation;

  const auto& which = vision::lift_point_joints();
  vision::LiftPoints points;
  vision::LiftVisibility visibility;
  for (int i = 0; i < vision::kLiftPoints; ++i) points[i] = cam.project(joints[which[i]]);  // in front: 1.7+ radii away
  // The landmark model's error, in units of the points' spread about the hips.
  const Eigen::Vector2d hips = 0.5 * (points[6] + points[7]);
  double ss = 0;
  for (const auto& p : points) ss += (p - hips).squaredNorm();
  const double spread = std::sqrt(ss / vision::kLiftPoints);
  const double jitter = uniform(rng, 0.005, 0.04) * spread;
  for (int i = 0; i < vision::kLiftPoints; ++i) {
    const bool hidden = uniform(rng, 0, 1) < 0.1;
    const double sigma = hidden ? 0.15 * spread : jitter;
    points[i] += Eigen::Vector2d(normal(rng, sigma), normal(rng, sigma));
    visibility[i] = hidden ? uniform(rng, 0, 0.4) : uniform(rng, 0.7, 1);
  }
  LiftView v;
  v.input = vision::lifter_input(points, visibility);
  v.joints = torch::empty({body::kNumBodyJoints, 3});
  auto a = v.joints.accessor<float, 2>();
  for (int j = 0; j < body::kNumBodyJoints; ++j) {
    // The fit's frame: x to the picture's right, y up, z towards the camera.
    const Eigen::Vector3d q = cam.rotation * (joints[j] - joints[body::kPelvis]);
    a[j][0] = static_cast<float>(q.x());
    a[j][1] = static_cast<float>(-q.y());
    a[j][2] = static_cast<float>(-q.z());
  }
  return v;
}

LifterTask::LifterTask(vision::LifterConfig config, const data::Corpus& corpus, int batch, std::uint64_t seed) : batch_(batch) {
  torch::manual_seed(seed);
  model_ = vision::PoseLifter(config);
  train_ = joints_of(corpus, "train");
  if (train_.empty()) throw Error("the corpus's train split is empty: nothing to train the lifter on");
  auto val = joints_of(corpus, "val");
  if (val.size() > 2000) val.resize(2000);
  if (val.empty()) throw Error("the corpus's val split is empty: nothing to validate the lifter on");
  std::mt19937_64 rng(20261207);
  std::vector<torch::Tensor> xs, ys;
  for (const auto& j : val) {
    auto v = random_lift_view(j, rng);
    xs.push_back(v.input);
    ys.push_back(v.joints);
  }
  val_x_ = torch::stack(xs);
  val_y_ = torch::stack(ys);
}

std::map<std::string, torch::Tensor> LifterTask::step(std::mt19937_64& rng, const torch::Device& device) {
  std::uniform_int_distribution<std::size_t> pick(0, train_.size() - 1);
  std::vector<torch::Tensor> xs, ys;
  for (int i = 0; i < batch_; ++i) {
    auto v = random_lift_view(train_[pick(rng)], rng);
    xs.push_back(v.input);
    ys.push_back(v.joints);
  }
  const auto x = torch::stack(xs).to(device), y = torch::stack(ys).to(device);
  const auto pred = model_->forward(x);
  // Mean joint distance (metres): MPJPE itself, which squared errors would let a few hard views dominate.
  const auto err = (pred - y).pow(2).sum(-1).add(1e-8).sqrt().mean();
  return {{"loss", err}};
}

std::map<std::string, double> LifterTask::evaluate(const torch::Device& device) {
  torch::NoGradGuard ng;
  const bool was_training = model_->is_training();
  model_->eval();
  std::vector<torch::Tensor> preds;
  for (std::int64_t s = 0; s < val_x_.size(0); s += 500)
    preds.push_back(model_->forward(val_x_.narrow(0, s, std::min<std::int64_t>(500, val_x_.size(0) - s)).to(device)).cpu());
  model_->train(was_training);
  const auto p = torch::cat(preds).to(torch::kDouble) * 1000, t = val_y_.to(torch::kDouble) * 1000;
  return {{"mpjpe_mm", eval::mpjpe(p, t).mean().item<double>()}, {"pa_mpjpe_mm", eval::pa_mpjpe(p, t).mean().item<double>()}};
}

std::map<std::string, double> LifterTask::validate() { return evaluate(model_->parameters().front().device()); }

}  // namespace unipose::train
