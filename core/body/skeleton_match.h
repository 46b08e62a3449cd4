// Recognising other skeletons (BVH files, rigged meshes) by their joint names, and the rotation fitting used
// to carry their poses onto the SMPL skeleton.
#pragma once

#include <array>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "core/body/skeleton.h"

namespace unipose::body {

struct SkeletonMatch {
  std::string profile;                   // "smpl", "cmu", "cmu_3dsmax", "cmu_daz", "mixamo" or "biovision"
  std::array<int, kNumJoints> source{};  // index into the given names per SMPL joint, -1 if none
};

// Finds the naming convention that matches the most of `names` (a "prefix:" such as Mixamo's "mixamorig:" is
// ignored) among those that find hips, knees, ankles, shoulders and elbows on both sides. Throws Error naming
// `where` when none does. Empty names are skipped.
SkeletonMatch match_skeleton(const std::vector<std::string>& names, const std::string& where);

// The joint names of a convention (a profile above) per SMPL joint; empty where the convention has no such
// joint. Throws Error for an unknown convention.
std::array<std::string, kNumJoints> joint_names_of(const std::string& profile);

// The rotation that best takes directions a_k onto b_k (Kabsch on unit vectors); the shortest arc from a_0 to
// b_0 when either set is (nearly) parallel or there is one direction; identity when there are none.
Eigen::Matrix3d align_directions(const std::vector<Eigen::Vector3d>& a, const std::vector<Eigen::Vector3d>& b);

}  // namespace unipose::body
