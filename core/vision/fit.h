// Photo to 3D pose by fitting: the SMPL-skeleton pose (global orientation + 21 body joints) whose bone
// directions match BlazePose's metric world landmarks, by gradient descent on LibTorch, projected onto the
// anatomical joint limits as it goes, with a plausibility prior (small rotations at the joints a photo cannot
// see turn: spine segments, collars, neck, limb twists); then a weak-perspective camera (scale and shift) that
// lays the fitted joints over the 2D landmarks, whose residual is the reprojection error. docs/vision.md.
#pragma once

#include <Eigen/Core>

#include <array>
#include <optional>
#include <vector>

#include "core/pose/pose.h"
#include "core/vision/blazepose.h"

namespace unipose::vision {

struct FitOptions {
  int iterations = 20;  // after the closed-form start (docs/vision.md: 5.6 deg mean bone error at 0, 3.8 at 20, 3.1 at 80)
  double learning_rate = 0.03;
  double prior_weight = 0.02;  // of the squared rotation angles (rad^2) of the prior's joints
  // Of the 2D term: the limb joints, through the weak camera that fits them best at each step, against
  // BlazePose's 2D landmarks, in metres (squared, visibility-weighted mean). With the bone lengths of the
  // skeleton, the picture's foreshortening tells how far a bone turns towards the camera, which the world
  // landmarks' depth says less well. 0 turns it off.
  double reprojection_weight = 0;
  // 3D joints from the lifter (lifter.h: camera frame, pelvis at 0). Each bone's target direction is then
  // (1 - lift_weight) x BlazePose's world-landmark direction + lift_weight x the lifted one, normalised.
  std::optional<std::array<Eigen::Vector3d, 22>> lifted;
  double lift_weight = 1.0;
  // Turn the lifted skeleton as a whole so that its trunk (hip line, hips to shoulders) lies as BlazePose's
  // world landmarks have it: the lifter gives the limbs, the landmark model (trained on real photos) how the
  // body stands to the camera; the lifter's own guess of that leans with its training cameras (docs/vision.md).
  bool lift_trunk_from_landmarks = true;
  // How much each bone's direction across the picture comes from BlazePose's 2D landmarks, 0..1: the target
  // keeps its depth component (towards or away from the camera, from the lifter or the world landmarks) and
  // turns its in-picture part to the 2D landmarks' bone. The 2D landmarks place the limbs in the picture better
  // than either 3D source (docs/vision.md); 0 leaves the 3D directions as they are.
  double picture_plane_weight = 0;
};

struct FitResult {
  pose::Pose pose;  // faces where the person faced the camera; on the floor
  // Weak-perspective camera: image = scale * (x, -y) + shift for a fitted joint (x, y, z) in the pose's world frame.
  double scale = 0;
  Eigen::Vector2d shift = Eigen::Vector2d::Zero();
  std::array<Eigen::Vector2d, 22> projected;  // the fitted body joints in the picture (pixels)
  double reprojection_px = 0;                 // mean distance between the projected limb joints and BlazePose's 2D ones
  double direction_error_deg = 0;             // mean angle between fitted and target bone directions (lifted / landmarks)
  int iterations = 0;
};

// The SMPL body joints that have a BlazePose landmark at the same place (shoulders, elbows, wrists, hips,
// knees, ankles), as pairs (SMPL joint, BlazePose landmark).
const std::vector<std::pair<int, int>>& limb_joint_pairs();

FitResult fit_pose(const PoseLandmarks& landmarks, const FitOptions& options = {});

}  // namespace unipose::vision
