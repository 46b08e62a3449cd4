#include "core/text/captioner.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "core/pose/pose_io.h"
#include "core/pose/sampler.h"
#include "core/text/instruction_templates.h"
#include "core/text/paircodes.h"
#include "core/text/words.h"

namespace unipose::text {
namespace {

using body::kLeftElbow;
using body::kLeftShoulder;
using body::kRightElbow;
using body::kRightShoulder;

std::string sample(const std::string& name) { return std::string(UNIPOSE_SOURCE_DIR) + "/resources/poses/" + name; }

// Clauses of a caption: split at sentence ends, commas, semicolons and the joining words.
std::vector<std::string> clauses(const std::string& caption) {
  std::vector<std::string> out;
  const std::regex sep("[.;,]| and | while | with ");
  for (std::sregex_token_iterator it(caption.begin(), caption.end(), sep, -1), end; it != end; ++it)
    if (it->length() > 0) out.push_back(*it);
  return out;
}

bool contains_any(const std::string& s, std::initializer_list<const char*> words) {
  for (const char* w : words)
    if (s.find(w) != std::string::npos) return true;
  return false;
}

void expect_well_formed(const std::string& text) {
  EXPECT_FALSE(text.empty());
  EXPECT_TRUE(std::isupper(static_cast<unsigned char>(text[0]))) << text;
  EXPECT_EQ(text.back(), '.') << text;
  EXPECT_EQ(text.find("%s"), std::string::npos) << text;
  EXPECT_EQ(text.find('<'), std::string::npos) << text;
  EXPECT_EQ(text.find('{'), std::string::npos) << text;
  EXPECT_EQ(text.find("  "), std::string::npos) << text;
  EXPECT_EQ(text.find(" ."), std::string::npos) << text;
  EXPECT_EQ(text.find(".."), std::string::npos) << text;
  EXPECT_EQ(text.find("both foot"), std::string::npos) << text;
}

TEST(Captioner, LeftElbowAtNinetyAndRightArmStraightAreNeverSwapped) {
  pose::Pose p;  // T-pose, then the left forearm turned forwards by 90 degrees
  p.rotations[kLeftElbow] = Eigen::Vector3d(0, -M_PI / 2, 0);
  int left_bent = 0, right_straight = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    const std::string caption = describe_pose(p, seed);
    expect_well_formed(caption);
    for (const auto& c : clauses(caption)) {
      const bool left = contains_any(c, {"left elbow", "left arm"}), right = contains_any(c, {"right elbow", "right arm"});
      const bool bent = contains_any(c, {"ninety", "L shape", "square angle", "bent"}), straight = contains_any(c, {"straight", "extended"});
      EXPECT_FALSE(left && straight) << caption;
      EXPECT_FALSE(right && bent) << caption;
      left_bent += left && bent;
      right_straight += right && straight;
    }
  }
  EXPECT_GT(left_bent, 30);       // a rare code: (almost) always told
  EXPECT_GT(right_straight, 20);  // a common code: sometimes skipped by selection
}

TEST(Captioner, MirroredPoseGetsTheMirroredCaption) {
  pose::PoseSampler sampler(11);
  std::vector<pose::Pose> poses;
  for (const char* f : {"standing.json", "walking.json", "left_arm_raised.json", "sitting.json"}) poses.push_back(pose::read_pose(sample(f)));
  for (int i = 0; i < 30; ++i) poses.push_back(sampler.sample().pose);
  for (size_t i = 0; i < poses.size(); ++i) {
    const std::uint64_t seed = 100 + i;
    const std::string a = describe_pose(poses[i], seed), b = describe_pose(pose::mirror(poses[i]), seed);
    EXPECT_EQ(b, swap_sides(a)) << "pose " << i;
  }
}

TEST(Captioner, SeveralDistinctNaturalCaptionsPerPose) {
  pose::PoseSampler sampler(3);
  for (int i = 0; i < 60; ++i) {
    const auto p = sampler.sample();
    const auto caps = describe_pose(p.pose, 7 + i, 3);
    ASSERT_EQ(caps.size(), 3u);
    EXPECT_EQ(std::set<std::string>(caps.begin(), caps.end()).size(), 3u) << p.family;
    for (const auto& c : caps) expect_well_formed(c);
  }
}

// Every caption is well-formed whatever the pose: no empty side word ("The  foot is lifted higher than the
// knee" came from both feet above the knees, e.g. walking.json turned upside down).
TEST(Captioner, NoEmptySideWordsEvenUpsideDown) {
  pose::Pose p = pose::read_pose(sample("walking.json"));
  p.rotations[0] = Eigen::Vector3d(M_PI, 0, 0);  // upside down
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const std::string c = describe_pose(p, seed);
    EXPECT_EQ(c.find("  "), std::string::npos) << "seed " << seed << ": " << c;
    EXPECT_EQ(c.find(" ."), std::string::npos) << "seed " << seed << ": " << c;
  }
}

