#include "core/vision/fit.h"

#include <Eigen/Geometry>

#include <algorithm>
#include <cmath>

#include "core/body/kinematics.h"
#include "core/body/mannequin.h"
#include "core/body/rotations.h"
#include "core/error.h"
#include "core/pose/frame.h"
#include "core/pose/joint_limits.h"

namespace unipose::vision {
namespace {
using namespace body;

// A point of either skeleton as a weighted sum of its joints (mid-points of pairs).
using Point = std::vector<std::pair<int, double>>;
struct Bone {
  Point smpl_from, smpl_to, blaze_from, blaze_to;
  double weight;
};

Point one(int j) { return Point{{j, 1.0}}; }
Point mid(int a, int b) { return Point{{a, 0.5}, {b, 0.5}}; }

const std::vector<Bone>& bones() {
  static const std::vector<Bone> b = {
      {one(kLeftHip), one(kLeftKnee), one(23), one(25), 1},          {one(kRightHip), one(kRightKnee), one(24), one(26), 1},
      {one(kLeftKnee), one(kLeftAnkle), one(25), one(27), 1},        {one(kRightKnee), one(kRightAnkle), one(26), one(28), 1},
      {one(kLeftAnkle), one(kLeftFoot), one(29), one(31), 0.5},      {one(kRightAnkle), one(kRightFoot), one(30), one(32), 0.5},
      {one(kLeftShoulder), one(kLeftElbow), one(11), one(13), 1},    {one(kRightShoulder), one(kRightElbow), one(12), one(14), 1},
      {one(kLeftElbow), one(kLeftWrist), one(13), one(15), 1},       {one(kRightElbow), one(kRightWrist), one(14), one(16), 1},
      {one(kRightHip), one(kLeftHip), one(24), one(23), 1.5},        {one(kRightShoulder), one(kLeftShoulder), one(12), one(11), 1.5},
      {mid(kLeftHip, kRightHip), mid(kLeftShoulder, kRightShoulder), mid(23, 24), mid(11, 12), 1.5},
      {mid(kLeftShoulder, kRightShoulder), one(kHead), mid(11, 12), mid(7, 8), 0.7},
  };
  return b;
}

Eigen::Vector3d blaze_point(const PoseLandmarks& lm, const Point& p) {
  Eigen::Vector3d v = Eigen::Vector3d::Zero();
  // BlazePose's world frame: x right in the picture, y down, z away from the camera. The body's: y up, and a
  // person facing the camera faces +z.
  for (const auto& [j, w] : p) v += w * Eigen::Vector3d(lm.world[j].x(), -lm.world[j].y(), -lm.world[j].z());
  return v;
}

Eigen::Vector3d smpl_point(const std::array<Eigen::Vector3d, 22>& joints, const Point& p) {
  Eigen::Vector3d v = Eigen::Vector3d::Zero();
  for (const auto& [j, w] : p) v += w * joints[j];
  return v;
}

// A point of BlazePose's 2D landmarks in the body's axes (x right, y up; pixels).
Eigen::Vector2d picture_point(const PoseLandmarks& lm, const Point& p) {
  Eigen::Vector2d v = Eigen::Vector2d::Zero();
  for (const auto& [j, w] : p) v += w * Eigen::Vector2d(lm.image[j].position.x(), -lm.image[j].position.y());
  return v;
}

// The 3D direction `d` with its in-picture part (x, y) turned to lie along the 2D bone `across`, its depth (z)
// kept: the unit vector (sqrt(1 - dz^2) * across / |across|, dz), blended with d by `weight`. d as it is when
// the 2D bone has no length.
Eigen::Vector3d with_picture_plane(const Eigen::Vector3d& d, const Eigen::Vector2d& across, double weight) {
  const double n = d.norm();
  if (weight <= 0 || n < 1e-9 || across.norm() < 1e-9 || !across.allFinite()) return d;
  const Eigen::Vector3d u = d / n;
  const double dz = std::clamp(u.z(), -1.0, 1.0);
  const Eigen::Vector2d a = std::sqrt(1 - dz * dz) * across.normalized();
  const Eigen::Vector3d turned(a.x(), a.y(), dz);
  return ((1 - std::min(weight, 1.0)) * u + std::min(weight, 1.0) * turned).normalized();
}

// The direction a bone should take: BlazePose's world landmarks, the lifter's joints, or a blend (FitOptions),
// then turned across the picture towards the 2D landmarks as far as picture_plane_weight asks.
Eigen::Vector3d target_direction(const PoseLandmarks& lm, const FitOptions& o, const Point& smpl_from, const Point& smpl_to,
                                 const Point& blaze_from, const Point& blaze_to) {
  const Eigen::Vector3d world = blaze_point(lm, blaze_to) - blaze_point(lm, blaze_from);
  Eigen::Vector3d d = world;
  if (o.lifted && o.lift_weight > 0) {
    const Eigen::Vector3d lifted = smpl_point(*o.lifted, smpl_to) - smpl_point(*o.lifted, smpl_from);
    if (o.lift_weight >= 1 || world.norm() < 1e-9) d = lifted;
    else if (lifted.norm() >= 1e-9) d = (1 - o.lift_weight) * world.normalized() + o.lift_weight * lifted.normalized();
  }
  return with_picture_plane(d, picture_point(lm, blaze_to) - picture_point(lm, blaze_from), o.picture_plane_weight);
}

// A right-handed frame (columns: left, up, forward) from a body's left direction and its up direction (made
// perpendicular to the left); none when either is degenerate or not a number.
std::optional<Eigen::Matrix3d> trunk_frame(const Eigen::Vector3d& left, const Eigen::Vector3d& up) {
  if (!left.allFinite() || !up.allFinite() || left.norm() < 1e-9) return std::nullopt;
  const Eigen::Vector3d x = left.normalized();
  const Eigen::Vector3d u = up - up.dot(x) * x;
  if (u.norm() < 1e-9) return std::nullopt;
  Eigen::Matrix3d f;
  f.col(0) = x;
  f.col(1) = u.normalized();
  f.col(2) = x.cross(f.col(1));
  return f;
}

double blaze_visibility(const PoseLandmarks& lm, const Point& p) {
  double v = 1;
  for (const auto& [j, w] : p) v = std::min(v, lm.image[j].visibility);
  return v;
}

torch::Tensor selector(const std::vector<Bone>& bs, bool to) {
  auto s = torch::zeros({static_cast<std::int64_t>(bs.size()), kNumBodyJoints});
  for (std::size_t i = 0; i < bs.size(); ++i) {
    for (const auto& [j, w] : (to ? bs[i].smpl_to : bs[i].smpl_from)) s[i][j] += w * (to ? 1 : -1);
  }
  return s;
}

// Joints whose turn a photo hardly shows: held near rest by the prior (the limbs are free).
double prior_of(int joint) {
  switch (joint) {
    case kSpine1: case kSpine2: case kSpine3: case kNeck: case kLeftCollar: case kRightCollar: return 1.0;
    case kLeftFoot: case kRightFoot: case kLeftWrist: case kRightWrist: return 1.0;
    case kHead: return 0.5;
    default: return 0.2;
  }
}

}  // namespace

const std::vector<std::pair<int, int>>& limb_joint_pairs() {
  static const std::vector<std::pair<int, int>> p = {{kLeftShoulder, 11}, {kRightShoulder, 12}, {kLeftElbow, 13}, {kRightElbow, 14},
                                                      {kLeftWrist, 15},    {kRightWrist, 16},    {kLeftHip, 23},    {kRightHip, 24},
                                                      {kLeftKnee, 25},     {kRightKnee, 26},     {kLeftAnkle, 27},  {kRightAnkle, 28}};
  return p;
}

FitResult fit_pose(const PoseLandmarks& lm, const FitOptions& options) {
  FitOptions o = options;
  if (lm.world.size() < kBlazePoseNamed || lm.image.size() < kBlazePoseNamed) throw Error("fitting needs BlazePose's 33 landmarks");
  for (const auto& w : lm.world)
    if (!w.allFinite()) throw Error("a landmark of the photo is not a number; nothing to fit");
  if (o.lifted)
    for (const auto& j : *o.lifted)
      if (!j.allFinite()) throw Error("a lifted joint of the photo is not a number; nothing to fit");
  if (!std::isfinite(o.lift_weight)) throw Error("fit: the lift weight is not a number");
  if (!std::isfinite(o.picture_plane_weight)) throw Error("fit: the picture-plane weight is not a number");
  for (const auto& p : lm.image)
    if (!p.position.allFinite()) throw Error("a 2D landmark of the photo is not a number; nothing to fit");
  if (o.lifted && o.lift_trunk_from_landmarks) {
    auto& l = *o.lifted;
    const auto lifted = trunk_frame(l[kLeftHip] - l[kRightHip], 0.5 * (l[kLeftShoulder] + l[kRightShoulder] - l[kLeftHip] - l[kRightHip]));
    const auto world = trunk_frame(blaze_point(lm, one(23)) - blaze_point(lm, one(24)), blaze_point(lm, mid(11, 12)) - blaze_point(lm, mid(23, 24)));
    if (lifted && world) {
      const Eigen::Matrix3d turn = *world * lifted->transpose();
      for (auto& j : l) j = turn * j;
    }
  }
  torch::NoGradGuard outer;  // gradients only where asked below
  const auto& bs = bones();
  const std::int64_t nb = static_cast<std::int64_t>(bs.size());
  auto target = torch::zeros({nb, 3}), weight = torch::zeros({nb});
  for (std::int64_t i = 0; i < nb; ++i) {
    const Eigen::Vector3d d = target_direction(lm, o, bs[i].smpl_from, bs[i].smpl_to, bs[i].blaze_from, bs[i].blaze_to);
    const double n = d.norm();
    if (n < 1e-6) continue;
    for (int k = 0; k < 3; ++k) target[i][k] = d[k] / n;
    // Hidden limbs still have a guess; it counts less.
    weight[i] = bs[i].weight * std::max(0.15, std::min(blaze_visibility(lm, bs[i].blaze_from), blaze_visibility(lm, bs[i].blaze_to)));
  }
  const auto from = selector(bs, false), to = selector(bs, true), sel = from + to;  // to - from as one matrix
  const auto rest = body::to_tensor(mannequin_rest_joints()).to(torch::kFloat);
  auto prior = torch::zeros({kNumBodyJoints});
  for (int j = 1; j < kNumBodyJoints; ++j) prior[j] = prior_of(j);

  // Start: the trunk's orientation from hips and shoulders, limbs at rest.
  const auto r0 = trunk_frame(target_direction(lm, o, one(kRightHip), one(kLeftHip), one(24), one(23)),
                              target_direction(lm, o, mid(kLeftHip, kRightHip), mid(kLeftShoulder, kRightShoulder), mid(23, 24), mid(11, 12)));
  auto rot = torch::zeros({kNumBodyJoints, 3});
  if (r0) {
    const Eigen::AngleAxisd start(*r0);
    for (int k = 0; k < 3; ++k) rot[0][k] = start.angle() * start.axis()[k];
  }

  // Then each limb bone turned, parents first, by the smallest rotation that lays it along its landmark
  // direction (no twist): most of the fit in closed form, which the descent below only refines.
  {
    const auto& rest_joints = mannequin_rest_joints();
    const auto parents = smpl_parents();
    std::array<Eigen::Matrix3d, kNumBodyJoints> global;
    global[0] = r0 ? *r0 : Eigen::Matrix3d::Identity();
    std::array<Eigen::Vector3d, kNumBodyJoints> local;
    for (auto& l : local) l.setZero();
    // (joint, child, BlazePose from, BlazePose to)
    const std::vector<std::array<int, 4>> chains = {{kLeftHip, kLeftKnee, 23, 25},         {kRightHip, kRightKnee, 24, 26},
                                                    {kLeftKnee, kLeftAnkle, 25, 27},       {kRightKnee, kRightAnkle, 26, 28},
                                                    {kLeftShoulder, kLeftElbow, 11, 13},   {kRightShoulder, kRightElbow, 12, 14},
                                                    {kLeftElbow, kLeftWrist, 13, 15},      {kRightElbow, kRightWrist, 14, 16}};
    for (int j = 1; j < kNumBodyJoints; ++j) {
      global[j] = global[parents[j]];
      for (const auto& c : chains) {
        if (c[0] != j) continue;
        const Eigen::Vector3d want = target_direction(lm, o, one(c[0]), one(c[1]), one(c[2]), one(c[3]));
        const Eigen::Vector3d now = global[j] * (rest_joints[c[1]] - rest_joints[c[0]]);
        if (want.norm() < 1e-6 || now.norm() < 1e-9) continue;
        const Eigen::Matrix3d swing = Eigen::Quaterniond::FromTwoVectors(now, want).toRotationMatrix();
        const Eigen::Matrix3d turn = global[parents[j]].transpose() * swing * global[j];
        const Eigen::AngleAxisd aa(turn);
        local[j] = aa.angle() * aa.axis();
        global[j] = swing * global[j];
      }
    }
    if (r0)
      for (int j = 1; j < kNumBodyJoints; ++j)
        if (local[j].allFinite())
          for (int k = 0; k < 3; ++k) rot[j][k] = local[j][k];
  }

  auto project_to_limits = [&](torch::Tensor& r) {
    pose::Pose p;
    auto acc = r.accessor<float, 2>();
    for (int j = 0; j < kNumBodyJoints; ++j) p.rotations[j] = Eigen::Vector3d(acc[j][0], acc[j][1], acc[j][2]);
    p = pose::clamp_to_limits(pose::settle_twists(p));
    for (int j = 0; j < kNumBodyJoints; ++j)
      for (int k = 0; k < 3; ++k) acc[j][k] = static_cast<float>(p.rotations[j][k]);
  };

  project_to_limits(rot);
  rot.set_requires_grad(true);
  torch::optim::Adam opt({rot}, torch::optim::AdamOptions(o.learning_rate));
  auto directions = [&](const torch::Tensor& r) {
    const auto joints = body_forward_kinematics(axis_angle_to_matrix(r).unsqueeze(0), rest).joints[0].narrow(0, 0, kNumBodyJoints);
    const auto d = sel.mm(joints);
    return d / (d.norm(2, 1, true) + 1e-8);
  };
  // The 2D term's data: the limb joints, BlazePose's 2D points and their visibilities.
  const auto& pairs = limb_joint_pairs();
  const auto np = static_cast<std::int64_t>(pairs.size());
  auto limb_index = torch::zeros({np}, torch::kLong);
  auto points = torch::zeros({np, 2}), seen = torch::zeros({np});
  for (std::int64_t i = 0; i < np; ++i) {
    limb_index[i] = pairs[i].first;
    points[i][0] = lm.image[pairs[i].second].position.x();
    points[i][1] = lm.image[pairs[i].second].position.y();
    seen[i] = std::max(0.05, lm.image[pairs[i].second].visibility);
  }
  auto reprojection = [&](const torch::Tensor& r) {
    const auto joints = body_forward_kinematics(axis_angle_to_matrix(r).unsqueeze(0), rest).joints[0].index_select(0, limb_index);
    const auto q = torch::stack({joints.select(1, 0), -joints.select(1, 1)}, 1);  // (x, -y): the picture's axes
    // The weak camera that lays them best over the 2D points (weighted least squares), held fixed for the step.
    const auto w = seen.unsqueeze(1);
    const auto qd = q.detach();
    const auto qm = (w * qd).sum(0) / seen.sum(), pm = (w * points).sum(0) / seen.sum();
    const auto scale = ((w * (qd - qm) * (points - pm)).sum() / (w * (qd - qm).pow(2)).sum().clamp_min(1e-9)).clamp_min(1e-6);
    const auto shift = pm - scale * qm;
    return ((seen * ((q - (points - shift) / scale).pow(2).sum(1))).sum() / seen.sum());
  };
  FitResult out;
  for (int it = 0; it < o.iterations; ++it) {
    torch::AutoGradMode grad(true);
    opt.zero_grad();
    const auto d = directions(rot);
    auto loss = (weight * (d - target).pow(2).sum(1)).sum() / weight.sum().clamp_min(1e-6) +
                o.prior_weight * (prior * rot.pow(2).sum(1)).sum();
    if (o.reprojection_weight > 0) loss = loss + o.reprojection_weight * reprojection(rot);
    loss.backward();
    opt.step();
    if ((it + 1) % 10 == 0 || it + 1 == o.iterations) {
      torch::NoGradGuard ng;
      auto r = rot.detach().clone();
      project_to_limits(r);
      rot.copy_(r);
    }
    out.iterations = it + 1;
  }
  const auto r = rot.detach();
  {
    const auto d = directions(r);
    const auto cosines = (d * target).sum(1).clamp(-1, 1);
    double sum = 0, wsum = 0;
    for (std::int64_t i = 0; i < nb; ++i) {
      sum += weight[i].item<double>() * std::acos(cosines[i].item<double>());
      wsum += weight[i].item<double>();
    }
    out.direction_error_deg = wsum > 0 ? sum / wsum * 180 / M_PI : 0;
  }
  for (int j = 0; j < kNumBodyJoints; ++j) out.pose.rotations[j] = Eigen::Vector3d(r[j][0].item<double>(), r[j][1].item<double>(), r[j][2].item<double>());
  pose::place_on_floor(out.pose);

  // Weak perspective: (u, v) = s * (x, -y) + t over the visible limb joints, least squares.
  const auto joints = body_forward_kinematics(rotation_matrices(std::vector<pose::Pose>{out.pose}).to(torch::kFloat).narrow(1, 0, kNumBodyJoints), rest).joints[0];
  std::array<Eigen::Vector3d, kNumBodyJoints> j3;
  for (int j = 0; j < kNumBodyJoints; ++j) j3[j] = Eigen::Vector3d(joints[j][0].item<double>(), joints[j][1].item<double>(), joints[j][2].item<double>());
  Eigen::Matrix3d a = Eigen::Matrix3d::Zero();
  Eigen::Vector3d b = Eigen::Vector3d::Zero();
  for (const auto& [sj, bj] : limb_joint_pairs()) {
    const double w = std::max(0.05, lm.image[bj].visibility);
    const Eigen::Vector2d q(j3[sj].x(), -j3[sj].y());
    const Eigen::Vector2d p = lm.image[bj].position.head<2>();
    for (int k = 0; k < 2; ++k) {
      Eigen::Vector3d row(q[k], k == 0 ? 1 : 0, k == 1 ? 1 : 0);
      a += w * row * row.transpose();
      b += w * row * p[k];
    }
  }
  const Eigen::Vector3d x = a.ldlt().solve(b);
  out.scale = x[0];
  out.shift = x.tail<2>();
  for (int j = 0; j < kNumBodyJoints; ++j) out.projected[j] = out.scale * Eigen::Vector2d(j3[j].x(), -j3[j].y()) + out.shift;
  double err = 0;
  int n = 0;
  for (const auto& [sj, bj] : limb_joint_pairs())
    if (lm.image[bj].visibility >= 0.5) {
      err += (out.projected[sj] - lm.image[bj].position.head<2>()).norm();
      ++n;
    }
  out.reprojection_px = n ? err / n : 0;
  return out;
}

}  // namespace unipose::vision
