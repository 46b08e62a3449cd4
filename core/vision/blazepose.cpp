#include "core/vision/blazepose.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace unipose::vision {
namespace {

constexpr int kDetectorSize = 224, kLandmarkSize = 256;
constexpr double kRegionScale = 1.25;  // MediaPipe's pose region: 1.25 x twice the alignment radius

// MediaPipe's SSD anchors of the pose detector: strides 8, 16, 32, 32, 32 (the last three share one 7 x 7 map),
// two anchors per layer and cell, fixed size.
std::vector<Eigen::Vector2d> detector_anchors() {
  const std::vector<int> strides = {8, 16, 32, 32, 32};
  std::vector<Eigen::Vector2d> anchors;
  for (std::size_t layer = 0; layer < strides.size();) {
    std::size_t last = layer;
    while (last + 1 < strides.size() && strides[last + 1] == strides[layer]) ++last;
    const int per_cell = 2 * static_cast<int>(last - layer + 1);
    const int cells = (kDetectorSize + strides[layer] - 1) / strides[layer];
    for (int y = 0; y < cells; ++y)
      for (int x = 0; x < cells; ++x)
        for (int k = 0; k < per_cell; ++k) anchors.emplace_back((x + 0.5) / cells, (y + 0.5) / cells);
    layer = last + 1;
  }
  return anchors;
}

torch::Tensor to_input(const image::Image& picture) {
  return torch::from_blob(const_cast<std::uint8_t*>(picture.rgb.data()), {1, picture.height, picture.width, 3}, torch::kUInt8).to(torch::kFloat);
}

double iou(const Eigen::Vector4d& a, const Eigen::Vector4d& b) {
  const double w = std::min(a[2], b[2]) - std::max(a[0], b[0]), h = std::min(a[3], b[3]) - std::max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const double inter = w * h, area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return area > 0 ? inter / area : 0;
}

double sigmoid(double x) { return 1 / (1 + std::exp(-std::clamp(x, -100.0, 100.0))); }

}  // namespace

const std::vector<std::string>& blazepose_landmark_names() {
  static const std::vector<std::string> names = {
      "nose",        "left_eye_inner", "left_eye",     "left_eye_outer", "right_eye_inner", "right_eye",        "right_eye_outer",
      "left_ear",    "right_ear",      "mouth_left",   "mouth_right",    "left_shoulder",   "right_shoulder",   "left_elbow",
      "right_elbow", "left_wrist",     "right_wrist",  "left_pinky",     "right_pinky",     "left_index",       "right_index",
      "left_thumb",  "right_thumb",    "left_hip",     "right_hip",      "left_knee",       "right_knee",       "left_ankle",
      "right_ankle", "left_heel",      "right_heel",   "left_foot_index", "right_foot_index"};
  return names;
}

int blazepose_landmark(const std::string& name) {
  const auto& n = blazepose_landmark_names();
  const auto it = std::find(n.begin(), n.end(), name);
  return it == n.end() ? -1 : static_cast<int>(it - n.begin());
}

Eigen::Vector2d BodyRegion::to_image(double u, double v) const {
  const double c = std::cos(rotation), s = std::sin(rotation);
  const double x = (u - 0.5) * size, y = (v - 0.5) * size;
  return center + Eigen::Vector2d(c * x - s * y, s * x + c * y);
}

const std::string& BlazePose::feature_node() {
  static const std::string node = "StatefulPartitionedCall/model/re_lu_41/Relu6";
  return node;
}

BlazePose::BlazePose(const std::string& detector_dir, const std::string& landmark_dir, torch::Device device)
    : detector_(read_graph_bundle(detector_dir), device), landmark_(read_graph_bundle(landmark_dir), device), anchors_(detector_anchors()) {
  if (!detector_.signature_outputs().count("person") || !detector_.signature_inputs().count("input"))
    fail(detector_dir, "not the BlazePose detector (no 'input' and 'person' in its signature)");
  for (const char* out : {"ld_3d", "world_3d", "output_poseflag"})
    if (!landmark_.signature_outputs().count(out)) fail(landmark_dir, std::string("not a BlazePose landmark model (no '") + out + "' output)");
}

