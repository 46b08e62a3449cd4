// One rotation as poses store it: an axis-angle vector (radians) <-> a rotation matrix (Eigen, no torch),
// for interactive and per-pose code; the batched LibTorch versions are in rotations.h.
#pragma once

#include <Eigen/Core>
#include <Eigen/Geometry>

namespace unipose::body {

inline Eigen::Matrix3d rotation_matrix(const Eigen::Vector3d& axis_angle) {
  const double angle = axis_angle.norm();
  return angle > 0 ? Eigen::AngleAxisd(angle, axis_angle / angle).toRotationMatrix() : Eigen::Matrix3d::Identity();
}

// Angle in [0, pi]; the zero vector for the identity.
inline Eigen::Vector3d axis_angle(const Eigen::Matrix3d& rotation) {
  const Eigen::AngleAxisd aa(rotation);
  const Eigen::Vector3d v = aa.axis() * aa.angle();
  return v.allFinite() ? v : Eigen::Vector3d::Zero();
}

}  // namespace unipose::body
