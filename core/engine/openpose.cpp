#include "core/engine/openpose.h"

#include <cmath>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace unipose::engine {
namespace {

using Eigen::Vector3d;
using namespace body;

// BODY_25's names, in order.
enum Body25 {
  kNose, kNeck25, kRShoulder, kRElbow, kRWrist, kLShoulder, kLElbow, kLWrist, kMidHip, kRHip, kRKnee, kRAnkle, kLHip, kLKnee, kLAnkle,
  kREye, kLEye, kREar, kLEar, kLBigToe, kLSmallToe, kLHeel, kRBigToe, kRSmallToe, kRHeel
};

// COCO-18 keypoint i is BODY_25 keypoint kCocoFrom25[i].
constexpr int kCocoFrom25[18] = {kNose, kNeck25, kRShoulder, kRElbow, kRWrist, kLShoulder, kLElbow, kLWrist, kRHip,
                                 kRKnee, kRAnkle, kLHip, kLKnee, kLAnkle, kREye, kLEye, kREar, kLEar};

// Offsets in a joint's rest frame (metres; the left side, x mirrored for the right), measured on the
// mannequin: the face's front is 0.1 m before the head joint, the ears 0.077 m to its sides.
const Vector3d kNoseFromHead(0, 0.06, 0.10), kEyeFromHead(0.032, 0.10, 0.085), kEarFromHead(0.077, 0.07, -0.005);
const Vector3d kBigToeFromFoot(-0.04, -0.005, 0.075), kSmallToeFromFoot(0.03, -0.005, 0.045), kHeelFromAnkle(0, -0.065, -0.08);

Vector3d mirrored(const Vector3d& v) { return {-v.x(), v.y(), v.z()}; }

}  // namespace

const std::vector<std::array<std::uint8_t, 3>>& openpose_colours() {
  static const std::vector<std::array<std::uint8_t, 3>> c = {
      {255, 0, 0},   {255, 85, 0},  {255, 170, 0}, {255, 255, 0}, {170, 255, 0}, {85, 255, 0},  {0, 255, 0},   {0, 255, 85},  {0, 255, 170},
      {0, 255, 255}, {0, 170, 255}, {0, 85, 255},  {0, 0, 255},   {85, 0, 255},  {170, 0, 255}, {255, 0, 255}, {255, 0, 170}, {255, 0, 85}};
  return c;
}

const std::vector<std::pair<int, int>>& openpose_limbs() {
  // neck-shoulders, arms, neck-hips, legs, neck-nose, the face.
  static const std::vector<std::pair<int, int>> l = {{1, 2}, {1, 5},  {2, 3},  {3, 4},   {5, 6},  {6, 7},   {1, 8},  {8, 9},  {9, 10},
                                                     {1, 11}, {11, 12}, {12, 13}, {1, 0}, {0, 14}, {14, 16}, {0, 15}, {15, 17}};
  return l;
}

OpenPoseKeypoints openpose_keypoints(const BodyModel& body, const PoseParameters& pose, const data::RenderCamera& camera, OpenPoseLayout layout) {
  const PosedBody posed = body.posed(pose);
  const auto& P = posed.joints.positions;
  const auto& R = posed.joints.rotations;
  std::array<Vector3d, 25> p;
  std::array<Vector3d, 25> facing;  // outward direction of a face point; zero for the rest
  facing.fill(Vector3d::Zero());
  p[kNose] = P[kHead] + R[kHead] * kNoseFromHead;
  facing[kNose] = R[kHead] * Vector3d(0, 0, 1);
  p[kNeck25] = 0.5 * (P[kLeftShoulder] + P[kRightShoulder]);
  p[kRShoulder] = P[kRightShoulder], p[kRElbow] = P[kRightElbow], p[kRWrist] = P[kRightWrist];
  p[kLShoulder] = P[kLeftShoulder], p[kLElbow] = P[kLeftElbow], p[kLWrist] = P[kLeftWrist];
  p[kMidHip] = 0.5 * (P[kLeftHip] + P[kRightHip]);
  p[kRHip] = P[kRightHip], p[kRKnee] = P[kRightKnee], p[kRAnkle] = P[kRightAnkle];
  p[kLHip] = P[kLeftHip], p[kLKnee] = P[kLeftKnee], p[kLAnkle] = P[kLeftAnkle];
  p[kLEye] = P[kHead] + R[kHead] * kEyeFromHead;
  p[kREye] = P[kHead] + R[kHead] * mirrored(kEyeFromHead);
  facing[kLEye] = R[kHead] * Vector3d(0.35, 0, 1).normalized();
  facing[kREye] = R[kHead] * Vector3d(-0.35, 0, 1).normalized();
  p[kLEar] = P[kHead] + R[kHead] * kEarFromHead;
  p[kREar] = P[kHead] + R[kHead] * mirrored(kEarFromHead);
  facing[kLEar] = R[kHead] * Vector3d(1, 0, 0);
  facing[kREar] = R[kHead] * Vector3d(-1, 0, 0);
  p[kLBigToe] = P[kLeftFoot] + R[kLeftFoot] * kBigToeFromFoot;
  p[kLSmallToe] = P[kLeftFoot] + R[kLeftFoot] * kSmallToeFromFoot;
  p[kLHeel] = P[kLeftAnkle] + R[kLeftAnkle] * kHeelFromAnkle;
  p[kRBigToe] = P[kRightFoot] + R[kRightFoot] * mirrored(kBigToeFromFoot);
  p[kRSmallToe] = P[kRightFoot] + R[kRightFoot] * mirrored(kSmallToeFromFoot);
  p[kRHeel] = P[kRightAnkle] + R[kRightAnkle] * mirrored(kHeelFromAnkle);

  const Vector3d eye = -camera.rotation.transpose() * camera.translation;
  std::array<std::array<double, 3>, 25> k{};
  for (int i = 0; i < 25; ++i) {
    k[i] = {0, 0, 0};
    if (!p[i].allFinite()) throw Error("openpose: the pose gives a non-finite keypoint");
    if (camera.to_camera(p[i]).z() < 0.05) continue;
    if (facing[i].squaredNorm() > 0 && facing[i].dot((eye - p[i]).normalized()) < -0.1) continue;
    const Eigen::Vector2d q = camera.project(p[i]);
    if (q.x() < 0 || q.y() < 0 || q.x() >= camera.width || q.y() >= camera.height) continue;
    k[i] = {q.x(), q.y(), 1.0};
  }
  OpenPoseKeypoints out;
  if (layout == OpenPoseLayout::Body25) out.assign(k.begin(), k.end());
  else
    for (const int i : kCocoFrom25) out.push_back(k[i]);
  return out;
}

