// Where a pose faces and stands: its own frame (heading removed: hips along x, facing +z), turning it to
// face forward, and putting it on the floor. Captions, retrieval features and the language model all see
// poses in this frame, so that the same pose means the same whichever way it faced.
#pragma once

#include <array>

#include <Eigen/Core>

#include "core/body/skeleton.h"
#include "core/pose/pose.h"

namespace unipose::pose {

// The joints of a pose in its own frame: yaw removed (hips along x, facing +z), metres, y up, on the
// mannequin skeleton.
struct PoseFrame {
  body::JointPositions joints;
  std::array<Eigen::Matrix3d, body::kNumJoints> rotations;  // world rotations in that frame
  double ground = 0;  // height of the lowest joint
  double yaw = 0;     // the yaw that was removed, radians (the pose's heading)
};
PoseFrame pose_frame(const Pose& pose);

// The pose turned about the vertical to face +z (its heading removed).
Pose facing_forward(const Pose& pose);

// Puts the pose's lowest joint at the height the mannequin's foot joint has when standing (transl.y), and
// zeroes the horizontal translation.
void place_on_floor(Pose& pose);

}  // namespace unipose::pose
