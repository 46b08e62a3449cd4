#include "core/engine/photo.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <mutex>

#include <Eigen/Geometry>

#include "core/body/body_model.h"
#include "core/body/kinematics.h"
#include "core/error.h"
#include "core/engine/engine.h"
#include "core/vision/blazepose.h"
#include "core/vision/fit.h"
#include "core/vision/lifter.h"

namespace unipose::engine {
namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

PhotoPerson to_person(const vision::PoseLandmarks& lm) {
  PhotoPerson p;
  p.score = lm.detection.score;
  p.pose_score = lm.pose_score;
  const auto& names = vision::blazepose_landmark_names();
  for (int i = 0; i < vision::kBlazePoseNamed; ++i) {
    p.landmarks.push_back({names[i], lm.image[i].position.x(), lm.image[i].position.y(), lm.image[i].visibility});
    p.world.push_back({lm.world[i].x(), lm.world[i].y(), lm.world[i].z()});
  }
  const double h = lm.region.size / 2;
  p.box = {lm.region.center.x() - h, lm.region.center.y() - h, lm.region.center.x() + h, lm.region.center.y() + h};
  return p;
}

}  // namespace

struct PhotoEngine::Impl {
  std::mutex mutex;
  vision::BlazePose blazepose;
  vision::FitOptions fit;
  vision::PoseLifter lifter{nullptr};
  Impl(const std::string& d, const std::string& l) : blazepose(d, l) { fit.picture_plane_weight = kDefaultPicturePlaneWeight; }
};

PhotoEngine::PhotoEngine(const std::string& detector_dir, const std::string& landmark_dir) : impl_(std::make_unique<Impl>(detector_dir, landmark_dir)) {
  // The shipped lifter when there is one (a damaged one is an error naming its file, not a silent fallback).
  if (std::filesystem::exists(default_lifter() + "/config.json")) set_lifter(default_lifter(), kDefaultLiftWeight);
}
PhotoEngine::~PhotoEngine() = default;

void PhotoEngine::set_reprojection_weight(double weight) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->fit.reprojection_weight = std::max(0.0, weight);
}

namespace {
void check_lift_weight(double weight) {
  if (!std::isfinite(weight) || weight < 0 || weight > 1) throw Error("the lifter's weight must be within 0..1");
}
}  // namespace

void PhotoEngine::set_picture_plane_weight(double weight) {
  if (!std::isfinite(weight) || weight < 0 || weight > 1) throw Error("the picture-plane weight must be within 0..1");
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->fit.picture_plane_weight = weight;
}

void PhotoEngine::set_lifter(const std::string& dir, double weight, bool trunk_from_landmarks) {
  check_lift_weight(weight);
  vision::PoseLifter lifter{nullptr};
  if (!dir.empty()) lifter = vision::load_lifter_bundle(dir);
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->lifter = lifter;
  impl_->fit.lift_weight = weight;
  impl_->fit.lift_trunk_from_landmarks = trunk_from_landmarks;
}

void PhotoEngine::set_lift_blend(double weight, bool trunk_from_landmarks) {
  check_lift_weight(weight);
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (!impl_->lifter) throw Error("no lifter is loaded (" + default_lifter() + " is absent): give one with --lifter DIR");
  impl_->fit.lift_weight = weight;
  impl_->fit.lift_trunk_from_landmarks = trunk_from_landmarks;
}

std::string PhotoEngine::default_lifter() { return Engine::models_dir() + "/pose_lifter"; }

std::string PhotoEngine::default_detector() { return Engine::models_dir() + "/blazepose_detector"; }
std::string PhotoEngine::default_landmarks() { return Engine::models_dir() + "/blazepose_full"; }

