#include "core/data/targeted.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/body/axis_angle.h"
#include "core/body/body_model.h"
#include "core/body/mannequin.h"
#include "core/body/skeleton.h"
#include "core/error.h"
#include "core/pose/joint_limits.h"
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
    if (a == "sit_floor" || a == "cross_legged") return pelvis < 0.3 || say("pelvis height", pelvis);
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

// Every posture a one-line description names, and the arm gestures only descriptions use (a wave, a boxing
// guard), hold as measured: a description teaches what it says.
TEST(DescribedPoses, EveryPostureIsWhatItsWordsSay) {
  std::mt19937_64 rng(5);
  pose::PoseSampler sampler(17);
  auto sided = [](const std::string& name) { return name.size() > 5 && name.compare(name.size() - 5, 5, "_left") == 0 ? 0 : 1; };
  for (const auto& posture : text::described_postures()) {
    int bad = 0;
    std::string why;
    for (int k = 0; k < 20; ++k) {
      const pose::Pose p = described_posture(posture, sampler, rng);
      const auto m = measure(p);
      const int s = sided(posture);
      const int K = s == 0 ? kLeftKnee : kRightKnee, H = s == 0 ? kLeftHip : kRightHip, A = s == 0 ? kLeftAnkle : kRightAnkle;
      const int oK = s == 0 ? kRightKnee : kLeftKnee, oH = s == 0 ? kRightHip : kLeftHip, oA = s == 0 ? kRightAnkle : kLeftAnkle;
      double low = 1e9;
      for (const auto& x : m.j) low = std::min(low, x.y());
      bool ok = true;
      auto check = [&](bool holds, const std::string& what, double v) {
        if (!holds) why = posture + ": " + what + " = " + std::to_string(v);
        ok = ok && holds;
      };
      if (posture.rfind("lunge_", 0) == 0) {
        check(m.along(A, oA, m.forward) > 0.45, "front ankle ahead of the back one", m.along(A, oA, m.forward));
        check(angle_at(m, H, K, A) < 120, "front knee angle", angle_at(m, H, K, A));
        check(m.j[oK].y() - low < 0.3, "back knee height", m.j[oK].y() - low);
      } else if (posture.rfind("one_leg_", 0) == 0) {
        check(m.j[K].y() > m.j[H].y() - 0.15, "raised knee below its hip", m.j[H].y() - m.j[K].y());
        check(angle_at(m, oH, oK, oA) > 160, "standing knee angle", angle_at(m, oH, oK, oA));
      } else if (posture.rfind("leg_side_", 0) == 0) {
        check(means({s == 0 ? Part::LeftLeg : Part::RightLeg, "side"}, s, m, &why), why, 0);
      } else if (posture.rfind("lean_", 0) == 0) {
        check(means({Part::Torso, posture.substr(5)}, 0, m, &why), why, 0);
      } else if (posture == "sitting_floor" || posture == "cross_legged") {
        check(m.j[kPelvis].y() - low < 0.3, "pelvis height", m.j[kPelvis].y() - low);
        if (posture == "cross_legged") {
          // Both knees folded, the lower shin's more (the top shin's knee bends less to pass over it).
          const double l = angle_at(m, kLeftHip, kLeftKnee, kLeftAnkle), r = angle_at(m, kRightHip, kRightKnee, kRightAnkle);
          check(std::max(l, r) < 90, "the less bent knee's angle", std::max(l, r));
          check(std::min(l, r) < 70, "the more bent knee's angle", std::min(l, r));
          check(m.along(kLeftAnkle, kRightAnkle, m.left) < 0.1, "left ankle left of the right one (not crossed)", m.along(kLeftAnkle, kRightAnkle, m.left));
        }
      }
      bad += !ok;
    }
    EXPECT_LE(bad, 1) << bad << " of 20 do not hold (" << why << ")";
  }
  // Arm gestures, from several start poses.
  for (const auto& start : start_poses()) {
    for (int k = 0; k < 3; ++k) {
      const auto wave = measure(apply_change(start, {Part::RightArm, "wave"}, rng));
      EXPECT_GT(wave.j[kRightWrist].y(), wave.j[kRightShoulder].y() + 0.1) << "waving hand above the shoulder";
      EXPECT_LT(angle_at(wave, kRightShoulder, kRightElbow, kRightWrist), 130) << "waving elbow bent";
      const auto guard = measure(apply_change(start, {Part::Arms, "guard"}, rng));
      for (const int s : {0, 1}) {
        const int S = s == 0 ? kLeftShoulder : kRightShoulder, E = s == 0 ? kLeftElbow : kRightElbow, W = s == 0 ? kLeftWrist : kRightWrist;
        EXPECT_LT(angle_at(guard, S, E, W), 100) << "guard: elbow bent";
        EXPECT_GT(guard.j[W].y(), guard.j[S].y() - 0.1) << "guard: fist up by the shoulder";
        EXPECT_GT(guard.along(W, S, guard.forward), 0.1) << "guard: fist in front";
      }
    }
  }
  EXPECT_THROW(apply_change(start_poses()[0], {Part::Arms, "wave"}, rng), Error);
}

// The words name the measured variant: which knee is down, legs straight on the floor.
TEST(DescribedPoses, MeasuredVariantNamesTheKneeDown) {
  pose::PoseSampler sampler(4);
  std::mt19937_64 rng(9);
  int left = 0, right = 0, straight = 0;
  for (int k = 0; k < 120; ++k) {
    const pose::Pose kneel = described_posture("kneeling", sampler, rng);
    const std::string said = measured_posture("kneeling", kneel);
    const auto m = measure(kneel);
    if (said == "kneeling_left") {
      ++left;
      EXPECT_LT(m.j[kLeftKnee].y(), m.j[kRightKnee].y() - 0.15);
    }
    if (said == "kneeling_right") {
      ++right;
      EXPECT_LT(m.j[kRightKnee].y(), m.j[kLeftKnee].y() - 0.15);
    }
    const pose::Pose seat = described_posture("sitting_floor", sampler, rng);
    if (measured_posture("sitting_floor", seat) == "sitting_floor_straight") {
      ++straight;
      const auto s = measure(seat);
      EXPECT_GT(angle_at(s, kLeftHip, kLeftKnee, kLeftAnkle), 150);
      EXPECT_GT(angle_at(s, kRightHip, kRightKnee, kRightAnkle), 150);
    }
  }
  EXPECT_GT(left, 5);
  EXPECT_GT(right, 5);
  EXPECT_GT(straight, 10);
  std::mt19937_64 words(1);
  for (int k = 0; k < 40; ++k) {
    const std::string kneel = text::say_pose("kneeling_left", {}, words), lunge = text::say_pose("lunge_right", {}, words);
    EXPECT_NE(kneel.find("knee"), std::string::npos) << kneel;
    EXPECT_EQ(kneel.find("right"), std::string::npos) << kneel;
    EXPECT_NE(lunge.find("lung"), std::string::npos) << lunge;
    EXPECT_EQ(lunge.find("left"), std::string::npos) << lunge;
  }
  EXPECT_THROW(text::say_pose("kneeling_up", {}, words), Error);
}

}  // namespace
}  // namespace unipose::data
