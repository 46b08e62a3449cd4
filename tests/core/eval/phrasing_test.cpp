#include "core/eval/phrasing.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "temp_dir.h"

namespace unipose::eval {
namespace {

std::string write_cases(const std::string& name, const std::string& text) {
  const std::string dir = unipose::testing::temp_dir("unipose_phrasing", name);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/cases.jsonl") << text;
  return dir + "/cases.jsonl";
}

std::string error_of(const std::string& text) {
  try {
    read_phrasing_cases(write_cases("bad", text));
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Phrasing, ChecksMeasureThePoseAsPoseInfoDoes) {
  const auto up = phrasing_start_pose("arms_up"), standing = phrasing_start_pose("standing"), t = phrasing_start_pose("t_pose");
  auto check = [](const pose::Pose& p, const std::string& json) {
    return check_expectations(p, read_phrasing_cases(write_cases("one", "{\"task\": \"generate\", \"text\": \"x\", \"expect\": [" + json + "]}"))[0].expect)[0];
  };
  EXPECT_TRUE(check(up, R"({"above": ["left_wrist", "head"]})").ok);
  EXPECT_FALSE(check(standing, R"({"above": ["left_wrist", "head"]})").ok);
  EXPECT_TRUE(check(standing, R"({"below": ["right_wrist", "right_shoulder"], "by": 0.3})").ok);
  const auto shoulder = check(t, R"({"angle": "left_shoulder", "min": 80, "max": 100})");
  EXPECT_TRUE(shoulder.ok) << shoulder.value;
  EXPECT_EQ(shoulder.what, "left_shoulder angle");
  EXPECT_EQ(shoulder.want, "min 80, max 100");
  // The left hand of a T-pose is 0.77 m to the left of the pelvis; standing upright, the torso is not tilted.
  EXPECT_NEAR(check(t, R"({"left": ["left_wrist", "pelvis"]})").value, 0.68, 0.01);
  EXPECT_LT(check(t, R"({"tilt": true, "max": 5})").value, 5);
  // Sitting: knees at a right angle, the knees in front of the hips.
  const auto sitting = phrasing_start_pose("sitting");
  EXPECT_TRUE(check(sitting, R"({"angle": "left_knee", "min": 80, "max": 110})").ok);
  EXPECT_TRUE(check(sitting, R"({"forward": ["left_knee", "left_hip"], "min": 0.3})").ok);
  EXPECT_GT(check(sitting, R"({"height": "head"})").value, 1.0);
}

TEST(Phrasing, EveryCaseRunsAndFailuresAreCounted) {
  const auto cases = read_phrasing_cases(write_cases("run",
      "# two cases\n"
      "{\"task\": \"edit\", \"start\": \"t_pose\", \"text\": \"keep it\", \"expect\": [{\"angle\": \"right_shoulder\", \"min\": 80}]}\n"
      "\n"
      "{\"task\": \"generate\", \"text\": \"anything\", \"expect\": [{\"angle\": \"left_knee\", \"max\": 120}]}\n"));
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].line, 2);
  const auto report = evaluate_phrasing(
      cases, [](const pose::Pose& start, const std::string&) { return start; },
      [](const std::string&) -> pose::Pose { throw Error("no model"); });
  EXPECT_EQ(report.edits_passed, 1);
  EXPECT_EQ(report.edits, 1);
  EXPECT_EQ(report.generations_passed, 0);
  EXPECT_EQ(report.results[1].error, "no model");
  EXPECT_NE(phrasing_report_json(report, "cases.jsonl", "m").find("\"passed\": 1"), std::string::npos);
}

TEST(Phrasing, BadCaseFilesNameTheLine) {
  EXPECT_NE(error_of("{\"task\": \"edit\"\n").find("line 1: malformed JSON"), std::string::npos);
  EXPECT_NE(error_of("\n{\"task\": \"dance\", \"text\": \"x\", \"expect\": [{\"tilt\": true}]}\n").find("line 2: task must be edit or generate"),
            std::string::npos);
  EXPECT_NE(error_of("{\"task\": \"edit\", \"start\": \"flying\", \"text\": \"x\", \"expect\": [{\"tilt\": true}]}").find("unknown start pose 'flying'"),
            std::string::npos);
  EXPECT_NE(error_of("{\"task\": \"generate\", \"text\": \"x\", \"expect\": [{\"above\": [\"left_wrist\", \"nose\"]}]}").find("unknown joint 'nose'"),
            std::string::npos);
  EXPECT_NE(error_of("{\"task\": \"generate\", \"text\": \"x\", \"expect\": []}").find("non-empty"), std::string::npos);
  EXPECT_NE(error_of("# nothing\n").find("holds no cases"), std::string::npos);
}

TEST(Phrasing, TheSharedDevelopmentSetReads) {
  const std::string dev = std::string(UNIPOSE_SOURCE_DIR) + "/../shared/eval/phrasing_dev.jsonl";
  if (!std::filesystem::exists(dev)) GTEST_SKIP() << "../shared/eval is absent (a user's clone has none)";
  const auto cases = read_phrasing_cases(dev);
  EXPECT_GE(cases.size(), 50u);
}

}  // namespace
}  // namespace unipose::eval
