// BlazePose (Google, Apache-2.0) on the tfjs graph executor: the person detector (224 x 224, letterboxed; a
// box and four alignment points per person), the rotated body region built from the alignment points,
// and the full landmark model (256 x 256 crop: 39 landmarks with visibility, 39 metric world landmarks, the
// encoder's feature grid). Pre- and post-processing follow MediaPipe's published pose graph (anchors,
// region, scale 1.25); docs/vision.md.
#pragma once

#include <Eigen/Core>

#include <array>
#include <string>
#include <vector>

#include "core/image/image.h"
#include "core/vision/tfjs_graph.h"

namespace unipose::vision {

// The 33 named landmarks of BlazePose (the model has 6 more, auxiliary ones, after these).
inline constexpr int kBlazePoseNamed = 33;
inline constexpr int kBlazePoseLandmarks = 39;
const std::vector<std::string>& blazepose_landmark_names();  // 33: "nose", "left_eye_inner", ...
int blazepose_landmark(const std::string& name);             // -1 when unknown

struct PersonDetection {
  double score = 0;                               // 0..1
  Eigen::Vector4d box;                            // x0, y0, x1, y1, image pixels (one size for everyone in this model)
  std::array<Eigen::Vector2d, 4> keypoints;       // hip centre, full-body size point, shoulder centre, upper-body point
};

// A square region of the image turned by `rotation` (radians, clockwise on screen) about its centre.
struct BodyRegion {
  Eigen::Vector2d center;
  double size = 0;
  double rotation = 0;
  Eigen::Vector2d to_image(double u, double v) const;  // (u, v) in [0, 1]^2 of the region to image pixels
};

struct Landmark {
  Eigen::Vector3d position;  // x, y in image pixels; z: depth relative to the hips, in the same pixel scale
  double visibility = 0;     // 0..1: in view and not occluded
  double presence = 0;       // 0..1: inside the picture
};

struct PoseLandmarks {
  PersonDetection detection;
  BodyRegion region;
  double pose_score = 0;                 // the landmark model's own "a person is there" (0..1)
  std::vector<Landmark> image;           // 39
  std::vector<Eigen::Vector3d> world;    // 39, metres, origin between the hips, y down, image axes
  torch::Tensor features;                // [C, H, W] encoder grid (only when asked for)
};

class BlazePose {
 public:
  // Bundles written by `unipose convert tfjs` (models/blazepose_detector, models/blazepose_full).
  BlazePose(const std::string& detector_dir, const std::string& landmark_dir, torch::Device device = torch::kCPU);

  // People in the picture, largest body first (score >= min_score, overlapping detections merged). The
  // detector sees the whole picture at 224 x 224; with `tiles` also overlapping squares of half the long side
  // (4 to 6 more runs), which finds people a quarter of the picture's height or smaller.
  std::vector<PersonDetection> detect(const image::Image& picture, double min_score = 0.5, bool tiles = false) const;
  BodyRegion region_of(const PersonDetection& person) const;
  PoseLandmarks landmarks(const image::Image& picture, const PersonDetection& person, bool with_features = false) const;
  // The landmark model on a region chosen by the caller (a labelled box, a region from the last frame).
  PoseLandmarks landmarks_in(const image::Image& picture, const BodyRegion& region, bool with_features = false) const;

  // Name of the encoder node whose output is the feature grid, and its size.
  static const std::string& feature_node();

 private:
  GraphExecutor detector_, landmark_;
  std::vector<Eigen::Vector2d> anchors_;
};

}  // namespace unipose::vision