std::vector<PersonDetection> BlazePose::detect(const image::Image& picture, double min_score, bool tiles) const {
  if (picture.empty()) throw Error("an empty picture has no people");
  std::vector<PersonDetection> found;
  // One detector run on the square of side `side` whose top-left corner is (x0, y0) in the picture (parts
  // outside it are black), scaled to 224.
  auto run_on = [&](double x0, double y0, double side) {
    const double k = side / kDetectorSize;
    const auto square = image::warp_affine(picture, {k, 0, 0.5 * k + x0 - 0.5, 0, k, 0.5 * k + y0 - 0.5}, kDetectorSize, kDetectorSize);
    const auto x = to_input(square) / 127.5 - 1;  // the detector reads [-1, 1]
    const auto raw = detector_.run({{"input", x}}, {"person"}).at("person").to(torch::kCPU).contiguous();
    if (raw.dim() != 3 || raw.size(1) != static_cast<std::int64_t>(anchors_.size()) || raw.size(2) != 13)
      throw Error("the person detector answered with an unexpected shape");
    const float* r = raw.data_ptr<float>();
    auto to_pixels = [&](double nx, double ny) { return Eigen::Vector2d(nx * side + x0, ny * side + y0); };
    for (std::size_t a = 0; a < anchors_.size(); ++a) {
      const float* row = r + a * 13;
      const double score = sigmoid(row[0]);
      if (score < min_score) continue;
      PersonDetection d;
      d.score = score;
      const double cx = row[1] / kDetectorSize + anchors_[a].x(), cy = row[2] / kDetectorSize + anchors_[a].y();
      const double w = row[3] / kDetectorSize, h = row[4] / kDetectorSize;
      const auto lo = to_pixels(cx - w / 2, cy - h / 2), hi = to_pixels(cx + w / 2, cy + h / 2);
      d.box = {lo.x(), lo.y(), hi.x(), hi.y()};
      for (int p = 0; p < 4; ++p) d.keypoints[p] = to_pixels(row[5 + 2 * p] / kDetectorSize + anchors_[a].x(), row[6 + 2 * p] / kDetectorSize + anchors_[a].y());
      found.push_back(d);
    }
  };
  // The whole picture, letterboxed: centred on a square.
  const double side = std::max(picture.width, picture.height);
  run_on(-(side - picture.width) / 2, -(side - picture.height) / 2, side);
  if (tiles) {
    // Smaller people: squares of half the long side, overlapping by half, over the whole picture.
    const double t = side / 2;
    for (double y0 = 0;; y0 += t / 2) {
      for (double x0 = 0;; x0 += t / 2) {
        run_on(std::min(x0, std::max(0.0, picture.width - t)), std::min(y0, std::max(0.0, picture.height - t)), t);
        if (x0 + t >= picture.width) break;
      }
      if (y0 + t >= picture.height) break;
    }
  }
  // Weighted non-maximum suppression (as MediaPipe's pose graph), on the body's box: the square around the hip
  // centre through the size point (the box this detector outputs has one size for everyone). Overlapping
  // detections of one body are averaged by score.
  auto body_box = [](const PersonDetection& d) {
    const double r = (d.keypoints[1] - d.keypoints[0]).norm();
    return Eigen::Vector4d(d.keypoints[0].x() - r, d.keypoints[0].y() - r, d.keypoints[0].x() + r, d.keypoints[0].y() + r);
  };
  std::sort(found.begin(), found.end(), [](const PersonDetection& a, const PersonDetection& b) { return a.score > b.score; });
  std::vector<PersonDetection> merged;
  std::vector<bool> used(found.size(), false);
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (used[i]) continue;
    PersonDetection sum = found[i];
    double weight = found[i].score;
    sum.box *= weight;
    for (auto& p : sum.keypoints) p *= weight;
    for (std::size_t j = i + 1; j < found.size(); ++j) {
      if (used[j] || iou(body_box(found[i]), body_box(found[j])) < 0.3) continue;
      used[j] = true;
      sum.box += found[j].score * found[j].box;
      for (int p = 0; p < 4; ++p) sum.keypoints[p] += found[j].score * found[j].keypoints[p];
      weight += found[j].score;
    }
    sum.box /= weight;
    for (auto& p : sum.keypoints) p /= weight;
    merged.push_back(sum);
  }
  std::sort(merged.begin(), merged.end(), [](const PersonDetection& a, const PersonDetection& b) {
    return (a.keypoints[1] - a.keypoints[0]).norm() > (b.keypoints[1] - b.keypoints[0]).norm();
  });
  return merged;
}

