// BVH motion files: parsing, retargeting a source skeleton (CMU, Biovision-style, Mixamo-style or our own
// SMPL-named export) onto the 24-joint SMPL skeleton, and writing poses as BVH on the SMPL skeleton.
#pragma once

#include <string>
#include <vector>

#include <Eigen/Core>

#include "core/body/skeleton.h"
#include "core/pose/pose.h"

namespace unipose::pose {

struct BvhJoint {
  std::string name;
  int parent = -1;
  Eigen::Vector3d offset = Eigen::Vector3d::Zero();
  std::vector<std::string> channels;  // e.g. "Xposition", "Zrotation"
  int first_channel = 0;              // column of the first channel in a frame row
  bool end_site = false;
};

struct BvhMotion {
  std::vector<BvhJoint> joints;  // parents precede children; end sites included
  int channel_count = 0;
  int frame_count = 0;
  double frame_time = 0;
  std::vector<double> values;  // frame_count x channel_count
};

BvhMotion parse_bvh(const std::string& text, const std::string& where);
BvhMotion read_bvh(const std::string& path);

// Rest positions of the source joints (sum of offsets) and, per frame, world positions and rotations.
struct BvhFrames {
  std::vector<Eigen::Vector3d> rest;                     // [joints]
  std::vector<std::vector<Eigen::Vector3d>> positions;   // [frames][joints]
  std::vector<std::vector<Eigen::Matrix3d>> rotations;   // [frames][joints], global
};
BvhFrames bvh_forward_kinematics(const BvhMotion& motion);

struct RetargetResult {
  std::vector<Pose> poses;
  std::string profile;                 // which joint-name convention was recognised
  std::array<int, body::kNumJoints> source_joint;  // source joint index per SMPL joint, -1 if none
  double scale = 1;                    // source units -> metres
  double floor_offset = 0;             // metres added to the height so that the feet stand on y = 0's level
};

// Retargets by matching bone directions: each SMPL joint's world rotation is the source joint's world
// rotation, corrected so that its bones point where the source bones point; unmapped joints keep their
// parent's orientation. Translation follows the source root, scaled by the ratio of leg lengths, and is
// shifted vertically so that standing feet are at the target's floor level.
RetargetResult retarget_to_smpl(const BvhMotion& motion, const body::JointPositions& target_rest,
                                const std::string& where);

std::string bvh_text(const std::vector<Pose>& poses, double fps, const body::JointPositions& rest_joints);
void write_bvh(const std::string& path, const std::vector<Pose>& poses, double fps,
               const body::JointPositions& rest_joints);

}  // namespace unipose::pose
