// What a body model is posed by, in SMPL's terms: the local joint rotations (pose parameters), the
// translation and the shape coefficients. The pose layer's Pose (core/pose/pose.h) is this plus validation
// and everything a pose file, a caption or a model needs; the body layer sees only these numbers.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include <Eigen/Core>

#include "core/body/skeleton.h"

namespace unipose::body {

struct PoseParameters {
  // rotations[0] is the global orientation; rotations[j] for j = 1..23 is SMPL joint j (axis-angle, radians,
  // local to the parent joint).
  std::array<Eigen::Vector3d, kNumJoints> rotations;
  std::optional<Eigen::Vector3d> transl;
  std::vector<double> betas;  // shape coefficients, used by SMPL bodies only

  PoseParameters() {
    for (auto& r : rotations) r.setZero();
  }
};

}  // namespace unipose::body
