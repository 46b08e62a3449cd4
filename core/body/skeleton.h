// The SMPL kinematic tree that every body model and pose file in UniPose uses: 24 joints, names, parents,
// left/right pairs.
#pragma once

#include <array>
#include <string>

#include <Eigen/Core>

namespace unipose::body {

inline constexpr int kNumJoints = 24;
// The tokenizer and language model use the root + 21 body joints (no hands).
inline constexpr int kNumBodyJoints = 22;

enum Joint : int {
  kPelvis, kLeftHip, kRightHip, kSpine1, kLeftKnee, kRightKnee, kSpine2, kLeftAnkle, kRightAnkle, kSpine3,
  kLeftFoot, kRightFoot, kNeck, kLeftCollar, kRightCollar, kHead, kLeftShoulder, kRightShoulder, kLeftElbow,
  kRightElbow, kLeftWrist, kRightWrist, kLeftHand, kRightHand
};

inline constexpr std::array<const char*, kNumJoints> kJointNames = {
    "pelvis",     "left_hip",       "right_hip",      "spine1",     "left_knee",   "right_knee",
    "spine2",     "left_ankle",     "right_ankle",    "spine3",     "left_foot",   "right_foot",
    "neck",       "left_collar",    "right_collar",   "head",       "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow",    "left_wrist",     "right_wrist", "left_hand",  "right_hand"};

inline constexpr std::array<int, kNumJoints> kParents = {-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8,
                                                         9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20, 21};

// The joint on the other side of the body (itself for joints on the midline).
int mirror_joint(int joint);
// Index of a joint by its SMPL name, or -1.
int find_joint(const std::string& name);

using JointPositions = std::array<Eigen::Vector3d, kNumJoints>;

// Positions and world rotations of every joint (for interactive posing, which rotates joints in world space).
struct JointFrames {
  JointPositions positions;
  std::array<Eigen::Matrix3d, kNumJoints> rotations;
};

}  // namespace unipose::body
