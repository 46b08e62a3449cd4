#include "core/pose/measures.h"

#include <algorithm>
#include <cmath>

namespace unipose::pose {
namespace {

double angle_between(const Eigen::Vector3d& a, const Eigen::Vector3d& b) {
  const double na = a.norm(), nb = b.norm();
  if (na < 1e-12 || nb < 1e-12) return 0;
  return std::acos(std::clamp(a.dot(b) / (na * nb), -1.0, 1.0)) * 180.0 / M_PI;
}

}  // namespace

std::vector<JointAngle> joint_angles(const body::JointPositions& j) {
  using namespace body;
  const Eigen::Vector3d trunk_up = j[kNeck] - j[kPelvis];
  std::vector<JointAngle> out;
  for (int side = 0; side < 2; ++side) {
    const bool left = side == 0;
    const std::string s = left ? "left_" : "right_";
    const int shoulder = left ? kLeftShoulder : kRightShoulder, elbow = left ? kLeftElbow : kRightElbow;
    const int wrist = left ? kLeftWrist : kRightWrist, hip = left ? kLeftHip : kRightHip;
    const int knee = left ? kLeftKnee : kRightKnee, ankle = left ? kLeftAnkle : kRightAnkle;
    out.push_back({s + "elbow", angle_between(j[shoulder] - j[elbow], j[wrist] - j[elbow])});
    out.push_back({s + "knee", angle_between(j[hip] - j[knee], j[ankle] - j[knee])});
    out.push_back({s + "hip", angle_between(trunk_up, j[knee] - j[hip])});
    out.push_back({s + "shoulder", angle_between(-trunk_up, j[elbow] - j[shoulder])});
  }
  return out;
}

std::vector<JointAngle> coach_angles(const body::JointPositions& j) {
  using namespace body;
  std::vector<JointAngle> out = joint_angles(j);
  const Eigen::Vector3d up = Eigen::Vector3d::UnitY();
  const Eigen::Vector3d trunk = j[kNeck] - j[kPelvis];
  out.push_back({"trunk_lean", angle_between(trunk, up)});
  // Seen from above: the hip line and the shoulder line, each from the right side to the left.
  Eigen::Vector3d hips = j[kLeftHip] - j[kRightHip], shoulders = j[kLeftShoulder] - j[kRightShoulder];
  hips.y() = 0;
  shoulders.y() = 0;
  double twist = 0;
  if (hips.norm() > 1e-9 && shoulders.norm() > 1e-9) {
    // Positive when the shoulder line is turned anticlockwise seen from above (y up): the left shoulder goes back,
    // the chest turns to the person's left.
    const double cross = hips.z() * shoulders.x() - hips.x() * shoulders.z();
    twist = std::atan2(cross, hips.dot(shoulders)) * 180.0 / M_PI;
  }
  out.push_back({"trunk_twist", twist});
  const Eigen::Vector3d side = hips.norm() > 1e-9 ? Eigen::Vector3d(hips.normalized()) : Eigen::Vector3d::UnitX();
  const double lateral = trunk.dot(side), vertical = trunk.dot(up);
  out.push_back({"trunk_side_bend", std::atan2(lateral, std::max(1e-9, std::abs(vertical))) * 180.0 / M_PI});
  out.push_back({"head_tilt", angle_between(j[kHead] - j[kNeck], trunk)});
  return out;
}

}  // namespace unipose::pose