TEST(Captioner, PosturesAreNamed) {
  EXPECT_NE(describe_pose(pose::read_pose(sample("sitting.json")), 1).find("sitting"), std::string::npos);
  pose::PoseSampler sampler(5);
  int lying_told = 0;
  for (int i = 0; i < 10; ++i) lying_told += describe_pose(sampler.sample("lying_back").pose, i).find("lying") != std::string::npos;
  EXPECT_GE(lying_told, 8);
}

TEST(Paircodes, RaisedRightHandGetsAnInstructionAboutTheRightHand) {
  const pose::Pose a = pose::read_pose(sample("standing.json"));
  pose::Pose b = a;
  b.rotations[kRightShoulder] = Eigen::Vector3d(0, 0, -1.3);  // right arm up
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const std::string t = instruct(a, b, seed);
    expect_well_formed(t);
    EXPECT_TRUE(contains_any(t, {"right hand", "right arm"})) << t;
    EXPECT_FALSE(contains_any(t, {"left hand", "left arm", "left elbow", "left knee", "left foot"})) << t;
  }
  EXPECT_EQ(instruct(a, a, 1), "Keep the same pose.");
}

TEST(Paircodes, StraighteningALegAndMirroredPairs) {
  pose::Pose a;
  a.rotations[body::kLeftKnee] = Eigen::Vector3d(1.4, 0, 0);
  a.rotations[body::kLeftHip] = Eigen::Vector3d(-1.0, 0, 0);
  pose::Pose b;
  b.rotations[body::kLeftHip] = Eigen::Vector3d(-1.0, 0, 0);
  const auto codes = extract_paircodes(a, b);
  ASSERT_FALSE(codes.empty());
  EXPECT_EQ(codes[0].key, "angle:knee");
  EXPECT_EQ(codes[0].side, 0);
  EXPECT_EQ(codes[0].target, "straight");
  bool told = false;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) told = told || contains_any(instruct(a, b, seed), {"straighten your left leg", "straighten the left leg", "extend your left leg", "extend the left leg"});
  EXPECT_TRUE(told);
  pose::PoseSampler sampler(8);
  for (int i = 0; i < 20; ++i) {
    const auto x = sampler.sample().pose, y = sampler.sample().pose;
    EXPECT_EQ(instruct(pose::mirror(x), pose::mirror(y), 5 + i), swap_sides(instruct(x, y, 5 + i)));
  }
}

TEST(Paircodes, InstructionsAreWellFormedAcrossFamilies) {
  pose::PoseSampler sampler(21);
  for (int i = 0; i < 60; ++i) {
    const auto a = sampler.sample(), b = sampler.sample();
    for (const auto& t : instruct(a.pose, b.pose, i, 3, 4)) expect_well_formed(t);
  }
}

TEST(InstructionTemplates, FortyPhrasingsPerTask) {
  const auto t = load_instruction_templates(resources_dir() + "/text/instruction_templates.json");
  for (const auto& task : all_tasks()) {
    ASSERT_TRUE(t.count(task.task)) << task.name;
    EXPECT_GE(std::set<std::string>(t.at(task.task).begin(), t.at(task.task).end()).size(), 40u) << task.name;
  }
}

}  // namespace
}  // namespace unipose::text