BodyRegion BlazePose::region_of(const PersonDetection& person) const {
  BodyRegion r;
  r.center = person.keypoints[0];
  const Eigen::Vector2d d = person.keypoints[1] - person.keypoints[0];
  r.size = 2 * d.norm() * kRegionScale;
  // Turned so that the direction from the hips to the size point is up in the crop.
  double angle = M_PI / 2 - std::atan2(-d.y(), d.x());
  angle -= 2 * M_PI * std::floor((angle + M_PI) / (2 * M_PI));
  r.rotation = angle;
  return r;
}

PoseLandmarks BlazePose::landmarks(const image::Image& picture, const PersonDetection& person, bool with_features) const {
  // The detector's region is a first guess: the landmark model's own alignment points (landmarks 33 and 34: the
  // hip centre and the full-body size point, as the detector's first two) give a tighter one, run again (as
  // MediaPipe's tracking does from one frame to the next).
  PoseLandmarks first = landmarks_in(picture, region_of(person), false);
  PersonDetection refined = person;
  refined.keypoints[0] = first.image[33].position.head<2>();
  refined.keypoints[1] = first.image[34].position.head<2>();
  const BodyRegion r = region_of(refined);
  if (first.pose_score >= 0.5 && r.size > 8 && std::isfinite(r.size)) {
    PoseLandmarks second = landmarks_in(picture, r, with_features);
    if (second.pose_score >= first.pose_score - 0.2) {
      second.detection = person;
      return second;
    }
  }
  if (with_features) first = landmarks_in(picture, first.region, true);
  first.detection = person;
  return first;
}

PoseLandmarks BlazePose::landmarks_in(const image::Image& picture, const BodyRegion& region, bool with_features) const {
  if (picture.empty()) throw Error("an empty picture has no people");
  if (!(region.size > 1) || !std::isfinite(region.size) || !region.center.allFinite() || !std::isfinite(region.rotation))
    throw Error("a body region of size " + std::to_string(region.size) + " cannot be cropped");
  // Output pixel (u, v) of the 256 crop samples the region at ((u + 0.5) / 256, (v + 0.5) / 256); OpenCV's
  // pixel centres sit on integers, hence the half-pixel shifts.
  const double c = std::cos(region.rotation), s = std::sin(region.rotation), k = region.size / kLandmarkSize;
  const Eigen::Vector2d o = region.to_image(0.5 / kLandmarkSize, 0.5 / kLandmarkSize);
  const auto crop = image::warp_affine(picture, {c * k, -s * k, o.x() - 0.5, s * k, c * k, o.y() - 0.5}, kLandmarkSize, kLandmarkSize);
  std::vector<std::string> wanted = {"ld_3d", "world_3d", "output_poseflag"};
  if (with_features) wanted.push_back(feature_node());
  const auto res = landmark_.run({{"input_1", to_input(crop) / 255}}, wanted);  // the landmark model reads [0, 1]
  const auto ld = res.at("ld_3d").to(torch::kCPU).reshape({-1}).contiguous(), world = res.at("world_3d").to(torch::kCPU).reshape({-1}).contiguous();
  if (ld.numel() != kBlazePoseLandmarks * 5 || world.numel() != kBlazePoseLandmarks * 3) throw Error("the landmark model answered with an unexpected shape");
  PoseLandmarks out;
  out.region = region;
  out.pose_score = res.at("output_poseflag").reshape({-1})[0].item<double>();
  const float* l = ld.data_ptr<float>();
  const float* w = world.data_ptr<float>();
  for (int i = 0; i < kBlazePoseLandmarks; ++i) {
    Landmark m;
    const Eigen::Vector2d p = region.to_image(l[5 * i] / kLandmarkSize, l[5 * i + 1] / kLandmarkSize);
    m.position = {p.x(), p.y(), l[5 * i + 2] * k};
    m.visibility = sigmoid(l[5 * i + 3]);
    m.presence = sigmoid(l[5 * i + 4]);
    out.image.push_back(m);
    // World landmarks come in the crop's axes: turn them back to the picture's.
    const double x = w[3 * i], y = w[3 * i + 1];
    out.world.emplace_back(c * x - s * y, s * x + c * y, w[3 * i + 2]);
  }
  if (with_features) out.features = res.at(feature_node())[0].permute({2, 0, 1}).contiguous();
  return out;
}

}  // namespace unipose::vision
