// Readable measurements of a posed skeleton: the elbow, knee, hip and shoulder angles.
#pragma once

#include <string>
#include <vector>

#include "core/body/skeleton.h"

namespace unipose::pose {

struct JointAngle {
  std::string name;  // e.g. "left_elbow"
  double degrees;
};

// Elbow and knee: the inner angle of the limb (180 = straight). Hip: between trunk and thigh (180 standing
// straight, about 90 seated). Shoulder: between the upper arm and the trunk's downward direction (0 = arm
// hanging, 90 = arm out sideways or forward, 180 = straight up).
std::vector<JointAngle> joint_angles(const body::JointPositions& joints);

// What a coach reads beside those (Kinovea's goniometer angles), in this order after joint_angles:
// "trunk_lean": pelvis-to-neck from vertical (0 upright); "trunk_twist": the shoulder line against the hip line
// seen from above, signed (positive: the shoulders turned to the person's left); "trunk_side_bend": the trunk
// from vertical in the hips' side-to-side plane, signed (positive: bent to the left); "head_tilt": neck-to-head
// against the trunk's direction (0 in line, grows as the head bows or tips back).
std::vector<JointAngle> coach_angles(const body::JointPositions& joints);

}  // namespace unipose::pose
