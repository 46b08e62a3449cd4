// Anatomical joint limits. Each joint's local rotation is split into a twist about its bone axis and a swing
// (a rotation vector perpendicular to it); both are limited to ranges taken from clinical ranges of motion,
// widened a little so that ordinary poses never touch them. The right side mirrors the left.
#pragma once

#include <string>
#include <vector>

#include "core/pose/pose.h"

namespace unipose::pose {

struct JointLimit {
  int twist_axis = 1;          // 0 = x, 1 = y, 2 = z: the bone's axis in the rest pose
  double min[3] = {0, 0, 0};   // per axis: swing range on the two other axes, twist range on twist_axis (radians)
  double max[3] = {0, 0, 0};
  bool limited = false;        // the root is free
};

const JointLimit& joint_limit(int joint);

struct LimitViolation {
  int joint;
  int axis;
  double value;  // radians
  double min, max;
};

// Every joint component outside its range by more than `tolerance` radians.
std::vector<LimitViolation> check_limits(const Pose& pose, double tolerance = 1e-6);
// The nearest pose (component-wise in swing/twist space) that satisfies the limits.
Pose clamp_to_limits(const Pose& pose);
// One joint's rotation clamped, for interactive posing.
Eigen::Vector3d clamp_joint(int joint, const Eigen::Vector3d& axis_angle);

// The same joint positions with the twists moved along the chains so that the joints stay inside their limits,
// or as close to them as can be: a twist about a bone can pass to the next joint of its chain (hip - knee -
// ankle - foot, spine1 - spine2 - spine3, neck - head, collar - shoulder - elbow - wrist - hand) without moving
// any joint, as a body turns a forearm partly at the elbow and partly at the wrist, or its trunk over all three
// spine joints. Chains already inside their limits are left exactly as they are. Importers of foreign skeletons
// use it, whose data often put a twist at a joint that does not turn that way.
Pose settle_twists(const Pose& pose);

std::string describe(const LimitViolation& v);

}  // namespace unipose::pose
