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

}  // namespace unipose::pose
