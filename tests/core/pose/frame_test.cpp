#include "core/pose/frame.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/body/body_model.h"
#include "core/body/mannequin.h"
#include "core/pose/pose_io.h"

namespace unipose::pose {
namespace {

std::string sample(const std::string& name) { return std::string(UNIPOSE_SOURCE_DIR) + "/resources/poses/" + name; }

TEST(PoseFrame, HeadingIsTheTurnOfTheBodyNotOfTheRoot) {
  const auto walking = read_pose(sample("walking.json"));
  EXPECT_NEAR(pose_frame(walking).yaw, 0, 1e-9);
  for (const double yaw : {0.6, -2.0, 3.0}) {
    const auto f = pose_frame(turned(walking, yaw));
    EXPECT_NEAR(std::remainder(f.yaw - yaw, 2 * M_PI), 0, 1e-9) << yaw;
    // The frame's joints do not depend on the heading.
    const auto plain = pose_frame(walking);
    for (int j = 0; j < body::kNumJoints; ++j) EXPECT_LT((f.joints[j] - plain.joints[j]).norm(), 1e-9) << j;
    EXPECT_NEAR(pose_frame(facing_forward(turned(walking, yaw))).yaw, 0, 1e-9);
  }
  // Lying on the side (hips line vertical): the pelvis's forward axis gives the heading instead.
  Pose side = walking;
  side.rotations[0] = Eigen::Vector3d(0, 0, M_PI / 2);
  EXPECT_NEAR(pose_frame(turned(side, 0.8)).yaw - pose_frame(side).yaw, 0.8, 1e-9);
}

TEST(PoseFrame, PlaceOnFloorPutsTheLowestJointAtFootHeight) {
  Pose p = turned(read_pose(sample("sitting.json")), 1.0);
  p.transl = Eigen::Vector3d(3, -4, 5);
  place_on_floor(p);
  ASSERT_TRUE(p.transl);
  EXPECT_EQ(p.transl->x(), 0);
  EXPECT_EQ(p.transl->z(), 0);
  double low = 1e9;
  for (const auto& j : body::posed_joint_positions(p, body::mannequin_rest_joints())) low = std::min(low, j.y());
  EXPECT_NEAR(low, body::mannequin_rest_joints()[body::kLeftFoot].y(), 1e-12);
}

}  // namespace
}  // namespace unipose::pose
