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

}  // namespace unipose::pose
