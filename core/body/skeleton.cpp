#include "core/body/skeleton.h"

namespace unipose::body {

int mirror_joint(int joint) {
  const std::string name = kJointNames.at(joint);
  if (name.rfind("left_", 0) == 0) return find_joint("right_" + name.substr(5));
  if (name.rfind("right_", 0) == 0) return find_joint("left_" + name.substr(6));
  return joint;
}

int find_joint(const std::string& name) {
  for (int j = 0; j < kNumJoints; ++j)
    if (name == kJointNames[j]) return j;
  return -1;
}

}  // namespace unipose::body
