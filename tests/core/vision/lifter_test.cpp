#include "core/vision/lifter.h"

#include <gtest/gtest.h>

#include <Eigen/Geometry>

#include <algorithm>
#include <cmath>

#include "core/body/body_model.h"
#include "core/body/mannequin.h"
#include "core/error.h"
#include "core/pose/sampler.h"
#include "core/vision/fit.h"

namespace unipose::vision {
namespace {

// The body joints of a pose, pelvis at the origin.
std::array<Eigen::Vector3d, 22> rooted_joints(const pose::Pose& p) {
  const auto j = body::posed_joint_positions(p, body::mannequin_rest_joints());
  std::array<Eigen::Vector3d, 22> out;
  for (int k = 0; k < 22; ++k) out[k] = j[k] - j[0];
  return out;
}

// 39 landmarks, all seen, at one place: the tests set those they need.
PoseLandmarks blank_landmarks() {
  PoseLandmarks lm;
  lm.image.resize(kBlazePoseLandmarks);
  lm.world.assign(kBlazePoseLandmarks, Eigen::Vector3d::Zero());
  for (auto& l : lm.image) {
    l.position = Eigen::Vector3d(200, 200, 0);
    l.visibility = 1;
  }
  return lm;
}

// Landmarks whose world points say nothing (all at one place) and whose image points are the truth's
// projection: with lift_weight 1 the fit must take the pose from the lifted joints alone.
TEST(Fit, FollowsTheLiftedJointsWhenTheyAreTrusted) {
  pose::PoseSampler sampler(8);
  for (const char* family : {"sitting_chair", "walking", "kneeling"}) {
    pose::Pose truth_pose = sampler.sample(family).pose;
    truth_pose.rotations[body::kPelvis] = Eigen::Vector3d(0, 0.7, 0);  // turned 40 degrees from the camera
    const auto truth = rooted_joints(truth_pose);
    PoseLandmarks lm = blank_landmarks();
    for (const auto& [smpl, blaze] : limb_joint_pairs()) lm.image[blaze].position = Eigen::Vector3d(200 + 100 * truth[smpl].x(), 200 - 100 * truth[smpl].y(), 0);
    FitOptions o;
    o.lifted = truth;
    o.lift_weight = 1;
    const auto fit = fit_pose(lm, o);
    const auto f = body::posed_joint_positions(fit.pose, body::mannequin_rest_joints());
    double err = 0;
    for (int k = 0; k < 22; ++k) err += ((f[k] - f[0]) - truth[k]).norm();
    EXPECT_LT(err / 22, 0.04) << family << ": mean joint error " << err / 22 << " m";
    // The weak camera lays the fitted limbs on the image points (scale 100 px per metre).
    EXPECT_LT(fit.reprojection_px, 4) << family;
    EXPECT_NEAR(fit.scale, 100, 8) << family;
  }
}

// How the body stands to the camera comes from the world landmarks' trunk by default, the limbs from the lifter.
TEST(Fit, TakesTheTrunkFromTheLandmarksAndTheLimbsFromTheLifter) {
  pose::PoseSampler sampler(12);
  const pose::Pose truth_pose = sampler.sample("walking").pose;
  const auto lifted = rooted_joints(truth_pose);
  // The landmarks see the same body turned 40 degrees about the vertical (BlazePose's frame: (x, -y, -z)).
  const Eigen::Matrix3d turn = Eigen::AngleAxisd(0.7, Eigen::Vector3d::UnitY()).toRotationMatrix();
  PoseLandmarks lm = blank_landmarks();
  for (const auto& [smpl, blaze] : limb_joint_pairs()) {
    const Eigen::Vector3d w = turn * lifted[smpl];
    lm.world[blaze] = Eigen::Vector3d(w.x(), -w.y(), -w.z());
  }
  auto mean_error = [&](const FitResult& fit, const Eigen::Matrix3d& r) {
    const auto f = body::posed_joint_positions(fit.pose, body::mannequin_rest_joints());
    double err = 0;
    for (int k = 0; k < 22; ++k) err += ((f[k] - f[0]) - r * lifted[k]).norm();
    return err / 22;
  };
  FitOptions o;
  o.lifted = lifted;
  const auto turned = fit_pose(lm, o);
  EXPECT_LT(mean_error(turned, turn), 0.04);
  o.lift_trunk_from_landmarks = false;
  const auto own = fit_pose(lm, o);
  EXPECT_LT(mean_error(own, Eigen::Matrix3d::Identity()), 0.04);
  EXPECT_GT(mean_error(own, turn), 0.1);
}

// With picture_plane_weight 1 a bone lies across the picture as the 2D landmarks have it, its depth from the
// lifter: a forearm the lifter has turned 60 degrees about the camera's axis comes back where the picture shows it.
TEST(Fit, TakesTheDirectionAcrossThePictureFromThe2DLandmarksWhenAsked) {
  pose::PoseSampler sampler(21);
  const auto truth = rooted_joints(sampler.sample("walking").pose);
  auto lifted = truth;
  const Eigen::Matrix3d spin = Eigen::AngleAxisd(60 * M_PI / 180, Eigen::Vector3d::UnitZ()).toRotationMatrix();
  lifted[body::kRightWrist] = lifted[body::kRightElbow] + spin * (truth[body::kRightWrist] - truth[body::kRightElbow]);
  PoseLandmarks lm = blank_landmarks();
  auto pixel = [](const Eigen::Vector3d& p) { return Eigen::Vector3d(200 + 100 * p.x(), 200 - 100 * p.y(), 0); };
  for (const auto& [smpl, blaze] : limb_joint_pairs()) {
    lm.image[blaze].position = pixel(truth[smpl]);
    lm.world[blaze] = Eigen::Vector3d(truth[smpl].x(), -truth[smpl].y(), -truth[smpl].z());
  }
  for (int ear : {7, 8}) lm.image[ear].position = pixel(truth[body::kHead]), lm.world[ear] = Eigen::Vector3d(truth[body::kHead].x(), -truth[body::kHead].y(), -truth[body::kHead].z());
  auto forearm_error_deg = [&](double weight) {
    FitOptions o;
    o.lifted = lifted;
    o.lift_trunk_from_landmarks = false;
    o.picture_plane_weight = weight;
    const auto f = body::posed_joint_positions(fit_pose(lm, o).pose, body::mannequin_rest_joints());
    const Eigen::Vector3d got = (f[body::kRightWrist] - f[body::kRightElbow]).normalized();
    const Eigen::Vector3d want = (truth[body::kRightWrist] - truth[body::kRightElbow]).normalized();
    return std::acos(std::clamp(got.dot(want), -1.0, 1.0)) * 180 / M_PI;
  };
  EXPECT_GT(forearm_error_deg(0), 40);
  EXPECT_LT(forearm_error_deg(1), 10);
  FitOptions bad;
  bad.picture_plane_weight = std::nan("");
  EXPECT_THROW(fit_pose(lm, bad), Error);
}

TEST(Fit, RefusesANonNumberLiftedJoint) {
  PoseLandmarks lm;
  lm.image.resize(kBlazePoseLandmarks);
  lm.world.assign(kBlazePoseLandmarks, Eigen::Vector3d(0.1, 0.2, 0.3));
  FitOptions o;
  o.lifted = std::array<Eigen::Vector3d, 22>{};
  for (auto& p : *o.lifted) p.setZero();
  (*o.lifted)[5].y() = std::nan("");
  EXPECT_THROW(fit_pose(lm, o), Error);
}

}  // namespace
}  // namespace unipose::vision
