#include "core/pose/joint_limits.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <utility>

#include <Eigen/Geometry>

#include "core/body/axis_angle.h"
#include "core/body/mannequin.h"

namespace unipose::pose {
namespace {

using body::kNumJoints;

// Swing/twist components of a local rotation: components[twist_axis] is the twist angle, the other two are
// the swing rotation vector's components.
Eigen::Vector3d decompose(const Eigen::Vector3d& aa, int twist_axis) {
  const double angle = aa.norm();
  const Eigen::Quaterniond q = angle > 0 ? Eigen::Quaterniond(Eigen::AngleAxisd(angle, aa / angle)) : Eigen::Quaterniond::Identity();
  Eigen::Vector3d axis = Eigen::Vector3d::Zero();
  axis[twist_axis] = 1;
  // Twist = projection of q onto rotations about `axis`; swing = q * twist^-1.
  const double proj = q.vec().dot(axis);
  Eigen::Quaterniond twist(q.w(), proj * axis.x(), proj * axis.y(), proj * axis.z());
  if (twist.norm() < 1e-12) twist = Eigen::Quaterniond::Identity();
  twist.normalize();
  if (twist.w() < 0) twist.coeffs() *= -1;
  const Eigen::Quaterniond swing = q * twist.inverse();
  const Eigen::AngleAxisd s(swing);
  Eigen::Vector3d out = s.axis() * s.angle();
  if (!out.allFinite()) out.setZero();
  out[twist_axis] = 2 * std::atan2(twist.vec().dot(axis), twist.w());
  return out;
}

Eigen::Vector3d compose(const Eigen::Vector3d& c, int twist_axis) {
  Eigen::Vector3d axis = Eigen::Vector3d::Zero();
  axis[twist_axis] = 1;
  Eigen::Vector3d sv = c;
  sv[twist_axis] = 0;
  const double sa = sv.norm();
  const Eigen::Quaterniond swing = sa > 0 ? Eigen::Quaterniond(Eigen::AngleAxisd(sa, sv / sa)) : Eigen::Quaterniond::Identity();
  const Eigen::Quaterniond twist(Eigen::AngleAxisd(c[twist_axis], axis));
  const Eigen::AngleAxisd r(swing * twist);
  Eigen::Vector3d out = r.axis() * r.angle();
  return out.allFinite() ? out : Eigen::Vector3d::Zero();
}

JointLimit limit(int twist_axis, std::array<double, 3> lo, std::array<double, 3> hi) {
  JointLimit l;
  l.twist_axis = twist_axis;
  l.limited = true;
  for (int k = 0; k < 3; ++k) {
    l.min[k] = lo[k];
    l.max[k] = hi[k];
  }
  return l;
}

std::array<JointLimit, kNumJoints> make_limits() {
  using namespace body;
  std::array<JointLimit, kNumJoints> t{};
  // Left side and midline, radians, in the joint's rest frame (x to the body's left, y up, z forward).
  // Hip: flexion is -x (thigh forward), abduction +z, twist +y turns the thigh outward (external rotation).
  // Outward up to 1.45 rad: sitting cross-legged turns a flexed thigh about 80 degrees outward (measured on this
  // skeleton: at 0.9 rad the shins hang and the seat floats 0.3 m above the floor); inward 0.9.
  t[kLeftHip] = limit(1, {-2.3, -0.9, -0.6}, {0.6, 1.45, 1.3});
  // Knee: flexion +x only.
  t[kLeftKnee] = limit(1, {-0.15, -0.6, -0.15}, {2.7, 0.6, 0.15});
  t[kLeftAnkle] = limit(1, {-0.8, -0.7, -0.6}, {1.0, 0.7, 0.6});
  t[kLeftFoot] = limit(1, {-0.9, -0.3, -0.3}, {0.6, 0.3, 0.3});
  // Spine: forward bend +x, side bend z, twist y.
  t[kSpine1] = limit(1, {-0.6, -0.7, -0.6}, {1.1, 0.7, 0.6});
  t[kSpine2] = limit(1, {-0.4, -0.5, -0.4}, {0.7, 0.5, 0.4});
  t[kSpine3] = limit(1, {-0.4, -0.5, -0.4}, {0.7, 0.5, 0.4});
  t[kNeck] = limit(1, {-0.9, -1.1, -0.7}, {1.0, 1.1, 0.7});
  t[kHead] = limit(1, {-0.7, -1.0, -0.5}, {0.7, 1.0, 0.5});
  // Arm chain: bone along +x, twist about x. Shoulder: z raises the arm (+) or lowers it (-), -y brings it forward.
  t[kLeftCollar] = limit(0, {-0.4, -0.5, -0.4}, {0.4, 0.5, 0.7});
  t[kLeftShoulder] = limit(0, {-1.7, -2.0, -1.8}, {1.7, 1.0, 1.8});
  // Elbow: flexion -y only; twist is forearm pronation/supination.
  t[kLeftElbow] = limit(0, {-1.6, -2.8, -0.3}, {1.6, 0.12, 0.3});
  t[kLeftWrist] = limit(0, {-0.9, -0.6, -1.4}, {0.9, 0.5, 1.3});
  t[kLeftHand] = limit(0, {-0.3, -0.4, -1.5}, {0.3, 0.4, 0.5});
  // Right side: the mirror image. Mirroring maps rotation (x, y, z) to (x, -y, -z).
  for (int j = 0; j < kNumJoints; ++j) {
    const int m = mirror_joint(j);
    if (m == j || std::string(kJointNames[j]).rfind("right_", 0) != 0) continue;
    t[j] = t[m];
    for (int k = 1; k < 3; ++k) {
      t[j].min[k] = -t[m].max[k];
      t[j].max[k] = -t[m].min[k];
    }
  }
  return t;
}

}  // namespace

const JointLimit& joint_limit(int joint) {
  static const std::array<JointLimit, kNumJoints> limits = make_limits();
  return limits.at(joint);
}

std::vector<LimitViolation> check_limits(const Pose& pose, double tolerance) {
  std::vector<LimitViolation> out;
  for (int j = 0; j < kNumJoints; ++j) {
    const JointLimit& l = joint_limit(j);
    if (!l.limited) continue;
    const Eigen::Vector3d c = decompose(pose.rotations[j], l.twist_axis);
    for (int k = 0; k < 3; ++k)
      if (c[k] < l.min[k] - tolerance || c[k] > l.max[k] + tolerance) out.push_back({j, k, c[k], l.min[k], l.max[k]});
  }
  return out;
}

Eigen::Vector3d clamp_joint(int joint, const Eigen::Vector3d& aa) {
  const JointLimit& l = joint_limit(joint);
  if (!l.limited) return aa;
  Eigen::Vector3d c = decompose(aa, l.twist_axis);
  bool changed = false;
  for (int k = 0; k < 3; ++k) {
    const double v = std::clamp(c[k], l.min[k], l.max[k]);
    changed = changed || v != c[k];
    c[k] = v;
  }
  return changed ? compose(c, l.twist_axis) : aa;
}

Pose clamp_to_limits(const Pose& pose) {
  Pose out = pose;
  for (int j = 0; j < kNumJoints; ++j) out.rotations[j] = clamp_joint(j, pose.rotations[j]);
  return out;
}

namespace {

// How far a local rotation is outside its joint's limits: the sum of squares of each component's excess.
double excess(int joint, const Eigen::Matrix3d& local) {
  const JointLimit& l = joint_limit(joint);
  if (!l.limited) return 0;
  const Eigen::Vector3d c = decompose(body::axis_angle(local), l.twist_axis);
  double sum = 0;
  for (int k = 0; k < 3; ++k) {
    const double over = std::max(0.0, c[k] - l.max[k]) + std::max(0.0, l.min[k] - c[k]);
    sum += over * over;
  }
  return sum;
}

// A joint with one child, and the direction of the bone between them in the rest pose: a twist about that
// bone at the joint, undone at the child, moves nothing.
struct TwistLink {
  int joint, child;
  Eigen::Vector3d axis;
};

const std::vector<TwistLink>& twist_links() {
  static const std::vector<TwistLink> links = [] {
    using namespace body;
    const auto& rest = mannequin_rest_joints();
    std::vector<TwistLink> out;
    for (const auto& [j, c] : std::initializer_list<std::pair<int, int>>{
             {kSpine1, kSpine2}, {kSpine2, kSpine3}, {kNeck, kHead}, {kLeftHip, kLeftKnee}, {kRightHip, kRightKnee},
             {kLeftKnee, kLeftAnkle}, {kRightKnee, kRightAnkle}, {kLeftAnkle, kLeftFoot}, {kRightAnkle, kRightFoot},
             {kLeftCollar, kLeftShoulder}, {kRightCollar, kRightShoulder}, {kLeftShoulder, kLeftElbow},
             {kRightShoulder, kRightElbow}, {kLeftElbow, kLeftWrist}, {kRightElbow, kRightWrist}, {kLeftWrist, kLeftHand},
             {kRightWrist, kRightHand}})
      out.push_back({j, c, (rest[c] - rest[j]).normalized()});
    return out;
  }();
  return links;
}

}  // namespace

Pose settle_twists(const Pose& pose) {
  constexpr double kTolerance = 1e-6;  // squared radians: chains this close are left alone
  constexpr double kPrefer = 1e-4;     // per squared radian of twist moved: among equal results, the least change
  std::array<Eigen::Matrix3d, kNumJoints> local;
  std::array<bool, kNumJoints> changed{};
  for (int j = 0; j < kNumJoints; ++j) local[j] = body::rotation_matrix(pose.rotations[j]);
  double before = 0;
  for (const auto& link : twist_links()) before += excess(link.joint, local[link.joint]) + excess(link.child, local[link.child]);
  if (before < kTolerance) return pose;
  // Coordinate descent over the links, top down, a few sweeps so that an excess can travel along a chain.
  for (int sweep = 0; sweep < 24; ++sweep) {
    bool moved = false;
    for (const auto& link : twist_links()) {
      const Eigen::Matrix3d joint = local[link.joint], child = local[link.child];
      auto cost = [&](double delta) {
        const Eigen::Matrix3d t = Eigen::AngleAxisd(delta, link.axis).toRotationMatrix();
        return excess(link.joint, joint * t) + excess(link.child, t.transpose() * child) + kPrefer * delta * delta;
      };
      const double now = cost(0);
      if (now < kTolerance) continue;
      // The whole circle in 5-degree steps, then a golden-section search around the best step.
      double best = 0, best_cost = now;
      for (int k = -36; k <= 36; ++k) {
        const double d = k * M_PI / 36;
        const double c = cost(d);
        if (c < best_cost - 1e-12) best = d, best_cost = c;
      }
      double lo = best - M_PI / 36, hi = best + M_PI / 36;
      const double g = (std::sqrt(5.0) - 1) / 2;
      for (int it = 0; it < 30; ++it) {
        const double a = hi - g * (hi - lo), b = lo + g * (hi - lo);
        if (cost(a) < cost(b)) hi = b;
        else lo = a;
      }
      const double refined = (lo + hi) / 2;
      if (cost(refined) < best_cost) best = refined, best_cost = cost(refined);
      if (std::abs(best) < 1e-9) continue;
      const Eigen::Matrix3d t = Eigen::AngleAxisd(best, link.axis).toRotationMatrix();
      local[link.joint] = joint * t;
      local[link.child] = t.transpose() * child;
      changed[link.joint] = changed[link.child] = true;
      moved = true;
    }
    if (!moved) break;
  }
  Pose out = pose;
  for (int j = 0; j < kNumJoints; ++j)
    if (changed[j]) out.rotations[j] = body::axis_angle(local[j]);
  return out;
}

std::string describe(const LimitViolation& v) {
  const JointLimit& l = joint_limit(v.joint);
  const char* axis = "xyz" + v.axis;
  char buf[200];
  std::snprintf(buf, sizeof(buf), "%s %s %c %.1f deg outside [%.1f, %.1f]", body::kJointNames[v.joint],
                v.axis == l.twist_axis ? "twist about" : "swing about", *axis, v.value * 180 / M_PI, v.min * 180 / M_PI,
                v.max * 180 / M_PI);
  return buf;
}

}  // namespace unipose::pose
