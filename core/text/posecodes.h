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
#include "core/pose/frame.h"

namespace unipose::text {

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
std::vector<Posecode> extract_posecodes(const pose::PoseFrame& frame, std::uint64_t seed);

// Raw measurement values (no noise, no binning) by measure id, for pair-codes.
struct Measurements {
  std::vector<std::pair<std::string, double>> values;
  double get(const std::string& measure) const;
};
Measurements measure_pose(const pose::PoseFrame& frame);

// Reader-facing name of a joint as a body part: left_wrist -> "left hand", left_ankle -> "left foot".
std::string part_name(int joint);

}  // namespace unipose::text
