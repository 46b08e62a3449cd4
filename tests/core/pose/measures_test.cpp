#include "core/pose/measures.h"

#include <gtest/gtest.h>

#include <map>

#include "core/body/body_model.h"
#include "core/body/mannequin.h"
#include "core/pose/pose.h"

namespace unipose::pose {
namespace {

std::map<std::string, double> angles_of(const Pose& p) {
  std::map<std::string, double> out;
  for (const auto& a : coach_angles(body::posed_joint_positions(p, body::mannequin_rest_joints()))) out[a.name] = a.degrees;
  return out;
}

TEST(Measures, RestPoseAngles) {
  const auto a = angles_of(Pose{});
  ASSERT_EQ(a.size(), 12u);
  EXPECT_NEAR(a.at("left_elbow"), 180, 5);
  EXPECT_NEAR(a.at("left_knee"), 180, 5);
  EXPECT_NEAR(a.at("left_shoulder"), 90, 8);  // the T-pose: arms out sideways
  EXPECT_NEAR(a.at("trunk_lean"), 0, 8);
  EXPECT_NEAR(a.at("trunk_twist"), 0, 1);
  EXPECT_NEAR(a.at("trunk_side_bend"), 0, 1);
}

TEST(Measures, TrunkTwistLeanAndSideBendHaveTheirSigns) {
  // The spine turned about the vertical axis by 3 x 15 degrees, to the person's left (anticlockwise from above).
  Pose twisted;
  for (const int j : {body::kSpine1, body::kSpine2, body::kSpine3}) twisted.rotations[j] = Eigen::Vector3d(0, 15 * M_PI / 180, 0);
  EXPECT_NEAR(angles_of(twisted).at("trunk_twist"), 45, 4);
  Pose other = twisted;
  for (const int j : {body::kSpine1, body::kSpine2, body::kSpine3}) other.rotations[j] = Eigen::Vector3d(0, -15 * M_PI / 180, 0);
  EXPECT_NEAR(angles_of(other).at("trunk_twist"), -45, 4);
  // Bent forward 3 x 15 degrees (the bend is spread along the spine, so pelvis-to-neck leans about 25): no side bend.
  Pose bowed;
  for (const int j : {body::kSpine1, body::kSpine2, body::kSpine3}) bowed.rotations[j] = Eigen::Vector3d(15 * M_PI / 180, 0, 0);
  const auto b = angles_of(bowed);
  EXPECT_GT(b.at("trunk_lean"), 20);
  EXPECT_NEAR(b.at("trunk_side_bend"), 0, 2);
  // Bent to the left (about +z, the left side down... the neck moves towards +x, the person's left).
  Pose side;
  for (const int j : {body::kSpine1, body::kSpine2, body::kSpine3}) side.rotations[j] = Eigen::Vector3d(0, 0, -10 * M_PI / 180);
  const double bend = angles_of(side).at("trunk_side_bend");
  const auto j = body::posed_joint_positions(side, body::mannequin_rest_joints());
  EXPECT_GT(std::abs(bend), 15);
  EXPECT_EQ(bend > 0, j[body::kNeck].x() > j[body::kPelvis].x());  // positive when the neck is to the left (+x)
}

}  // namespace
}  // namespace unipose::pose
