#include "core/pose/pose_io.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "core/body/body_model.h"
#include "core/body/mannequin.h"
#include "core/error.h"
#include "error_of.h"
#include "core/io/files.h"
#include "core/io/npz.h"

namespace unipose::pose {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("unipose_pose_" + std::to_string(::getpid()) + "_" + name)).string();
}

Pose random_pose(unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> n(0, 0.4);
  Pose p;
  for (auto& r : p.rotations) r = Eigen::Vector3d(n(rng), n(rng), n(rng));
  p.transl = Eigen::Vector3d(n(rng), n(rng), n(rng));
  return p;
}

using unipose::testing::error_of;

TEST(PoseJson, ExactFormatRoundTrip) {
  const Pose p = random_pose(1);
  const std::string text = pose_to_json(p);
  EXPECT_NE(text.find("\"format\": \"unipose.pose/1\""), std::string::npos);
  const Pose back = parse_pose_json(text, "mem");
  EXPECT_EQ(back, p);  // doubles are written with round-trip precision
}

TEST(PoseJson, TranslationIsOptional) {
  std::string text = "{\"format\": \"unipose.pose/1\", \"global_orient\": [0, 0, 0.5], \"body_pose\": [";
  for (int i = 0; i < 23; ++i) text += std::string(i ? "," : "") + "[0.1, 0, 0]";
  text += "]}";
  const Pose p = parse_pose_json(text, "mem");
  EXPECT_FALSE(p.transl.has_value());
  EXPECT_DOUBLE_EQ(p.rotations[0].z(), 0.5);
  EXPECT_DOUBLE_EQ(p.rotations[23].x(), 0.1);
}

TEST(PoseJson, BadInputGetsOneClearMessage) {
  auto make = [](int rows, const std::string& value) {
    std::string text = "{\"format\": \"unipose.pose/1\", \"global_orient\": [0, 0, 0], \"body_pose\": [";
    for (int i = 0; i < rows; ++i) text += std::string(i ? "," : "") + "[" + value + ", 0, 0]";
    return text + "]}";
  };
  EXPECT_EQ(error_of([&] { parse_pose_json(make(22, "0"), "p.json"); }),
            "p.json: body_pose must have 23 rows (SMPL joints 1..23), found 22");
  EXPECT_NE(error_of([&] { parse_pose_json(make(23, "NaN"), "p.json"); }).find("p.json: malformed JSON"), std::string::npos);
  EXPECT_NE(error_of([&] { parse_pose_json(make(23, "\"a\""), "p.json"); }).find("body_pose row 1 (left_hip)"), std::string::npos);
  EXPECT_NE(error_of([&] { parse_pose_json(make(23, "1e999"), "p.json"); }).find("p.json"), std::string::npos);
  // Finite in double but no rotation (and inf in float): refused with the joint named.
  EXPECT_EQ(error_of([&] { parse_pose_json(make(23, "1e308"), "p.json"); }),
            "p.json: rotation of joint 'left_hip' has a component of 1e+308 radians; an axis-angle rotation is at most 100 (a few turns)");
  EXPECT_NE(error_of([&] { parse_pose_json("{\"format\": \"unipose.pose/1\", \"global_orient\": [0, 0, 0], \"body_pose\": [" +
                                            [] { std::string r; for (int i = 0; i < 23; ++i) r += std::string(i ? "," : "") + "[0, 0, 0]"; return r; }() +
                                            "], \"transl\": [1e300, 0, 0]}", "p.json"); })
                .find("p.json: transl has a component of 1e+300 m"), std::string::npos);
  EXPECT_NO_THROW(parse_pose_json(make(23, "6.2"), "p.json"));  // a full turn and a bit is still a rotation
  EXPECT_NE(error_of([&] { parse_pose_json("{\"format\": \"other\"}", "p.json"); }).find("not a UniPose pose file"), std::string::npos);
  EXPECT_NE(error_of([&] { parse_pose_json("{\"format\": \"unipose.pose/1\", \"body", "p.json"); }).find("malformed JSON"), std::string::npos);
  EXPECT_NE(error_of([&] { parse_pose_json("[]", "p.json"); }).find("JSON object"), std::string::npos);
}

