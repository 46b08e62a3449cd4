// 2D accuracy on labelled photos (a keypoints.json as ../shared/data/photos has: COCO, MPII and AI Challenger
// people): PCK@0.2 of BlazePose's landmarks with the detector's own people and with the labelled boxes, and of
// the fitted pose's joints projected back onto the photo. docs/vision.md says how people are matched and which
// thresholds are used. No LibTorch in this header.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/engine/photo.h"

namespace unipose::engine {

struct PckCount {
  int hits = 0, total = 0;
  double percent() const { return total ? 100.0 * hits / total : 0; }
};

struct PhotoEvaluation {
  int photos = 0, people = 0, matched = 0;
  // Per keypoint family ("head", "shoulders", ..., "all"), visible labelled keypoints (v = 2).
  // Threshold 0.2 x the labelled person's box (longer side) or 0.2 x the torso (left shoulder to right hip).
  std::map<std::string, PckCount> detector_box, detector_torso, labelled_box, labelled_torso;
  // The 12 limb joints (shoulders, elbows, wrists, hips, knees, ankles): BlazePose's 2D against the fitted pose
  // reprojected, same people, same keypoints, box threshold (and torso).
  PckCount blazepose_limbs_box, fitted_limbs_box, blazepose_limbs_torso, fitted_limbs_torso;
  std::vector<double> estimate_ms;  // per photo: detect + landmarks + fits of everyone found
  std::vector<std::string> notes;   // per photo: people labelled, found, matched
  // With a second estimator (the language model's path, which reads one person: the largest found): its pose
  // laid over that person by place_in_picture, against the person's labelled limb joints; on the same keypoints
  // the fitted pose reprojected (its own camera), and the body at rest (every joint unturned) placed as the model's
  // pose is: what the placement alone gets right.
  int model_people = 0;
  PckCount model_limbs_box, model_limbs_torso, fitted_largest_box, fitted_largest_torso, rest_limbs_box, rest_limbs_torso;
  std::vector<double> model_ms;
};

// DIR holds keypoints.json and the photos it names.
// `tiles`: the detector also looks at overlapping squares of half the long side (small people).
// `model_path`: the second estimator (a picture to a pose), measured as above when given.
PhotoEvaluation evaluate_photos(PhotoEngine& engine, const std::string& dir, bool tiles,
                                const std::function<pose::Pose(const image::Image&)>& model_path = {});

// 3D accuracy on rendered images of a corpus (data/render.h): the fitted pose of the largest person found
// against the pose the picture was drawn from, over the 22 body joints, in the camera's frame with the pelvis
// at the origin (MPJPE) and after Procrustes alignment with scale (PA-MPJPE), millimetres. Beside it, two
// baselines that look at no picture: the training split's mean pose (its body joints, averaged, in the camera
// frame the fit would have) and the same mean pose after Procrustes alignment.
struct RenderEvaluation {
  int images = 0, found = 0;                             // images of the split looked at; with a person found
  std::vector<double> mpjpe_mm, pa_mpjpe_mm;             // per image with a person found
  std::vector<double> mean_pose_mpjpe_mm, mean_pose_pa_mpjpe_mm;  // the same images
  std::map<std::string, std::vector<double>> pa_by_kind;  // "whole", "cropped", "occluded", "small"
  // The 12 limb joints (as PhotoEvaluation's) that the picture shows, against the drawn pose's joints projected
  // by the render's camera: BlazePose's 2D landmarks and the fitted pose reprojected (its weak camera). Threshold
  // 0.2 x the longer side of the box around the 22 projected joints, or 0.2 x the torso (left shoulder to right hip).
  PckCount blazepose_limbs_box, fitted_limbs_box, blazepose_limbs_torso, fitted_limbs_torso;
  std::vector<double> estimate_ms;
  // With a second estimator (the language model's path, Engine::estimate_image): its pose against the drawn one
  // in the body's own frame (facing +z, pelvis at the origin; the pose the corpus holds), on every picture and on
  // those where the fit found someone (`model_found_*`, the fit's pictures); and the mean training pose's on every
  // picture (in the body's frame too: the mean of the corpus poses as they lean).
  std::vector<double> model_mpjpe_mm, model_pa_mpjpe_mm, model_found_mpjpe_mm, model_found_pa_mpjpe_mm, model_ms;
  std::vector<double> mean_pose_body_mpjpe_all_mm, mean_pose_pa_all_mm;
  std::map<std::string, std::vector<double>> model_pa_by_kind, model_mpjpe_by_kind;  // every picture, by kind as pa_by_kind
};
// The second estimator: a picture and the corpus pose it shows (for what a user could say about it) to a pose.
using PictureToPose = std::function<pose::Pose(const image::Image& picture, int corpus_pose)>;
RenderEvaluation evaluate_renders(PhotoEngine& engine, const std::string& corpus_dir, const std::string& split, int limit, bool tiles,
                                  const PictureToPose& model_path = {}, const std::function<void(int, int)>& progress = {});

// BlazePose's view of each rendered picture of `split` as the lifter reads it (vision/lifter.h), beside the
// truth, for `unipose train lifter --views`: OUT.npz holds "inputs" [N, 45] (lifter_input of the largest
// person's landmarks), "joints" [N, 22, 3] (the drawn pose's body joints in the fit's frame, metres, pelvis at
// the origin) and "images" [N] (the picture's entry in images.jsonl, from 0). Pictures where nobody is found are left
// out. `source` (how the file was made: the command) is kept as "source", UTF-8 bytes. `progress(done, total)`
// after each picture. Written atomically.
struct LiftViewRecord {
  int images = 0, found = 0;
};
LiftViewRecord record_lift_views(PhotoEngine& engine, const std::string& corpus_dir, const std::string& split, int limit, bool tiles,
                                 const std::string& out_npz, const std::string& source = "", const std::function<void(int, int)>& progress = {});

}  // namespace unipose::engine
