// Poses for the tools artists feed: OpenPose keypoint JSON (BODY_25 and COCO-18) of a posed body seen through a
// camera, and the ControlNet OpenPose picture drawn from the COCO-18 points. No LibTorch in this header.
//
// Keypoints the SMPL skeleton lacks are placed from the joints' own frames: nose, eyes and ears at fixed
// offsets from the head joint (measured on the mannequin's face), big and small toes from the foot joint, the
// heel from the ankle; OpenPose's neck is the middle of the shoulders, its mid-hip the middle of the hips. A
// keypoint is left out (0, 0, 0) when it falls outside the picture or behind the camera, and an eye or ear also
// when it faces away from the camera (the side of the head turned away), as OpenPose itself leaves them out.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "core/body/body_model.h"
#include "core/data/render.h"
#include "core/image/image.h"

namespace unipose::engine {

enum class OpenPoseLayout { Body25, Coco18 };

// (x, y, confidence) per keypoint in the layout's order; missing ones are (0, 0, 0).
using OpenPoseKeypoints = std::vector<std::array<double, 3>>;

OpenPoseKeypoints openpose_keypoints(const body::BodyModel& body, const body::PoseParameters& pose, const data::RenderCamera& camera,
                                     OpenPoseLayout layout);

// OpenPose's output file for one person: {"version": 1.3, "people": [{"person_id": [-1], "pose_keypoints_2d":
// [...], and the empty face, hand and 3D lists}]}, plus "canvas_width" and "canvas_height" as the OpenPose
// editors for Stable Diffusion read them.
std::string openpose_json(const OpenPoseKeypoints& keypoints, int width, int height);

// The ControlNet OpenPose conditioning picture from COCO-18 keypoints, drawn as the ControlNet 1.1 annotator
// draws a body: black canvas; the 17 limbs first, each a filled ellipse (half-length along the limb, half-width
// 4 px, whole-pixel centre and angle, a vertex per degree) in 60 % of its limb colour; then each keypoint a
// filled circle of radius 4 in its colour. Limbs with a missing end and missing points are not drawn.
image::Image controlnet_pose_image(const OpenPoseKeypoints& coco18, int width, int height);

// The 18 colours of the COCO-18 keypoints and limbs (RGB), and the 17 drawn limbs (pairs of COCO-18 indices).
const std::vector<std::array<std::uint8_t, 3>>& openpose_colours();
const std::vector<std::pair<int, int>>& openpose_limbs();

// Reads the camera for an export: "front", "back", "left", "right" (the side of the body the camera is at),
// "front-left", "front-right", or "YAW,PITCH" in degrees; throws Error naming the view otherwise.
data::RenderCamera openpose_view(const body::Mesh& posed, const std::string& view, int width, int height);

}  // namespace unipose::engine
