// The Pose type: SMPL global orientation + 23 body joint rotations (axis-angle, radians, local to the parent
// as in SMPL) + optional translation and shape. Mirror and validation live here too.
#pragma once

#include <string>

#include "core/body/pose_parameters.h"

namespace unipose::pose {

// rotations[0] is the global orientation; rotations[j] for j = 1..23 is SMPL joint j (body_pose row j-1).
// A Pose is what body models take (body::PoseParameters), so any body can show it.
struct Pose : body::PoseParameters {
  // Throws Error("WHERE: ...") when any value is NaN or infinite.
  void validate(const std::string& where) const;
  bool operator==(const Pose& other) const;
};

// Left/right mirror through the body's sagittal plane (x -> -x): left and right joints swap, each rotation
// (x, y, z) becomes (x, -y, -z), the translation's x flips.
Pose mirror(const Pose& pose);

// The pose turned about the vertical axis (y) by `yaw` radians: its global orientation changes, nothing else.
Pose turned(Pose pose, double yaw);

// Largest absolute difference between the rotation vectors of two poses (radians).
double max_rotation_difference(const Pose& a, const Pose& b);

}  // namespace unipose::pose
