#include "core/data/targeted.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/body/body_model.h"
#include "core/body/mannequin.h"
#include "core/body/skeleton.h"
#include "core/pose/sampler.h"

namespace unipose::data {
namespace {

using namespace body;
using text::Change;
using text::Part;

struct Measured {
  JointPositions j;
  Eigen::Vector3d left, forward;
  double along(int a, int b, const Eigen::Vector3d& axis) const { return (j[a] - j[b]).dot(axis); }
  double dist(int a, int b) const { return (j[a] - j[b]).norm(); }
};

Measured measure(const pose::Pose& p) {
  Measured m;
  m.j = posed_joint_positions(p, mannequin_rest_joints());
  Eigen::Vector3d l = m.j[kLeftHip] - m.j[kRightHip];
  l.y() = 0;
  m.left = l.normalized();
  m.forward = m.left.cross(Eigen::Vector3d::UnitY());
  return m;
}

double angle_at(const Measured& m, int a, int b, int c) {
  const Eigen::Vector3d u = (m.j[a] - m.j[b]).normalized(), v = (m.j[c] - m.j[b]).normalized();
  return std::acos(std::clamp(u.dot(v), -1.0, 1.0)) * 180 / M_PI;
}

// What each change means, measured as a person would check it (the frame of ../shared/eval's checker: up is
// world up, left the hips' right-to-left direction, forward = left x up). `s` 0 is the left side.
bool means(const Change& c, int s, const Measured& m, std::string* why) {
  const int W = s == 0 ? kLeftWrist : kRightWrist, E = s == 0 ? kLeftElbow : kRightElbow, S = s == 0 ? kLeftShoulder : kRightShoulder;
  const int H = s == 0 ? kLeftHip : kRightHip, K = s == 0 ? kLeftKnee : kRightKnee, A = s == 0 ? kLeftAnkle : kRightAnkle;
  const int oE = s == 0 ? kRightElbow : kLeftElbow, oA = s == 0 ? kRightAnkle : kLeftAnkle;
  const double out_sign = s == 0 ? 1 : -1;
  const auto& a = c.action;
  auto y = [&](int j) { return m.j[j].y(); };
  auto say = [&](const char* what, double v) { *why = std::string(what) + " = " + std::to_string(v); return false; };
  const bool arm = c.part == Part::LeftArm || c.part == Part::RightArm || c.part == Part::Arms;
  const bool leg = c.part == Part::LeftLeg || c.part == Part::RightLeg || c.part == Part::Legs;
  if (arm) {
    if (a == "up") return y(W) > y(kHead) || say("wrist above head", y(W) - y(kHead));
    if (a == "out") return (out_sign * m.along(W, S, m.left) > 0.35 && std::abs(y(W) - y(S)) < 0.2) || say("wrist out from shoulder", out_sign * m.along(W, S, m.left));
    if (a == "forward") return (m.along(W, S, m.forward) > 0.35 && std::abs(y(W) - y(S)) < 0.2) || say("wrist forward of shoulder", m.along(W, S, m.forward));
    if (a == "down") return y(W) < y(S) - 0.35 || say("wrist below shoulder", y(S) - y(W));
    if (a == "bend") return angle_at(m, S, E, W) < 120 || say("elbow angle", angle_at(m, S, E, W));
    if (a == "straighten") return angle_at(m, S, E, W) > 160 || say("elbow angle", angle_at(m, S, E, W));
    if (a == "hip") return m.dist(W, H) < 0.2 || say("wrist-hip", m.dist(W, H));
    if (a == "head") return m.dist(W, kHead) < 0.22 || say("wrist-head", m.dist(W, kHead));
    if (a == "cross") return m.dist(W, oE) < 0.15 || say("wrist-other elbow", m.dist(W, oE));
  }
  if (leg) {
    if (a == "bend") return angle_at(m, H, K, A) < 135 || say("knee angle", angle_at(m, H, K, A));
    if (a == "straighten") return angle_at(m, H, K, A) > 165 || say("knee angle", angle_at(m, H, K, A));
    if (a == "knee_up") return y(K) > y(H) - 0.12 || say("knee below hip", y(H) - y(K));
    if (a == "kick") return m.along(A, H, m.forward) > 0.35 || say("ankle forward of hip", m.along(A, H, m.forward));
    if (a == "side") return out_sign * m.along(A, H, m.left) > 0.25 || say("ankle out from hip", out_sign * m.along(A, H, m.left));
    if (a == "step_forward") return m.along(A, oA, m.forward) > 0.2 || say("ankle ahead of the other", m.along(A, oA, m.forward));
    if (a == "step_back") return m.along(A, oA, m.forward) < -0.2 || say("ankle ahead of the other", m.along(A, oA, m.forward));
    if (a == "apart") return std::abs(m.along(kLeftAnkle, kRightAnkle, m.left)) > 0.45 || say("ankles apart", m.along(kLeftAnkle, kRightAnkle, m.left));
    if (a == "together") return std::abs(m.along(kLeftAnkle, kRightAnkle, m.left)) < 0.25 || say("ankles apart", m.along(kLeftAnkle, kRightAnkle, m.left));
  }
  if (c.part == Part::Torso) {
    const double fwd = m.along(kNeck, kPelvis, m.forward), side = m.along(kNeck, kPelvis, m.left);
    if (a == "forward") return fwd > 0.15 || say("neck forward of pelvis", fwd);
    if (a == "back") return fwd < -0.05 || say("neck forward of pelvis", fwd);
    if (a == "left") return side > 0.08 || say("neck left of pelvis", side);
    if (a == "right") return side < -0.08 || say("neck left of pelvis", side);
    return true;  // twists: the shoulders turn over the hips; measured by the caption tests
  }
  if (c.part == Part::Body) {
    const double low = std::min({y(kLeftFoot), y(kRightFoot), y(kLeftKnee), y(kRightKnee), y(kPelvis), y(kHead), y(kLeftWrist), y(kRightWrist)});
    const double pelvis = y(kPelvis) - low;
    const double tilt = std::acos(std::clamp((m.j[kNeck] - m.j[kPelvis]).normalized().y(), -1.0, 1.0)) * 180 / M_PI;
    if (a == "squat") return (angle_at(m, kLeftHip, kLeftKnee, kLeftAnkle) < 115 && pelvis < 0.75) || say("pelvis height", pelvis);  // a crouch counts
    // Cross-legged seats are not checked: the corpus sampler's (generator 1.2) float with the shins hanging
    // (pelvis about 0.4 m above the lowest joint); a known defect, not yet mended.
    if (a == "sit_floor") return pelvis < 0.3 || say("pelvis height", pelvis);
    if (a == "lie_back" || a == "lie_front" || a == "lie_side") return tilt > 60 || say("tilt", tilt);
    if (a == "stand") return (tilt < 20 && pelvis > 0.75) || say("pelvis height", pelvis);
    if (a == "kneel" || a == "kneel_both") return std::min(y(kLeftKnee), y(kRightKnee)) - low < 0.15 || say("knee height", std::min(y(kLeftKnee), y(kRightKnee)) - low);
    if (a == "sit") return (pelvis < 0.7 && pelvis > 0.3) || say("pelvis height", pelvis);
  }
  return true;
}

std::vector<pose::Pose> start_poses() {
  std::vector<pose::Pose> out(1);  // all zeros: standing, arms out in a T
  pose::PoseSampler sampler(21);
  for (const char* f : {"standing", "standing", "walking", "sitting_chair", "kneeling", "standing"}) out.push_back(sampler.sample(f).pose);
  return out;
}

// Every change the targeted edits and described poses are made of does what its words say, from several start
// poses: the training material teaches exactly what a person asks for.
TEST(TargetedEdits, EveryChangeDoesWhatItSays) {
  std::mt19937_64 rng(3);
  const auto starts = start_poses();
  int failures = 0;
  for (const Part part : {Part::LeftArm, Part::RightArm, Part::Arms, Part::LeftLeg, Part::RightLeg, Part::Legs, Part::Torso, Part::Body}) {
    for (const auto& action : text::actions_of(part)) {
      int bad = 0, n = 0;
      std::string why;
      for (const auto& start : starts) {
        if (part == Part::Torso && (start.rotations[kLeftKnee].norm() > 0.6)) continue;
        for (int k = 0; k < 3; ++k) {
          const Change c{part, action};
          const auto m = measure(apply_change(start, c, rng));
          const std::vector<int> sides = part == Part::LeftArm || part == Part::LeftLeg ? std::vector<int>{0}
                                         : part == Part::RightArm || part == Part::RightLeg ? std::vector<int>{1}
                                                                                            : std::vector<int>{0, 1};
          bool ok = true;
          for (const int s : sides) ok = means(c, s, m, &why) && ok;
          ++n;
          bad += !ok;
        }
      }
      if (bad > n / 10) {
        ++failures;
        ADD_FAILURE() << "part " << static_cast<int>(part) << " '" << action << "': " << bad << " of " << n << " do not hold (" << why << ")";
      }
    }
  }
  EXPECT_EQ(failures, 0);
}

}  // namespace
}  // namespace unipose::data
