#include "core/pose/pose.h"

#include <cmath>
#include <cstdio>

#include "core/body/axis_angle.h"
#include "core/error.h"

namespace unipose::pose {
namespace {
// What a pose file may hold (README, "Pose files"): an axis-angle rotation of at most 100 radians (about 16
// turns; real data stays under 2 pi), a translation within 10 km, shape coefficients within +-100 (SMPL's are
// standard deviations, a few at most).
constexpr double kMaxRotationRadians = 100, kMaxTranslationMetres = 10000, kMaxBeta = 100;
}  // namespace

void Pose::validate(const std::string& where) const {
  auto number = [](double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", v);
    return std::string(text);
  };
  for (int j = 0; j < body::kNumJoints; ++j) {
    if (!rotations[j].allFinite())
      fail(where, std::string("rotation of joint '") + body::kJointNames[j] + "' is not a finite number (NaN or inf)");
    // Finite in double is not enough: 1e308 overflows the float math of the body and the models.
    const double largest = rotations[j].cwiseAbs().maxCoeff();  // not the norm: squares of 1e300 overflow
    if (largest > kMaxRotationRadians)
      fail(where, std::string("rotation of joint '") + body::kJointNames[j] + "' has a component of " + number(largest) +
                      " radians; an axis-angle rotation is at most " + number(kMaxRotationRadians) + " (a few turns)");
  }
  if (transl && !transl->allFinite()) fail(where, "transl is not a finite number (NaN or inf)");
  if (transl && transl->cwiseAbs().maxCoeff() > kMaxTranslationMetres)
    fail(where, "transl has a component of " + number(transl->cwiseAbs().maxCoeff()) + " m; at most " + number(kMaxTranslationMetres) + " m is read");
  for (double b : betas) {
    if (!std::isfinite(b)) fail(where, "betas contain a value that is not a finite number (NaN or inf)");
    if (std::abs(b) > kMaxBeta) fail(where, "betas contain " + number(b) + "; shape coefficients beyond +-" + number(kMaxBeta) + " are not a body");
  }
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
