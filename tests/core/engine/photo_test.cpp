#include "core/engine/photo.h"

#include <gtest/gtest.h>

#include <Eigen/Geometry>

#include "core/body/body_model.h"
#include "core/error.h"
#include "core/vision/fit.h"

namespace unipose::engine {
namespace {

// A person whose limb landmarks are a pose's joints seen turned and scaled (a weak camera), the other landmarks
// barely visible somewhere else: place_in_picture finds the turn and camera again.
TEST(PlaceInPicture, FindsTheTurnAndCameraThatDrewThePose) {
  const auto body = body::make_mannequin();
  pose::Pose p;
  p.rotations[body::kPelvis] = Eigen::Vector3d(0.25, -0.4, 0.1);  // leaning and turned: the turn composes with it
  p.rotations[body::kLeftShoulder] = Eigen::Vector3d(0, 0, -1.1);
  p.rotations[body::kRightElbow] = Eigen::Vector3d(0, 1.2, 0);
  p.rotations[body::kLeftHip] = Eigen::Vector3d(-0.9, 0, 0);
  p.rotations[body::kLeftKnee] = Eigen::Vector3d(1.3, 0, 0);
  const auto joints = body->posed_joints(p);
  const Eigen::Matrix3d turn = (Eigen::AngleAxisd(0.3, Eigen::Vector3d::UnitZ()) * Eigen::AngleAxisd(0.2, Eigen::Vector3d::UnitX()) *
                                Eigen::AngleAxisd(2.0, Eigen::Vector3d::UnitY()))
                                   .toRotationMatrix();
  auto seen = [&](int j) {
    const Eigen::Vector3d q = turn * (joints[j] - joints[0]);
    return Eigen::Vector2d(320 + 250 * q.x(), 240 - 250 * q.y());
  };
  PhotoPerson person;
  person.landmarks.assign(33, PhotoLandmark{"other", 10, 10, 0.1});
  for (const auto& [joint, mark] : vision::limb_joint_pairs()) {
    const auto at = seen(joint);
    person.landmarks[mark] = PhotoLandmark{"limb", at.x(), at.y(), 1.0};
  }
  const auto placed = place_in_picture(p, person);
  EXPECT_LT(placed.reprojection_px, 2.0);
  for (int j = 0; j < 22; ++j) {
    EXPECT_NEAR(placed.joints[j][0], seen(j).x(), 3.0) << j;
    EXPECT_NEAR(placed.joints[j][1], seen(j).y(), 3.0) << j;
  }
  // The pose comes back turned as it was seen: its global orientation is the turn after its own (within a degree).
  auto matrix = [](const Eigen::Vector3d& v) { return Eigen::AngleAxisd(v.norm(), v.normalized()).toRotationMatrix(); };
  const Eigen::Matrix3d want = turn * matrix(p.rotations[body::kPelvis]);
  EXPECT_LT(Eigen::AngleAxisd(matrix(placed.turned.rotations[body::kPelvis]).transpose() * want).angle(), 1.0 * 3.14159265358979323846 / 180);
  EXPECT_EQ(placed.turned.rotations[body::kLeftKnee], p.rotations[body::kLeftKnee]);
  // Another pose (the T-pose) cannot be laid over these landmarks as well.
  EXPECT_GT(place_in_picture(pose::Pose{}, person).reprojection_px, 10.0);
  // Upside down (a handstand seen from the side) is found too.
  const Eigen::Matrix3d upside_down = (Eigen::AngleAxisd(3.0, Eigen::Vector3d::UnitZ()) * Eigen::AngleAxisd(1.4, Eigen::Vector3d::UnitY())).toRotationMatrix();
  for (const auto& [joint, mark] : vision::limb_joint_pairs()) {
    const Eigen::Vector3d q = upside_down * (joints[joint] - joints[0]);
    person.landmarks[mark] = PhotoLandmark{"limb", 320 + 250 * q.x(), 240 - 250 * q.y(), 1.0};
  }
  EXPECT_LT(place_in_picture(p, person).reprojection_px, 2.0);
  // Without BlazePose's 33 landmarks there is nothing to lay it over.
  person.landmarks.resize(12);
  EXPECT_THROW(place_in_picture(p, person), Error);
}

}  // namespace
}  // namespace unipose::engine