namespace {
// Landmarks of the detections in order, skipping those the landmark model does not take for a person, until
// `wanted` people are found (all when wanted < 0).
std::vector<vision::PoseLandmarks> real_people(const vision::BlazePose& bp, const image::Image& picture, const std::vector<vision::PersonDetection>& found, int wanted) {
  std::vector<vision::PoseLandmarks> out;
  for (const auto& d : found) {
    auto lm = bp.landmarks(picture, d);
    if (lm.pose_score < 0.5) continue;
    out.push_back(std::move(lm));
    if (wanted >= 0 && static_cast<int>(out.size()) >= wanted) break;
  }
  return out;
}
}  // namespace

std::vector<PhotoPerson> PhotoEngine::people(const image::Image& picture, bool tiles) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  std::vector<PhotoPerson> out;
  for (const auto& lm : real_people(impl_->blazepose, picture, impl_->blazepose.detect(picture, 0.5, tiles), -1)) out.push_back(to_person(lm));
  return out;
}

namespace {
PhotoEstimate fitted(const vision::PoseLandmarks& lm, vision::FitOptions options, vision::PoseLifter& lifter) {
  PhotoEstimate e;
  const auto t0 = std::chrono::steady_clock::now();
  if (lifter) options.lifted = vision::lift(lifter, lm);
  const auto fit = vision::fit_pose(lm, options);
  e.fit_ms = ms_since(t0);
  e.person = to_person(lm);
  e.pose = fit.pose;
  e.reprojection_px = fit.reprojection_px;
  e.direction_error_deg = fit.direction_error_deg;
  for (int j = 0; j < 22; ++j) e.projected[j] = {fit.projected[j].x(), fit.projected[j].y()};
  return e;
}
}  // namespace

PhotoEstimate PhotoEngine::estimate(const image::Image& picture, int index, bool tiles) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (index < 0) throw Error("person " + std::to_string(index) + " asked (0 is the largest)");
  auto t0 = std::chrono::steady_clock::now();
  const auto found = impl_->blazepose.detect(picture, 0.5, tiles);
  const double detect_ms = ms_since(t0);
  t0 = std::chrono::steady_clock::now();
  // The landmark model runs on detections in order until the person asked for is reached.
  const auto people = real_people(impl_->blazepose, picture, found, index + 1);
  const double landmarks_ms = ms_since(t0);
  if (people.empty()) throw Error("no person found in the picture");
  if (index >= static_cast<int>(people.size()))
    throw Error("person " + std::to_string(index) + " asked, but " + std::to_string(people.size()) + (people.size() == 1 ? " person was" : " people were") +
                " found (0 is the largest)");
  PhotoEstimate e = fitted(people[index], impl_->fit, impl_->lifter);
  e.person_index = index;
  e.detected = static_cast<int>(found.size());
  e.detect_ms = detect_ms;
  e.landmarks_ms = landmarks_ms;
  return e;
}

std::vector<PhotoEstimate> PhotoEngine::estimate_all(const image::Image& picture, bool tiles) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto t0 = std::chrono::steady_clock::now();
  const auto found = impl_->blazepose.detect(picture, 0.5, tiles);
  const double detect_ms = ms_since(t0);
  t0 = std::chrono::steady_clock::now();
  const auto people = real_people(impl_->blazepose, picture, found, -1);
  const double landmarks_ms = ms_since(t0);
  std::vector<PhotoEstimate> out;
  for (std::size_t i = 0; i < people.size(); ++i) {
    PhotoEstimate e = fitted(people[i], impl_->fit, impl_->lifter);
    e.person_index = static_cast<int>(i);
    e.detected = static_cast<int>(found.size());
    e.detect_ms = detect_ms;
    e.landmarks_ms = landmarks_ms;
    out.push_back(std::move(e));
  }
  return out;
}

PhotoPerson PhotoEngine::person_in_box(const image::Image& picture, const std::array<double, 4>& box) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  vision::BodyRegion r;
  r.center = {(box[0] + box[2]) / 2, (box[1] + box[3]) / 2};
  r.size = std::max(box[2] - box[0], box[3] - box[1]) * 1.25;
  r.rotation = 0;
  return to_person(impl_->blazepose.landmarks_in(picture, r));
}

