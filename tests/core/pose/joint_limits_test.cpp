#include "core/pose/joint_limits.h"

#include <gtest/gtest.h>

#include <random>

#include "core/body/axis_angle.h"
#include "core/body/body_model.h"
#include "core/body/mannequin.h"
#include "core/pose/pose_io.h"

namespace unipose::pose {
namespace {

TEST(JointLimits, RestPoseAndSamplePosesAreWithinLimits) {
  EXPECT_TRUE(check_limits(Pose()).empty());
  for (const char* name : {"standing", "sitting", "walking", "arms_up", "left_arm_raised"}) {
    const Pose p = read_pose(std::string(UNIPOSE_SOURCE_DIR) + "/resources/poses/" + name + ".json");
    const auto v = check_limits(p);
    EXPECT_TRUE(v.empty()) << name << ": " << (v.empty() ? "" : describe(v[0]));
  }
}

TEST(JointLimits, HyperextendedKneeAndBackwardElbowAreClamped) {
  Pose p;
  p.rotations[body::kLeftKnee] = Eigen::Vector3d(-1.0, 0, 0);   // knee bent forward: impossible
  p.rotations[body::kRightElbow] = Eigen::Vector3d(0, -1.0, 0);  // right elbow bent backward
  const auto v = check_limits(p);
  ASSERT_EQ(v.size(), 2u);
  const Pose c = clamp_to_limits(p);
  EXPECT_TRUE(check_limits(c, 1e-9).empty());
  EXPECT_NEAR(c.rotations[body::kLeftKnee].x(), -0.15, 1e-9);
  // Clamping is idempotent and leaves legal joints alone.
  EXPECT_LT(max_rotation_difference(clamp_to_limits(c), c), 1e-12);
  EXPECT_EQ(c.rotations[body::kLeftElbow], p.rotations[body::kLeftElbow]);
}

TEST(JointLimits, LimitsAreLeftRightSymmetric) {
  std::mt19937 rng(2);
  std::normal_distribution<double> n(0, 0.9);
  for (int i = 0; i < 200; ++i) {
    Pose p;
    for (auto& r : p.rotations) r = Eigen::Vector3d(n(rng), n(rng), n(rng));
    const auto a = check_limits(p, 1e-9), b = check_limits(mirror(p), 1e-9);
    ASSERT_EQ(a.size(), b.size());
    const Pose ca = clamp_to_limits(p);
    EXPECT_LT(max_rotation_difference(mirror(ca), clamp_to_limits(mirror(p))), 1e-9);
  }
}

// Twist passed along a chain moves no joint; a pose inside its limits is left exactly as it is.
TEST(SettleTwists, ExcessTwistMovesAlongTheChainAndNothingMoves) {
  const Pose walking = read_pose(std::string(UNIPOSE_SOURCE_DIR) + "/resources/poses/walking.json");
  const Pose same = settle_twists(walking);
  for (int j = 0; j < body::kNumJoints; ++j) EXPECT_EQ(same.rotations[j], walking.rotations[j]) << j;
  // The left forearm turned 100 degrees at the wrist (the wrist turns 52 at most), the trunk 70 degrees at
  // spine3 (29 at most), the right leg 80 degrees at the knee.
  Pose p = walking;
  p.rotations[body::kLeftElbow] = Eigen::Vector3d(0, -1.2, 0);
  p.rotations[body::kLeftWrist] = Eigen::Vector3d(100 * M_PI / 180, 0, 0);
  p.rotations[body::kSpine3] = Eigen::Vector3d(0, 70 * M_PI / 180, 0);
  p.rotations[body::kRightKnee] = body::axis_angle(Eigen::Matrix3d(Eigen::AngleAxisd(0.6, Eigen::Vector3d::UnitX()) *
                                                                   Eigen::AngleAxisd(80 * M_PI / 180, Eigen::Vector3d::UnitY())));
  ASSERT_EQ(check_limits(p).size(), 3u);
  const Pose s = settle_twists(p);
  for (const auto& v : check_limits(s, 0.01)) ADD_FAILURE() << describe(v);  // to half a degree: the excess is spread by descent
  const auto& rest = body::mannequin_rest_joints();
  const auto before = body::posed_joint_positions(p, rest), after = body::posed_joint_positions(s, rest);
  for (int j = 0; j < body::kNumJoints; ++j) EXPECT_LT((after[j] - before[j]).norm(), 1e-9) << body::kJointNames[j];
  // The hand and the head keep their orientation in the world; the forearm's turn went to the elbow.
  const auto fa = body::posed_joint_frames(p, rest), fb = body::posed_joint_frames(s, rest);
  for (int j : {body::kLeftHand, body::kHead, body::kRightFoot, body::kLeftWrist})
    EXPECT_LT((fa.rotations[j] - fb.rotations[j]).norm(), 1e-9) << body::kJointNames[j];
  EXPECT_GT(std::abs(s.rotations[body::kLeftElbow].x()), 0.5);
  // Untouched chains keep their exact values.
  EXPECT_EQ(s.rotations[body::kRightElbow], p.rotations[body::kRightElbow]);
  EXPECT_EQ(s.rotations[0], p.rotations[0]);
}

}  // namespace
}  // namespace unipose::pose
