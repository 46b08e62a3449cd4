#include "core/pose/sampler.h"

#include <gtest/gtest.h>

#include <iostream>
#include <map>

#include "core/body/body_model.h"
#include "core/body/mannequin.h"
#include "core/error.h"
#include "core/pose/joint_limits.h"

namespace unipose::pose {
namespace {

TEST(PoseSampler, DeterministicForASeed) {
  PoseSampler a(42), b(42), c(43);
  for (int i = 0; i < 20; ++i) {
    const auto x = a.sample(), y = b.sample(), z = c.sample();
    EXPECT_EQ(x.pose, y.pose);
    EXPECT_EQ(x.family, y.family);
    EXPECT_FALSE(x.pose == z.pose);
  }
}

TEST(PoseSampler, EveryFamilyIsAnatomicalGroundedAndFreeOfDeepSelfIntersection) {
  PoseSampler s(7);
  double worst = 0;
  int over = 0, total = 0;
  for (const auto& family : posture_families())
    for (int i = 0; i < 15; ++i) {
      const auto p = s.sample(family);
      ++total;
      EXPECT_EQ(p.family, family);
      // Non-root joints respect the anatomical limits.
      const auto v = check_limits(p.pose, 1e-6);
      EXPECT_TRUE(v.empty()) << family << ": " << (v.empty() ? "" : describe(v[0]));
      // The lowest joint sits where the mannequin's foot joint is when standing.
      const auto j = body::posed_joint_positions(p.pose, body::mannequin_rest_joints());
      double low = 1e9;
      for (const auto& x : j) low = std::min(low, x.y());
      EXPECT_NEAR(low, body::mannequin_rest_joints()[body::kLeftFoot].y(), 1e-9) << family;
      worst = std::max(worst, p.penetration);
      over += p.penetration > kMaxPenetration;
    }
  std::cout << "sampled " << total << " poses: " << s.rejected() << " redrawn for self-intersection, " << over
            << " over the " << kMaxPenetration * 1000 << " mm tolerance, deepest " << worst * 1000 << " mm\n";
  EXPECT_LE(over, total / 100);
}

// Floor seats sit on the floor: the pelvis joint under 0.3 m above the lowest joint (a cross-legged seat of
// generator 1.2 floated 0.4 m up on hanging shins); cross-legged has the knees apart and the shins crossed.
TEST(PoseSampler, CrossLeggedSitsOnTheFloorWithTheShinsCrossed) {
  PoseSampler s(11);
  int bad = 0;
  std::string why;
  for (int i = 0; i < 30; ++i) {
    const auto j = body::posed_joint_positions(s.sample("cross_legged").pose, body::mannequin_rest_joints());
    double low = 1e9;
    for (const auto& x : j) low = std::min(low, x.y());
    // Left and right in the pelvis's own frame (the heading is random).
    const Eigen::Vector3d left = (j[body::kLeftHip] - j[body::kRightHip]).normalized();
    const double seat = j[body::kPelvis].y() - low;
    const double knees_apart = (j[body::kLeftKnee] - j[body::kRightKnee]).dot(left);
    const double ankles = (j[body::kLeftAnkle] - j[body::kRightAnkle]).dot(left);  // crossed: the left ankle no further left
    if (seat > 0.3 || knees_apart < 0.35 || ankles > 0.1) {
      ++bad;
      why = "seat " + std::to_string(seat) + " m, knees " + std::to_string(knees_apart) + " m apart, ankles " + std::to_string(ankles);
    }
  }
  EXPECT_LE(bad, 1) << why;
}

TEST(PoseSampler, UnknownFamilyIsAnError) {
  PoseSampler s(1);
  EXPECT_THROW(s.sample("levitating"), Error);
}

TEST(SelfPenetration, HandThroughTheTorsoIsDetected) {
  Pose p;
  EXPECT_EQ(self_penetration(p), 0.0);
  // Left upper arm swung through the chest: forearm inside the other arm / torso.
  p.rotations[body::kLeftShoulder] = Eigen::Vector3d(0, -2.6, 0);
  p.rotations[body::kLeftElbow] = Eigen::Vector3d(0, -1.5, 0);
  EXPECT_GT(self_penetration(p), kMaxPenetration);
}

}  // namespace
}  // namespace unipose::pose
