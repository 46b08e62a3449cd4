// Photos to people and poses, for the GUI and the CLI: BlazePose finds the people and their landmarks, the
// fitting path turns one person's landmarks into a pose (core/vision). Thread-safe (one call at a time runs
// the models). This header includes no LibTorch.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "core/image/image.h"
#include "core/pose/pose.h"

namespace unipose::engine {

struct PhotoLandmark {
  std::string name;  // BlazePose's: "nose", "left_shoulder", ... (the person's own left)
  double x = 0, y = 0;  // pixels
  double visibility = 0;
};

struct PhotoPerson {
  double score = 0;                              // the detector's
  double pose_score = 0;                         // the landmark model's "a person is there"
  std::array<double, 4> box{};                   // x0, y0, x1, y1: the body region (unturned bounds), pixels
  std::vector<PhotoLandmark> landmarks;          // the 33 named ones
  std::vector<std::array<double, 3>> world;      // the same, metres, hips at the origin, x right, y down, z away
};

struct PhotoEstimate {
  PhotoPerson person;
  int person_index = 0;
  int detected = 0;  // the detector's people (merged), before the landmark model's own check
  pose::Pose pose;
  double reprojection_px = 0;       // mean distance of the projected limb joints from BlazePose's 2D ones
  double direction_error_deg = 0;   // mean angle between the fitted bones and the landmarks' bones
  std::array<std::array<double, 2>, 22> projected{};  // the pose's body joints in the picture
  double detect_ms = 0, landmarks_ms = 0, fit_ms = 0;
};

class PhotoEngine {
 public:
  // The BlazePose bundles (unipose convert tfjs); defaults: models/blazepose_detector, models/blazepose_full.
  PhotoEngine(const std::string& detector_dir, const std::string& landmark_dir);
  ~PhotoEngine();
  PhotoEngine(const PhotoEngine&) = delete;
  PhotoEngine& operator=(const PhotoEngine&) = delete;

  // Everyone found, largest first (empty when nobody is). A detection the landmark model does not take for a
  // person (its score below 0.5) is left out. `tiles`: look for small people too (BlazePose::detect).
  std::vector<PhotoPerson> people(const image::Image& picture, bool tiles = false);
  // The pose of person `index` (0 = the largest) of people(picture, tiles). Throws Error when nobody is found or
  // the index is out of range.
  PhotoEstimate estimate(const image::Image& picture, int index = 0, bool tiles = false);
  // Everyone of people(picture, tiles), each fitted; one detection for all (times: the detector's and the
  // landmark model's for the whole picture, the fit's for each person).
  std::vector<PhotoEstimate> estimate_all(const image::Image& picture, bool tiles = false);
  // The landmark model on a region given by the caller (a box from a label), no detector.
  PhotoPerson person_in_box(const image::Image& picture, const std::array<double, 4>& box);

  // The fit's 2D term (vision::FitOptions::reprojection_weight); the default is the measured best.
  void set_reprojection_weight(double weight);
  // How much each bone's direction across the picture follows BlazePose's 2D landmarks
  // (vision::FitOptions::picture_plane_weight), 0..1; the default is kDefaultPicturePlaneWeight.
  void set_picture_plane_weight(double weight);
  static constexpr double kDefaultPicturePlaneWeight = 0.0;
  // The learned 2D-to-3D lifter (vision/lifter.h) whose joints the fit follows, blended with BlazePose's world
  // landmarks by `weight` (0: the landmarks alone, 1: the lifter alone). An empty `dir` fits without one.
  // `trunk_from_landmarks`: vision::FitOptions::lift_trunk_from_landmarks.
  void set_lifter(const std::string& dir, double weight, bool trunk_from_landmarks = true);
  // The same blend for the lifter already loaded (models/pose_lifter by default); an error when none is.
  void set_lift_blend(double weight, bool trunk_from_landmarks);
  // The blend the engine uses with models/pose_lifter (loaded when present): the best measured on rendered
  // validation pictures (docs/vision.md).
  static constexpr double kDefaultLiftWeight = 1.0;
  static std::string default_detector();
  static std::string default_landmarks();
  static std::string default_lifter();  // models/pose_lifter

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A pose that came without a camera (the language model's, facing +z) laid over a person in the picture: the
// turn (any heading, pitch and roll) and weak-perspective camera (scale and shift) that bring its 12 limb joints
// closest to the person's 2D landmarks (visibility-weighted least squares: a search over turns in steps of 15
// degrees, then finer around the best). Returns its 22 body joints in the picture (pixels), the mean distance
// of the limb joints from the landmarks and the pose so turned. The person must have the 33 landmarks.
struct Placement {
  std::array<std::array<double, 2>, 22> joints{};
  double reprojection_px = 0;
  pose::Pose turned;  // the pose turned so (its global orientation), as the person stands to the camera
};
Placement place_in_picture(const pose::Pose& pose, const PhotoPerson& person);

// Bones of BlazePose's 33 landmarks and of the SMPL body joints, for drawing (pairs of indices).
const std::vector<std::pair<int, int>>& photo_landmark_bones();
const std::vector<std::pair<int, int>>& body_joint_bones();

// The picture with the person's landmarks (left side orange, right side blue) and, when given, the fitted
// pose's projected joints (white) drawn over it.
image::Image draw_overlay(const image::Image& picture, const PhotoPerson& person, const std::array<std::array<double, 2>, 22>* projected = nullptr);

}  // namespace unipose::engine
