#include "core/pose/frame.h"

#include <algorithm>
#include <cmath>

#include <Eigen/Geometry>

#include "core/body/body_model.h"
#include "core/body/mannequin.h"

namespace unipose::pose {

using namespace body;

PoseFrame pose_frame(const Pose& pose) {
  const JointFrames jf = posed_joint_frames(pose, mannequin_rest_joints());
  // Yaw from the hips line, so the frame depends on the body, not on where the camera was.
  // When the hips line is nearly vertical (lying on the side), the pelvis's forward axis gives the heading.
  const Eigen::Vector3d hips = jf.positions[kLeftHip] - jf.positions[kRightHip];
  PoseFrame f;
  if (std::hypot(hips.x(), hips.z()) > 0.5 * hips.norm()) {
    f.yaw = std::atan2(-hips.z(), hips.x());
  } else {
    const Eigen::Vector3d fwd = jf.rotations[kPelvis] * Eigen::Vector3d(0, 0, 1);
    const Eigen::Vector3d up = jf.rotations[kPelvis] * Eigen::Vector3d(0, 1, 0);
    const Eigen::Vector3d h = std::hypot(fwd.x(), fwd.z()) > 0.3 ? fwd : up;
    f.yaw = std::atan2(h.x(), h.z());
  }
  const Eigen::Matrix3d unyaw = Eigen::AngleAxisd(-f.yaw, Eigen::Vector3d::UnitY()).toRotationMatrix();
  const Eigen::Vector3d origin = jf.positions[kPelvis];
  f.ground = 1e9;
  for (int j = 0; j < kNumJoints; ++j) {
    f.joints[j] = unyaw * (jf.positions[j] - origin) + Eigen::Vector3d(0, origin.y(), 0);
    f.rotations[j] = unyaw * jf.rotations[j];
    f.ground = std::min(f.ground, f.joints[j].y());
  }
  return f;
}

Pose facing_forward(const Pose& pose) { return turned(pose, -pose_frame(pose).yaw); }

void place_on_floor(Pose& pose) {
  pose.transl = Eigen::Vector3d::Zero();
  const auto joints = posed_joint_positions(pose, mannequin_rest_joints());
  double low = 1e9;
  for (const auto& j : joints) low = std::min(low, j.y());
  pose.transl = Eigen::Vector3d(0, mannequin_rest_joints()[kLeftFoot].y() - low, 0);
}

}  // namespace unipose::pose