const std::vector<std::pair<int, int>>& photo_landmark_bones() {
  static const std::vector<std::pair<int, int>> b = {{11, 12}, {11, 13}, {13, 15}, {12, 14}, {14, 16}, {11, 23}, {12, 24}, {23, 24}, {23, 25},
                                                     {25, 27}, {27, 29}, {29, 31}, {27, 31}, {24, 26}, {26, 28}, {28, 30}, {30, 32}, {28, 32},
                                                     {0, 2},   {0, 5},   {2, 7},   {5, 8},   {9, 10},  {15, 19}, {16, 20}};
  return b;
}

const std::vector<std::pair<int, int>>& body_joint_bones() {
  static const std::vector<std::pair<int, int>> b = [] {
    std::vector<std::pair<int, int>> v;
    const auto parents = body::smpl_parents();
    for (int j = 1; j < 22; ++j) v.emplace_back(parents[j], j);
    return v;
  }();
  return b;
}

image::Image draw_overlay(const image::Image& picture, const PhotoPerson& person, const std::array<std::array<double, 2>, 22>* projected) {
  image::Image out = picture;
  const double scale = std::max(1.0, std::max(picture.width, picture.height) / 640.0);
  const int thick = static_cast<int>(std::lround(2 * scale));
  auto side_colour = [](const std::string& name) -> std::array<std::uint8_t, 3> {
    if (name.rfind("left", 0) == 0) return {255, 140, 0};
    if (name.rfind("right", 0) == 0) return {30, 144, 255};
    return {240, 240, 240};
  };
  const auto& l = person.landmarks;
  if (l.size() >= 33) {
    for (const auto& [a, b] : photo_landmark_bones()) {
      if (l[a].visibility < 0.3 || l[b].visibility < 0.3) continue;
      const auto colour = l[a].name.rfind("right", 0) == 0 && l[b].name.rfind("right", 0) == 0 ? side_colour("right")
                          : l[a].name.rfind("left", 0) == 0 && l[b].name.rfind("left", 0) == 0   ? side_colour("left")
                                                                                                    : side_colour("");
      image::draw_line(out, l[a].x, l[a].y, l[b].x, l[b].y, colour, thick);
    }
    for (const auto& m : l)
      if (m.visibility >= 0.3) image::draw_disc(out, m.x, m.y, 2.5 * scale, side_colour(m.name));
  }
  if (projected) {
    for (const auto& [a, b] : body_joint_bones()) image::draw_line(out, (*projected)[a][0], (*projected)[a][1], (*projected)[b][0], (*projected)[b][1], {255, 255, 255}, std::max(1, thick / 2));
    for (const auto& p : *projected) image::draw_disc(out, p[0], p[1], 2 * scale, {255, 255, 255});
  }
  return out;
}

