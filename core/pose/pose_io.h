// Pose files: the UniPose JSON format, SMPL-style .npz (one pose or a sequence) and BVH (imported by
// retargeting, exported on the SMPL skeleton). Format by extension; every problem raises Error naming the file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/body/skeleton.h"
#include "core/pose/pose.h"

namespace unipose::pose {

inline constexpr const char* kPoseFormat = "unipose.pose/1";

struct PoseSequence {
  std::vector<Pose> frames;
  double fps = 30.0;
  std::string description;  // what the file was, e.g. "BVH, CMU skeleton retargeted, 2752 frames at 120 fps"
};

Pose parse_pose_json(const std::string& text, const std::string& where);
std::string pose_to_json(const Pose& pose);

// Reads every pose a file holds: one for .json, one or more for .npz, every frame for .bvh.
PoseSequence read_poses(const std::string& path);
// Reads one pose; a file with several frames needs `frame` (0-based) unless it holds exactly one.
Pose read_pose(const std::string& path, std::optional<int> frame = std::nullopt);

// Writes poses by extension: .json takes exactly one pose; .npz and .bvh take any number. Atomic.
// `rest_joints` is the skeleton a BVH is written on (the mannequin's unless given).
void write_poses(const std::string& path, const PoseSequence& poses,
                 const body::JointPositions* rest_joints = nullptr);
void write_pose(const std::string& path, const Pose& pose);

}  // namespace unipose::pose
