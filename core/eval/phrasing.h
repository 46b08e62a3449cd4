// Free-phrasing cases: instructions and descriptions in a person's own words, each with what the resulting
// pose must show (../shared/eval/README.md defines the format; phrasing.py there is the reference checker).
// `unipose eval phrasing` runs them through any generator, so a user can test a model on their own wording.
#pragma once

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "core/pose/pose.h"

namespace unipose::eval {

// One expectation: kind is angle, height, above, below, distance, forward, left or tilt.
struct Expectation {
  std::string kind;
  std::string a, b;  // joints (angle, height: a only; tilt: none)
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  double by = 0;  // above, below
};

struct PhrasingCase {
  int line = 0;
  std::string task;   // "edit" or "generate"
  std::string start;  // edits: standing, t_pose, arms_up or sitting
  std::string text;
  std::vector<Expectation> expect;
};

// Reads a JSONL file (blank lines and lines starting with # skipped); errors name the file and line.
std::vector<PhrasingCase> read_phrasing_cases(const std::string& path);

// The named start poses of edits (phrasing.py's STARTS): standing (arms hanging), t_pose, arms_up, sitting.
pose::Pose phrasing_start_pose(const std::string& name);
std::vector<std::string> phrasing_start_names();

struct CheckResult {
  bool ok = false;
  double value = 0;
  std::string what;  // "left_elbow angle", "right_wrist above head"
  std::string want;  // "min 60, max 120", ">= 0.05"
};
// The expectations measured on a pose as `unipose pose info` sees it (mannequin skeleton; up = y, left =
// right hip -> left hip made horizontal, forward = left x up; heights above the lowest joint).
std::vector<CheckResult> check_expectations(const pose::Pose& pose, const std::vector<Expectation>& expect);

struct PhrasingResult {
  PhrasingCase item;
  bool passed = false;
  std::string error;  // the generator failed: its message
  std::vector<CheckResult> checks;
};

struct PhrasingReport {
  int edits = 0, edits_passed = 0, generations = 0, generations_passed = 0;
  std::vector<PhrasingResult> results;
};

using EditFn = std::function<pose::Pose(const pose::Pose& start, const std::string& text)>;
using GenerateFn = std::function<pose::Pose(const std::string& text)>;

// Runs every case; a generator that throws fails its case with the message. `progress(done, total)`.
PhrasingReport evaluate_phrasing(const std::vector<PhrasingCase>& cases, const EditFn& edit, const GenerateFn& generate,
                                 const std::function<void(int, int)>& progress = {});

// The report as JSON text (format unipose.phrasing/1): totals and every case with its checks.
std::string phrasing_report_json(const PhrasingReport& report, const std::string& cases_file, const std::string& model);

}  // namespace unipose::eval