Placement place_in_picture(const pose::Pose& pose, const PhotoPerson& person) {
  if (person.landmarks.size() < 33) throw Error("a person needs BlazePose's 33 landmarks to be placed in the picture");
  static const auto body = body::make_mannequin();
  const auto posed = body->posed_joints(pose);
  const auto& pairs = vision::limb_joint_pairs();
  std::vector<Eigen::Vector3d> from;
  std::vector<Eigen::Vector2d> to;
  std::vector<double> weight;
  for (const auto& [joint, mark] : pairs) {
    from.push_back(posed[joint] - posed[0]);
    const auto& l = person.landmarks[mark];
    to.emplace_back(l.x, l.y);
    weight.push_back(std::clamp(l.visibility, 0.05, 1.0));
  }
  auto turn = [](double yaw, double pitch, double roll) {
    return (Eigen::AngleAxisd(roll, Eigen::Vector3d::UnitZ()) * Eigen::AngleAxisd(pitch, Eigen::Vector3d::UnitX()) *
            Eigen::AngleAxisd(yaw, Eigen::Vector3d::UnitY()))
        .toRotationMatrix();
  };
  // For one turn: the best scale and shift in closed form (weighted least squares), and the weighted squared error.
  struct Camera {
    Eigen::Matrix3d turn;
    double scale = 0;
    Eigen::Vector2d shift = Eigen::Vector2d::Zero();
    double error = std::numeric_limits<double>::infinity();
  };
  auto camera_for = [&](const Eigen::Matrix3d& r) {
    Camera c;
    c.turn = r;
    std::vector<Eigen::Vector2d> a;
    Eigen::Vector2d ma = Eigen::Vector2d::Zero(), mb = Eigen::Vector2d::Zero();
    double w = 0;
    for (std::size_t i = 0; i < from.size(); ++i) {
      const Eigen::Vector3d q = r * from[i];
      a.emplace_back(q.x(), -q.y());  // picture y grows downwards
      ma += weight[i] * a.back(), mb += weight[i] * to[i], w += weight[i];
    }
    ma /= w, mb /= w;
    double num = 0, den = 0;
    for (std::size_t i = 0; i < a.size(); ++i) num += weight[i] * (a[i] - ma).dot(to[i] - mb), den += weight[i] * (a[i] - ma).squaredNorm();
    if (den <= 0 || num <= 0) return c;  // seen this way the body is the landmarks' mirror image: no camera
    c.scale = num / den;
    c.shift = mb - c.scale * ma;
    c.error = 0;
    for (std::size_t i = 0; i < a.size(); ++i) c.error += weight[i] * (c.scale * a[i] + c.shift - to[i]).squaredNorm();
    return c;
  };
  constexpr double kDeg = 3.14159265358979323846 / 180;
  Camera best;
  double yaw = 0, pitch = 0, roll = 0;
  for (int y = 0; y < 360; y += 15)
    for (int p = -75; p <= 75; p += 15)
      for (int r = -180; r < 180; r += 15) {
        const auto c = camera_for(turn(y * kDeg, p * kDeg, r * kDeg));
        if (c.error < best.error) best = c, yaw = y * kDeg, pitch = p * kDeg, roll = r * kDeg;
      }
  for (double step = 7.5 * kDeg; step > 0.2 * kDeg; step /= 2) {
    bool moved = true;
    while (moved) {
      moved = false;
      for (int axis = 0; axis < 3; ++axis)
        for (const double sign : {-1.0, 1.0}) {
          double v[3] = {yaw, pitch, roll};
          v[axis] += sign * step;
          const auto c = camera_for(turn(v[0], v[1], v[2]));
          if (c.error < best.error - 1e-9) best = c, yaw = v[0], pitch = v[1], roll = v[2], moved = true;
        }
    }
  }
  Placement out;
  if (!std::isfinite(best.error)) throw Error("the pose cannot be laid over the person's landmarks (they coincide)");
  for (int j = 0; j < 22; ++j) {
    const Eigen::Vector3d q = best.turn * (posed[j] - posed[0]);
    const Eigen::Vector2d p = best.scale * Eigen::Vector2d(q.x(), -q.y()) + best.shift;
    out.joints[j] = {p.x(), p.y()};
  }
  out.turned = pose;
  const Eigen::Vector3d g = pose.rotations[body::kPelvis];
  const Eigen::Matrix3d global = g.norm() > 0 ? Eigen::AngleAxisd(g.norm(), g.normalized()).toRotationMatrix() : Eigen::Matrix3d::Identity();
  const Eigen::AngleAxisd now(best.turn * global);
  out.turned.rotations[body::kPelvis] = now.angle() * now.axis();
  for (std::size_t i = 0; i < pairs.size(); ++i)
    out.reprojection_px += std::hypot(out.joints[pairs[i].first][0] - to[i].x(), out.joints[pairs[i].first][1] - to[i].y()) / pairs.size();
  return out;
}

}  // namespace unipose::engine