TEST(PoseNpz, SingleAndSequenceRoundTrip) {
  const std::string one = temp_path("one.npz"), many = temp_path("many.npz");
  const Pose p = random_pose(2);
  write_pose(one, p);
  const Pose back = read_pose(one);
  EXPECT_LT(max_rotation_difference(back, p), 1e-15);
  ASSERT_TRUE(back.transl.has_value());
  PoseSequence seq{{random_pose(3), random_pose(4), random_pose(5)}, 30.0, ""};
  write_poses(many, seq);
  const PoseSequence in = read_poses(many);
  ASSERT_EQ(in.frames.size(), 3u);
  EXPECT_LT(max_rotation_difference(in.frames[2], seq.frames[2]), 1e-15);
  EXPECT_NE(error_of([&] { read_pose(many); }).find("choose one with --frame N"), std::string::npos);
  EXPECT_NE(error_of([&] { read_pose(many, 3); }).find("frame 3 does not exist"), std::string::npos);
  std::filesystem::remove(one);
  std::filesystem::remove(many);
}

TEST(PoseNpz, AcceptsSmplStyleShapesAndRejectsWrongOnes) {
  const std::string path = temp_path("smpl.npz");
  io::NpzArchive a;
  a["global_orient"] = io::NpyArray::from_float({1, 3}, {0, 0.5, 0});
  a["body_pose"] = io::NpyArray::from_float({1, 23, 3}, std::vector<float>(69, 0.1f));
  a["betas"] = io::NpyArray::from_float({1, 10}, std::vector<float>(10, 0.2f));
  io::write_npz(path, a);
  const Pose p = read_pose(path);
  EXPECT_FLOAT_EQ(static_cast<float>(p.rotations[0].y()), 0.5f);
  EXPECT_EQ(p.betas.size(), 10u);

  a["body_pose"] = io::NpyArray::from_float({1, 22, 3}, std::vector<float>(66, 0.1f));
  io::write_npz(path, a);
  EXPECT_NE(error_of([&] { read_pose(path); }).find("body_pose has shape (1, 22, 3)"), std::string::npos);

  a["body_pose"] = io::NpyArray::from_float({69}, std::vector<float>(69, std::nanf("")));
  io::write_npz(path, a);
  EXPECT_NE(error_of([&] { read_pose(path); }).find("not a finite number"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(PoseFiles, UnknownExtensionAndMissingFile) {
  EXPECT_EQ(error_of([] { read_poses("pose.txt"); }), "pose.txt: unknown pose file type '.txt' (use .json, .npz or .bvh)");
  EXPECT_EQ(error_of([] { read_poses("/missing/pose.json"); }), "/missing/pose.json: file not found");
}

TEST(PoseMirror, MirrorTwiceIsIdentityAndMirrorsJointPositions) {
  const Pose p = random_pose(9);
  EXPECT_EQ(mirror(mirror(p)), p);
  const auto& rest = body::mannequin_rest_joints();
  const auto a = body::posed_joint_positions(p, rest);
  const auto b = body::posed_joint_positions(mirror(p), rest);
  for (int j = 0; j < body::kNumJoints; ++j) {
    const Eigen::Vector3d m = b[body::mirror_joint(j)];
    EXPECT_LT((Eigen::Vector3d(-m.x(), m.y(), m.z()) - a[j]).norm(), 1e-9) << body::kJointNames[j];
  }
}

TEST(PoseMirror, LeftArmRaisedBecomesRightArmRaised) {
  Pose p;
  p.rotations[body::kLeftShoulder] = Eigen::Vector3d(0, 0, 1.4);  // left arm up
  const auto joints = body::posed_joint_positions(mirror(p), body::mannequin_rest_joints());
  EXPECT_GT(joints[body::kRightWrist].y(), joints[body::kHead].y());
  EXPECT_LT(joints[body::kLeftWrist].y(), joints[body::kHead].y());
}

}  // namespace
}  // namespace unipose::pose
