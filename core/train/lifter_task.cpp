#include "core/train/lifter_task.h"

#include <Eigen/Geometry>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "core/body/body_model.h"
#include "core/body/mannequin.h"
#include "core/data/render.h"
#include "core/error.h"
#include "core/eval/metrics.h"
#include "core/io/npz.h"

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

RecordedLiftViews read_lift_views(const std::string& path) {
  const auto npz = io::read_npz(path);
  const auto& in = io::require_array(npz, "inputs", path);
  const auto& out = io::require_array(npz, "joints", path);
  if (in.shape.size() != 2 || in.shape[1] != vision::kLiftInputs || in.shape[0] < 1)
    fail(path, "'inputs' must be N x " + std::to_string(vision::kLiftInputs) + " (unipose data lift-views writes it)");
  if (out.shape != std::vector<std::int64_t>{in.shape[0], body::kNumBodyJoints, 3})
    fail(path, "'joints' must be " + std::to_string(in.shape[0]) + " x " + std::to_string(body::kNumBodyJoints) + " x 3, as many views as 'inputs'");
  RecordedLiftViews v;
  v.inputs = torch::tensor(in.to_float()).view({in.shape[0], vision::kLiftInputs});
  v.joints = torch::tensor(out.to_float()).view({in.shape[0], body::kNumBodyJoints, 3});
  if (!torch::isfinite(v.inputs).all().item<bool>() || !torch::isfinite(v.joints).all().item<bool>()) fail(path, "a value is not a finite number");
  if (v.joints.abs().max().item<float>() > 5) fail(path, "a joint lies more than 5 m from the pelvis: not metres of a body");
  if (const auto it = npz.find("source"); it != npz.end() && it->second.dtype == "u1" && it->second.shape.size() == 1) {
    v.source.assign(it->second.data.begin(), it->second.data.end());
    for (auto& c : v.source)
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';  // one line in a model card
  }
  return v;
}

RecordedLiftViews mirror_lift_views(const RecordedLiftViews& views) {
  constexpr int n = vision::kLiftPoints;
  std::vector<std::int64_t> point(n), joint(body::kNumBodyJoints);
  for (int i = 0; i < n; ++i) point[i] = vision::lift_point_of(body::mirror_joint(vision::lift_point_joints()[i]));
  for (int j = 0; j < body::kNumBodyJoints; ++j) joint[j] = body::mirror_joint(j);
  const auto p = torch::tensor(point);
  auto xy = views.inputs.narrow(1, 0, 2 * n).view({-1, n, 2}).index_select(1, p).clone();
  xy.select(2, 0).neg_();
  const auto vis = views.inputs.narrow(1, 2 * n, n).index_select(1, p);
  RecordedLiftViews out;
  out.inputs = torch::cat({xy.reshape({-1, 2 * n}), vis}, 1);
  out.joints = views.joints.index_select(1, torch::tensor(joint)).clone();
  out.joints.select(2, 0).neg_();
  return out;
}

LifterTask::LifterTask(vision::LifterConfig config, const data::Corpus& corpus, int batch, std::uint64_t seed, RecordedLiftViews recorded,
                       double recorded_share, RecordedLiftViews recorded_val)
    : batch_(batch), recorded_(std::move(recorded)), recorded_val_(std::move(recorded_val)) {
  if (!(recorded_share >= 0 && recorded_share <= 1)) throw Error("the share of recorded views must lie in 0..1");
  if (recorded_share > 0 && recorded_.size() == 0) throw Error("a share of recorded views needs recorded views (unipose data lift-views)");
  recorded_per_step_ = static_cast<int>(std::lround(recorded_share * batch));
  if (recorded_.size() > 0) mirrored_ = mirror_lift_views(recorded_);
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
  for (int i = recorded_per_step_; i < batch_; ++i) {
    auto v = random_lift_view(train_[pick(rng)], rng);
    xs.push_back(v.input);
    ys.push_back(v.joints);
  }
  std::vector<torch::Tensor> bx, by;  // parts of the batch
  if (!xs.empty()) {
    bx.push_back(torch::stack(xs));
    by.push_back(torch::stack(ys));
  }
  if (recorded_per_step_ > 0) {
    std::uniform_int_distribution<std::int64_t> view(0, recorded_.size() - 1);
    std::vector<std::int64_t> plain, mirrored;
    for (int i = 0; i < recorded_per_step_; ++i) (uniform(rng, 0, 1) < 0.5 ? plain : mirrored).push_back(view(rng));
    for (const bool mirror : {false, true}) {
      const auto& list = mirror ? mirrored : plain;
      if (list.empty()) continue;
      const auto& from = mirror ? mirrored_ : recorded_;
      const auto idx = torch::tensor(list);
      bx.push_back(from.inputs.index_select(0, idx));
      by.push_back(from.joints.index_select(0, idx));
    }
  }
  const auto x = torch::cat(bx).to(device), y = torch::cat(by).to(device);
  const auto pred = model_->forward(x);
  // Mean joint distance (metres): MPJPE itself, which squared errors would let a few hard views dominate.
  const auto err = (pred - y).pow(2).sum(-1).add(1e-8).sqrt().mean();
  return {{"loss", err}};
}

std::map<std::string, double> LifterTask::evaluate(const torch::Device& device) {
  torch::NoGradGuard ng;
  const bool was_training = model_->is_training();
  model_->eval();
  // MPJPE and PA-MPJPE (mm) of the lifted joints of `x` against `y`, 500 views at a time.
  auto errors = [&](const torch::Tensor& x, const torch::Tensor& y) {
    std::vector<torch::Tensor> preds;
    for (std::int64_t s = 0; s < x.size(0); s += 500) preds.push_back(model_->forward(x.narrow(0, s, std::min<std::int64_t>(500, x.size(0) - s)).to(device)).cpu());
    const auto p = torch::cat(preds).to(torch::kDouble) * 1000, t = y.to(torch::kDouble) * 1000;
    return std::pair{eval::mpjpe(p, t).mean().item<double>(), eval::pa_mpjpe(p, t).mean().item<double>()};
  };
  std::map<std::string, double> out;
  std::tie(out["mpjpe_mm"], out["pa_mpjpe_mm"]) = errors(val_x_, val_y_);
  if (recorded_val_.size() > 0) std::tie(out["recorded_mpjpe_mm"], out["recorded_pa_mpjpe_mm"]) = errors(recorded_val_.inputs, recorded_val_.joints);
  model_->train(was_training);
  return out;
}

std::map<std::string, double> LifterTask::validate() { return evaluate(model_->parameters().front().device()); }

}  // namespace unipose::train
