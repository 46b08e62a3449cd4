#include "core/vision/blazepose.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/engine/engine.h"
#include "core/error.h"
#include "core/pose/joint_limits.h"
#include "core/vision/convert.h"
#include "core/vision/fit.h"

namespace unipose::vision {
namespace {

std::string models() { return engine::Engine::models_dir(); }

const BlazePose& blazepose() {
  static const BlazePose bp(models() + "/blazepose_detector", models() + "/blazepose_full");
  return bp;
}

TEST(BlazePose, FindsTheLabelledPersonOfARealPhotoAndFitsAPoseInsideTheLimits) {
  const std::string photo = std::string(UNIPOSE_SOURCE_DIR) + "/../shared/data/photos/mpii_004645041.jpg";
  if (!std::filesystem::exists(photo)) GTEST_SKIP() << "../shared/data/photos is absent: no real photo to test BlazePose on";
  const auto picture = image::read_image(photo);
  const auto people = blazepose().detect(picture);
  ASSERT_EQ(people.size(), 1u);
  const auto lm = blazepose().landmarks(picture, people[0], true);
  EXPECT_GT(lm.pose_score, 0.9);
  // Hand-labelled in keypoints.json (MPII): left shoulder (889, 328), right wrist (698, 264), left hip (868, 509).
  // PCK@0.2 of the person's box (200 x scale = 650 px) would allow 130 px; these hold to 40.
  EXPECT_LT((lm.image[blazepose_landmark("left_shoulder")].position.head<2>() - Eigen::Vector2d(889, 328)).norm(), 40);
  EXPECT_LT((lm.image[blazepose_landmark("right_wrist")].position.head<2>() - Eigen::Vector2d(698, 264)).norm(), 40);
  EXPECT_LT((lm.image[blazepose_landmark("left_hip")].position.head<2>() - Eigen::Vector2d(868, 509)).norm(), 40);
  // World landmarks are metres around the hips: shoulders 0.25 to 0.45 m apart.
  const double shoulders = (lm.world[11] - lm.world[12]).norm();
  EXPECT_GT(shoulders, 0.25);
  EXPECT_LT(shoulders, 0.45);
  // The feature grid of the visual branch: 288 channels on 8 x 8.
  EXPECT_EQ(lm.features.sizes(), (std::vector<std::int64_t>{288, 8, 8}));
  const FitResult fit = fit_pose(lm);
  EXPECT_LT(fit.direction_error_deg, 8);
  EXPECT_LT(fit.reprojection_px, 30);
  EXPECT_TRUE(pose::check_limits(fit.pose, 1e-3).empty());
  // The right wrist is raised above the head in the photo; the fitted right wrist is above the head too.
  const auto wrist = fit.projected[body::kRightWrist], head = fit.projected[body::kHead];
  EXPECT_LT(wrist.y(), head.y());
}

TEST(BlazePose, APersonTurnedOnTheirSideMapsBackToThePicture) {
  const std::string photo = std::string(UNIPOSE_SOURCE_DIR) + "/../shared/data/photos/mpii_004645041.jpg";
  if (!std::filesystem::exists(photo)) GTEST_SKIP() << "../shared/data/photos is absent: no real photo to test BlazePose on";
  const auto upright = image::read_image(photo);
  // Turned a quarter clockwise: output (x, y) shows input (y, H - 1 - x); a labelled (x, y) lands at (H - 1 - y, x).
  const int h = upright.height;
  const auto turned = image::warp_affine(upright, {0, 1, 0, -1, 0, static_cast<double>(h - 1)}, upright.height, upright.width);
  const auto people = blazepose().detect(turned);
  ASSERT_FALSE(people.empty());
  const auto lm = blazepose().landmarks(turned, people[0]);
  EXPECT_GT(std::abs(lm.region.rotation), 1.0);  // the crop is turned to stand the person up
  auto at = [&](double x, double y) { return Eigen::Vector2d(h - 1 - y, x); };
  EXPECT_LT((lm.image[blazepose_landmark("left_shoulder")].position.head<2>() - at(889, 328)).norm(), 40);
  EXPECT_LT((lm.image[blazepose_landmark("right_wrist")].position.head<2>() - at(698, 264)).norm(), 40);
  EXPECT_LT((lm.image[blazepose_landmark("left_hip")].position.head<2>() - at(868, 509)).norm(), 40);
}

TEST(BlazePose, AnEmptyPictureHasNobodyAndBadRegionsAreRefused) {
  image::Image grey;
  grey.width = 300;
  grey.height = 200;
  grey.rgb.assign(300 * 200 * 3, 128);
  EXPECT_TRUE(blazepose().detect(grey).empty());
  EXPECT_TRUE(blazepose().detect(grey, 0.5, true).empty());
  BodyRegion r;
  r.center = {10, 10};
  r.size = 0;
  EXPECT_THROW(blazepose().landmarks_in(grey, r), Error);
  EXPECT_THROW(blazepose().detect(image::Image{}), Error);
}

TEST(BlazePose, ABundleThatIsNotBlazePoseIsRefused) {
  EXPECT_THROW(BlazePose(models() + "/blazepose_full", models() + "/blazepose_full"), Error);
  EXPECT_THROW(BlazePose(models() + "/pose_tokenizer", models() + "/blazepose_full"), Error);
}

}  // namespace
}  // namespace unipose::vision
