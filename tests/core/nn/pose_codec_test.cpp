#include "core/nn/pose_codec.h"

#include <gtest/gtest.h>

#include "core/body/body_model.h"
#include "core/body/kinematics.h"
#include "core/body/mannequin.h"
#include "core/error.h"
#include "core/nn/module_io.h"
#include "core/pose/frame.h"
#include "core/pose/pose_io.h"
#include "core/pose/sampler.h"
#include "tiny_models.h"

namespace unipose::nn {
namespace {

PoseCodec small_codec() {
  torch::manual_seed(5);
  PoseVqVae vq(unipose::testing::tiny_vqvae_config(32, 2));
  pose::PoseSampler sampler(1);
  std::vector<pose::Pose> poses;
  for (int i = 0; i < 64; ++i) poses.push_back(sampler.sample().pose);
  vq->forward(poses_to_rot6d(poses));  // codebooks start on the data
  return PoseCodec(vq);
}

std::string sample(const std::string& name) { return std::string(UNIPOSE_SOURCE_DIR) + "/resources/poses/" + name; }

TEST(PoseCodec, APoseHasTheSameCodesWhicheverWayItFaces) {
  auto codec = small_codec();
  const auto walking = pose::read_pose(sample("walking.json"));
  const auto codes = codec.encode(walking);
  ASSERT_EQ(codes.size(), 8u);
  for (const double yaw : {0.5, -1.7, 3.1}) {
    pose::Pose p = pose::turned(walking, yaw);
    p.transl = Eigen::Vector3d(2, 0.5, -1);
    EXPECT_EQ(codec.encode(p), codes) << yaw;
  }
  // Diff-style: a pose coded in another pose's frame keeps the difference of headings.
  const double heading = pose::pose_frame(walking).yaw;
  EXPECT_EQ(codec.encode(pose::turned(walking, 0.9), heading + 0.9), codes);
  // A batch codes every pose as one call would.
  pose::PoseSampler sampler(7);
  std::vector<pose::Pose> poses;
  for (int i = 0; i < 5; ++i) poses.push_back(pose::turned(sampler.sample().pose, 0.4 * i));
  double last = -1;
  const auto all = codec.encode_all(poses, [&last](double f) { last = f; });
  ASSERT_EQ(all.size(), poses.size());
  for (size_t i = 0; i < poses.size(); ++i) EXPECT_EQ(all[i], codec.encode(poses[i])) << i;
  EXPECT_EQ(last, 1.0);
}

TEST(PoseCodec, DecodingChecksTheCodesAndScores) {
  auto codec = small_codec();
  const auto codes = codec.encode(pose::read_pose(sample("sitting.json")));
  const auto p = codec.decode(codes);
  // Scores that put everything on the codes decode to the same pose.
  auto scores = torch::full({8, 32}, -30.0);
  for (int i = 0; i < 8; ++i) scores[i][codes[i]] = 30.0;
  EXPECT_LT(pose::max_rotation_difference(codec.decode_scores(scores), p), 1e-5);
  EXPECT_LT(pose::max_rotation_difference(codec.decode_scores(scores, false), p), 1e-5);
  // Two codes equally likely at the coarse level of the first position: its best code, or the mean of both.
  auto unsure = scores.clone();
  unsure[0][codes[0]] = 0.0;
  unsure[0][(codes[0] + 1) % 32] = 0.0;
  EXPECT_GT(pose::max_rotation_difference(codec.decode_scores(unsure, true), codec.decode_scores(unsure, false)), 1e-4);
  auto message = [&](const std::function<void()>& fn) {
    try {
      fn();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(message([&] { codec.decode({1, 2, 3}); }).find("3 codes given, the pose tokenizer needs exactly 8"), std::string::npos);
  EXPECT_NE(message([&] { codec.decode({1, 2, 3, 4, 5, 6, 7, 32}); }).find("code 32 is outside the codebook (0..31)"), std::string::npos);
  EXPECT_NE(message([&] { codec.decode({1, 2, -1}); }).find("code -1 is outside the codebook"), std::string::npos);
  EXPECT_NE(message([&] { codec.decode_scores(torch::zeros({8, 31})); }).find("[8, 32]"), std::string::npos);
  pose::Pose broken;
  broken.rotations[3].y() = std::numeric_limits<double>::infinity();
  EXPECT_NE(message([&] { codec.encode(broken, "pose A"); }).find("pose A: rotation of joint 'spine1'"), std::string::npos);
}

TEST(PoseCodec, DecodedPosesArePutWhereTheInputStood) {
  const auto sitting = pose::read_pose(sample("sitting.json"));
  pose::Pose input = pose::turned(sitting, 1.2);
  input.transl = Eigen::Vector3d(0.4, 3.0, -0.6);
  input.betas = {0.5, -0.2};
  const auto placed = PoseCodec::like_input(sitting, input, 1.2);
  EXPECT_LT(pose::max_rotation_difference(placed, pose::turned(sitting, 1.2)), 1e-12);
  EXPECT_EQ(placed.betas, input.betas);
  ASSERT_TRUE(placed.transl);
  EXPECT_EQ(placed.transl->x(), 0.4);
  EXPECT_EQ(placed.transl->z(), -0.6);
  const auto lowest = [](const pose::Pose& p) {
    double low = 1e9;
    for (const auto& j : body::posed_joint_positions(p, body::mannequin_rest_joints())) low = std::min(low, j.y());
    return low;
  };
  const double floor = body::mannequin_rest_joints()[body::kLeftFoot].y();
  EXPECT_NEAR(lowest(placed), floor, 1e-9);
  const auto standing = PoseCodec::on_floor(pose::turned(sitting, 0.3));
  EXPECT_NEAR(lowest(standing), floor, 1e-9);
  EXPECT_EQ(standing.transl->x(), 0);
}

}  // namespace
}  // namespace unipose::nn
