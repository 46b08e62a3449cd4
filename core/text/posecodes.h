// Posecodes (PoseScript, re-implemented from the paper): measurable, binned facts about one pose, computed
// from the joints of the pose turned to face +z. Elementary codes (joint angles, distances, relative
// positions, limb orientation, ground contact, torso inclination, head) and super-posecodes that combine
// them (kneeling, lying on the back, arms crossed...).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "core/body/skeleton.h"
#include "core/pose/pose.h"

namespace unipose::text {

// The joints of a pose in its own frame: yaw removed (hips along x, facing +z), metres, y up.
struct PoseFrame {
  body::JointPositions joints;
  std::array<Eigen::Matrix3d, body::kNumJoints> rotations;  // world rotations in that frame
  double ground = 0;  // height of the lowest joint
  double yaw = 0;     // the yaw that was removed, radians
};
PoseFrame pose_frame(const pose::Pose& pose);

enum class CodeKind { kAngle, kDistance, kAbove, kLeftOf, kInFront, kVertical, kGround, kPitch, kLean, kTwist, kHead, kSuper };

struct Posecode {
  CodeKind kind;
  std::string measure;  // what is measured, with sides: "angle:left_knee", "distance:left_wrist:right_wrist"
  std::string key;      // the same without sides, for pairing left and right: "angle:knee"
  int side = -1;        // 0 left, 1 right, -1 none / both
  int a = -1, b = -1;   // joints involved
  int category = 0;     // bin (meaning depends on kind; see posecodes.cpp)
  double value = 0;     // measured value (degrees or metres), noise included
  bool rare = false;    // never dropped by selection
};

// Deterministic per-measurement noise (a few degrees / centimetres) makes captions of near-identical poses
// differ; the same seed gives the same noise to a measurement and its mirror image, so mirrored poses get
// mirrored codes. seed 0: no noise.
std::vector<Posecode> extract_posecodes(const PoseFrame& frame, std::uint64_t seed);

// Raw measurement values (no noise, no binning) by measure id, for pair-codes.
struct Measurements {
  std::vector<std::pair<std::string, double>> values;
  double get(const std::string& measure) const;
};
Measurements measure_pose(const PoseFrame& frame);

// Swaps the words "left" and "right" (whole words, any capitalisation of the first letter).
std::string swap_sides(const std::string& text);

// Reader-facing name of a joint as a body part: left_wrist -> "left hand", left_ankle -> "left foot".
std::string part_name(int joint);

}  // namespace unipose::text
