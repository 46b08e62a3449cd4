#include "core/engine/openpose.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace unipose::engine {
namespace {

struct Scene {
  std::unique_ptr<body::BodyModel> body = body::make_mannequin();
  body::PoseParameters pose;  // the T-pose, facing +z
  data::RenderCamera camera(const std::string& view) const { return openpose_view(body->posed_mesh(pose), view, 512, 512); }
};

TEST(OpenPose, Body25SeenFromTheFront) {
  Scene s;
  const auto k = openpose_keypoints(*s.body, s.pose, s.camera("front"), OpenPoseLayout::Body25);
  ASSERT_EQ(k.size(), 25u);
  for (const auto& p : k) EXPECT_EQ(p[2], 1.0);  // all 25 in view
  // Facing the camera, the person's right hand (4) is on the picture's left, the left hand (7) on its right.
  EXPECT_LT(k[4][0], k[1][0] - 100);
  EXPECT_GT(k[7][0], k[1][0] + 100);
  // The neck is the middle of the shoulders; the nose above it, the eyes above the nose, the mid-hip below.
  EXPECT_NEAR(k[1][0], 0.5 * (k[2][0] + k[5][0]), 1.0);
  EXPECT_LT(k[0][1], k[1][1]);
  EXPECT_LT(k[15][1], k[0][1]);
  EXPECT_GT(k[8][1], k[1][1]);
  // Feet: toes and heels near the ankles, below them.
  for (const int toe : {19, 20, 21, 22, 23, 24}) EXPECT_GT(k[toe][1], k[1][1] + 150);
}

TEST(OpenPose, FacePointsTurnedAwayAreLeftOut) {
  Scene s;
  // The camera at the body's left side: the right ear and eye are hidden.
  const auto k = openpose_keypoints(*s.body, s.pose, s.camera("left"), OpenPoseLayout::Body25);
  EXPECT_EQ(k[17][2], 0.0);  // right ear
  EXPECT_EQ(k[17][0], 0.0);
  EXPECT_EQ(k[15][2], 0.0);  // right eye
  EXPECT_EQ(k[18][2], 1.0);  // left ear
  const auto back = openpose_keypoints(*s.body, s.pose, s.camera("back"), OpenPoseLayout::Body25);
  EXPECT_EQ(back[0][2], 0.0);  // no nose from behind
  EXPECT_EQ(back[4][2], 1.0);
  EXPECT_GT(back[4][0], back[1][0]);  // from behind, the right hand is on the picture's right
}

TEST(OpenPose, Coco18IsBody25WithoutMidHipAndFeet) {
  Scene s;
  const auto cam = s.camera("front-left");
  const auto b = openpose_keypoints(*s.body, s.pose, cam, OpenPoseLayout::Body25);
  const auto c = openpose_keypoints(*s.body, s.pose, cam, OpenPoseLayout::Coco18);
  ASSERT_EQ(c.size(), 18u);
  const int from[18] = {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
  for (int i = 0; i < 18; ++i) EXPECT_EQ(c[i], b[from[i]]) << i;
}

TEST(OpenPose, JsonHasTheOfficialLayout) {
  Scene s;
  const auto k = openpose_keypoints(*s.body, s.pose, s.camera("left"), OpenPoseLayout::Body25);
  const auto j = nlohmann::json::parse(openpose_json(k, 512, 512));
  ASSERT_TRUE(j.contains("people"));
  ASSERT_EQ(j["people"].size(), 1u);
  const auto& flat = j["people"][0]["pose_keypoints_2d"];
  ASSERT_EQ(flat.size(), 75u);
  EXPECT_EQ(flat[17 * 3].get<double>(), 0.0);  // a missing point is 0, 0, 0
  EXPECT_EQ(flat[17 * 3 + 2].get<double>(), 0.0);
  EXPECT_TRUE(j["people"][0]["face_keypoints_2d"].empty());
  EXPECT_EQ(j["canvas_width"].get<int>(), 512);
}

TEST(OpenPose, ControlNetPictureColoursAndOrder) {
  Scene s;
  const auto k = openpose_keypoints(*s.body, s.pose, s.camera("front"), OpenPoseLayout::Coco18);
  const auto img = controlnet_pose_image(k, 512, 512);
  auto rgb = [&](double x, double y) {
    const auto* p = img.pixel(static_cast<int>(x), static_cast<int>(y));
    return std::array<int, 3>{p[0], p[1], p[2]};
  };
  EXPECT_EQ(rgb(2, 2), (std::array<int, 3>{0, 0, 0}));
  // Keypoints are drawn last, in their own colour: the right wrist (4) yellow-green.
  EXPECT_EQ(rgb(k[4][0], k[4][1]), (std::array<int, 3>{170, 255, 0}));
  // The right forearm (limb 3, elbow 3 to wrist 4) in 60 % of limb 3's colour (255, 255, 0).
  EXPECT_EQ(rgb(0.5 * (k[3][0] + k[4][0]), 0.5 * (k[3][1] + k[4][1])), (std::array<int, 3>{153, 153, 0}));
  // A missing point draws neither itself nor its limbs.
  auto missing = k;
  missing[4] = {0, 0, 0};
  const auto img2 = controlnet_pose_image(missing, 512, 512);
  const auto* p = img2.pixel(static_cast<int>(k[4][0]), static_cast<int>(k[4][1]));
  EXPECT_EQ(p[0] + p[1] + p[2], 0);
  EXPECT_THROW(controlnet_pose_image(OpenPoseKeypoints(17), 512, 512), Error);
}

TEST(OpenPose, ViewsAreReadOrRefused) {
  Scene s;
  const auto mesh = s.body->posed_mesh(s.pose);
  EXPECT_NO_THROW(openpose_view(mesh, "30,10", 256, 256));
  for (const char* bad : {"sideways", "30", "30,", "30,95", "nan,3", "1,2,3"}) EXPECT_THROW(openpose_view(mesh, bad, 256, 256), Error) << bad;
}

}  // namespace
}  // namespace unipose::engine
