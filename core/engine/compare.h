// The coach's comparison of two poses: the joint angles of each (pose/measures.h: elbows, knees, hips,
// shoulders, trunk lean, twist and side bend, head tilt), their differences sorted by size, and the table as
// CSV. No LibTorch in this header.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "core/image/image.h"
#include "core/pose/pose.h"

namespace unipose::engine {

// Differences at or above this many degrees are marked.
inline constexpr double kNotableAngleDegrees = 15;

struct AngleDifference {
  std::string name;    // "left elbow", "trunk lean", ...
  double a = 0, b = 0;  // degrees
  double difference = 0;  // b - a
  bool notable = false;   // |difference| >= the threshold
};

// One row per angle, largest |difference| first.
std::vector<AngleDifference> compare_angles(const pose::Pose& a, const pose::Pose& b, double threshold_deg = kNotableAngleDegrees);

// "angle,A_deg,B_deg,difference_deg,notable" then one line per row (one decimal).
std::string angles_csv(const std::vector<AngleDifference>& rows);

// The mannequin in a pose, drawn by the software renderer (data/render.h) from a named view ("front", "left",
// "front-left", ..., or "YAW,PITCH"; engine/openpose.h) on a light background, in `rgb` (0..1). For reports.
image::Image render_body_view(const pose::Pose& pose, const std::string& view, int width, int height, const std::array<double, 3>& rgb);

// Both poses through one camera framing the two (`view` as above), for the coach view. Side by side: A's body
// (orange) in the left half, B's (blue) in the right, `width` x `height` in all. Overlay: both skeletons in one
// picture, A in orange (its left side light, right side dark red) and B in blue (left cyan, right dark blue).
image::Image render_pair_view(const pose::Pose& a, const pose::Pose& b, const std::string& view, int width, int height, bool overlay);

}  // namespace unipose::engine