std::string openpose_json(const OpenPoseKeypoints& keypoints, int width, int height) {
  nlohmann::json flat = nlohmann::json::array();
  for (const auto& k : keypoints)
    for (const double v : k) flat.push_back(std::round(v * 1000) / 1000);
  const auto empty = nlohmann::json::array();
  nlohmann::json person = {{"person_id", {-1}},
                           {"pose_keypoints_2d", flat},
                           {"face_keypoints_2d", empty},
                           {"hand_left_keypoints_2d", empty},
                           {"hand_right_keypoints_2d", empty},
                           {"pose_keypoints_3d", empty},
                           {"face_keypoints_3d", empty},
                           {"hand_left_keypoints_3d", empty},
                           {"hand_right_keypoints_3d", empty}};
  nlohmann::json j = {{"version", 1.3}, {"people", {person}}, {"canvas_width", width}, {"canvas_height", height}};
  return j.dump(1) + "\n";
}

image::Image controlnet_pose_image(const OpenPoseKeypoints& coco18, int width, int height) {
  if (coco18.size() != 18) throw Error("controlnet image: " + std::to_string(coco18.size()) + " keypoints given, COCO-18 has 18");
  if (width < 1 || height < 1 || width > 8192 || height > 8192)
    throw Error("controlnet image: size " + std::to_string(width) + " x " + std::to_string(height) + " is not within 1..8192");
  image::Image canvas;
  canvas.width = width;
  canvas.height = height;
  canvas.rgb.assign(static_cast<std::size_t>(width) * height * 3, 0);
  const auto& colours = openpose_colours();
  const auto& limbs = openpose_limbs();
  auto present = [&](int i) { return coco18[i][2] > 0; };
  for (std::size_t l = 0; l < limbs.size(); ++l) {
    const auto [a, b] = limbs[l];
    if (!present(a) || !present(b)) continue;
    const double xa = coco18[a][0], ya = coco18[a][1], xb = coco18[b][0], yb = coco18[b][1];
    const double length = std::hypot(xa - xb, ya - yb);
    const double angle = std::atan2(ya - yb, xa - xb) * 180.0 / M_PI;
    std::array<std::uint8_t, 3> c;
    for (int i = 0; i < 3; ++i) c[i] = static_cast<std::uint8_t>(static_cast<int>(colours[l][i] * 0.6));
    image::fill_ellipse(canvas, static_cast<int>(0.5 * (xa + xb)), static_cast<int>(0.5 * (ya + yb)), static_cast<int>(length / 2), 4,
                        static_cast<int>(angle), c);
  }
  for (int i = 0; i < 18; ++i)
    if (present(i)) image::fill_circle(canvas, static_cast<int>(coco18[i][0]), static_cast<int>(coco18[i][1]), 4, colours[i]);
  return canvas;
}

data::RenderCamera openpose_view(const Mesh& posed, const std::string& view, int width, int height) {
  double yaw = 0, pitch = 5;
  if (view == "front") yaw = 0;
  else if (view == "back") yaw = 180;
  else if (view == "left") yaw = 90;
  else if (view == "right") yaw = -90;
  else if (view == "front-left") yaw = 45;
  else if (view == "front-right") yaw = -45;
  else {
    std::istringstream in(view);
    char comma = 0;
    if (!(in >> yaw >> comma >> pitch) || comma != ',' || !in.eof() || !std::isfinite(yaw) || !std::isfinite(pitch) || std::abs(pitch) > 89)
      throw Error("view '" + view + "': use front, back, left, right, front-left, front-right or YAW,PITCH in degrees (pitch within +-89)");
  }
  return data::framing_camera(posed, yaw, pitch, width, height);
}

}  // namespace unipose::engine
