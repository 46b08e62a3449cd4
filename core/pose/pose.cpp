#include "core/pose/pose.h"

#include <cmath>

#include "core/body/axis_angle.h"
#include "core/error.h"

namespace unipose::pose {

void Pose::validate(const std::string& where) const {
  for (int j = 0; j < body::kNumJoints; ++j)
    if (!rotations[j].allFinite())
      fail(where, std::string("rotation of joint '") + body::kJointNames[j] + "' is not a finite number (NaN or inf)");
  if (transl && !transl->allFinite()) fail(where, "transl is not a finite number (NaN or inf)");
  for (double b : betas)
    if (!std::isfinite(b)) fail(where, "betas contain a value that is not a finite number (NaN or inf)");
}

bool Pose::operator==(const Pose& other) const {
  return rotations == other.rotations && transl == other.transl && betas == other.betas;
}

Pose mirror(const Pose& pose) {
  Pose out = pose;
  for (int j = 0; j < body::kNumJoints; ++j) {
    const Eigen::Vector3d& r = pose.rotations[body::mirror_joint(j)];
    out.rotations[j] = Eigen::Vector3d(r.x(), -r.y(), -r.z());
  }
  if (pose.transl) out.transl = Eigen::Vector3d(-pose.transl->x(), pose.transl->y(), pose.transl->z());
  return out;
}

double max_rotation_difference(const Pose& a, const Pose& b) {
  double m = 0;
  for (int j = 0; j < body::kNumJoints; ++j) m = std::max(m, (a.rotations[j] - b.rotations[j]).cwiseAbs().maxCoeff());
  return m;
}

Pose turned(Pose pose, double yaw) {
  pose.rotations[0] = body::axis_angle(Eigen::AngleAxisd(yaw, Eigen::Vector3d::UnitY()).toRotationMatrix() * body::rotation_matrix(pose.rotations[0]));
  return pose;
}

}  // namespace unipose::pose
