#include "core/pose/joint_limits.h"

#include <gtest/gtest.h>

#include <random>

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

}  // namespace
}  // namespace unipose::pose
