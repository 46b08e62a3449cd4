#include "core/eval/phrasing.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/body/body_model.h"
#include "core/body/mannequin.h"
#include "core/error.h"
#include "core/io/files.h"
#include "core/io/json_fields.h"
#include "core/pose/measures.h"

namespace unipose::eval {
namespace {

int joint_index(const std::string& name, const std::string& where) {
  const int j = body::find_joint(name);
  if (j < 0) fail(where, "unknown joint '" + name + "'");
  return j;
}

Expectation parse_expectation(const nlohmann::json& e, const std::string& where) {
  if (!e.is_object()) fail(where, "an expectation is not a JSON object");
  Expectation x;
  auto pair = [&](const char* key) {
    const auto& v = e.at(key);
    if (!v.is_array() || v.size() != 2 || !v[0].is_string() || !v[1].is_string())
      fail(where, std::string("'") + key + "' needs two joint names");
    x.a = v[0].get<std::string>();
    x.b = v[1].get<std::string>();
    joint_index(x.a, where);
    joint_index(x.b, where);
  };
  for (const char* kind : {"angle", "height", "above", "below", "distance", "forward", "left", "tilt"}) {
    if (!e.contains(kind)) continue;
    x.kind = kind;
    if (x.kind == "angle" || x.kind == "height") {
      if (!e.at(kind).is_string()) fail(where, std::string("'") + kind + "' needs a joint name");
      x.a = e.at(kind).get<std::string>();
      if (x.kind == "height") joint_index(x.a, where);
    } else if (x.kind != "tilt") {
      pair(kind);
    }
    break;
  }
  if (x.kind.empty()) fail(where, "unknown expectation " + e.dump());
  auto number = [&](const char* key, double& out) {
    if (!e.contains(key)) return;
    if (!e.at(key).is_number()) fail(where, std::string("'") + key + "' is not a number");
    out = e.at(key).get<double>();
  };
  number("min", x.min);
  number("max", x.max);
  number("by", x.by);
  return x;
}

// The body frame of the README: up = world up; left = the hips' right-to-left direction made horizontal;
// forward = left x up.
struct Frame {
  body::JointPositions joints;
  std::vector<pose::JointAngle> angles;
  Eigen::Vector3d up{0, 1, 0}, left, forward;
  double floor = 0;
};

Frame frame_of(const pose::Pose& p) {
  Frame f;
  f.joints = body::posed_joint_positions(p, body::mannequin_rest_joints());
  f.angles = pose::joint_angles(f.joints);
  Eigen::Vector3d l = f.joints[body::kLeftHip] - f.joints[body::kRightHip];
  l.y() = 0;
  f.left = l.norm() > 0 ? Eigen::Vector3d(l / l.norm()) : Eigen::Vector3d(1, 0, 0);
  f.forward = f.left.cross(f.up);
  f.floor = 1e9;
  for (const auto& j : f.joints) f.floor = std::min(f.floor, j.y());
  return f;
}

std::string range_text(const Expectation& e) {
  std::ostringstream s;
  if (std::isfinite(e.min)) s << "min " << e.min;
  if (std::isfinite(e.max)) s << (std::isfinite(e.min) ? ", " : "") << "max " << e.max;
  return s.str();
}

}  // namespace

std::vector<PhrasingCase> read_phrasing_cases(const std::string& path) {
  std::istringstream in(io::read_text_file(path));
  std::vector<PhrasingCase> out;
  int line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const std::string where = path + ": line " + std::to_string(line_number);
    const nlohmann::json j = io::parse_json(line, where);
    try {
      PhrasingCase c;
      c.line = line_number;
      c.task = j.at("task").get<std::string>();
      if (c.task != "edit" && c.task != "generate") fail(where, "task must be edit or generate, not '" + c.task + "'");
      c.text = j.at("text").get<std::string>();
      if (c.task == "edit") {
        c.start = j.at("start").get<std::string>();
        phrasing_start_pose(c.start);
      }
      if (!j.at("expect").is_array() || j.at("expect").empty()) fail(where, "'expect' must be a non-empty list");
      for (const auto& e : j.at("expect")) c.expect.push_back(parse_expectation(e, where));
      out.push_back(std::move(c));
    } catch (const nlohmann::json::exception& e) {
      fail(where, std::string("not a phrasing case (task, text, expect; start for edits): ") + io::json_message(e));
    } catch (const Error& e) {
      const std::string m = e.what();
      if (m.rfind(path, 0) == 0) throw;
      fail(where, m);
    }
  }
  if (out.empty()) fail(path, "holds no cases");
  return out;
}

std::vector<std::string> phrasing_start_names() { return {"standing", "t_pose", "arms_up", "sitting"}; }

pose::Pose phrasing_start_pose(const std::string& name) {
  // SMPL body_pose rows (joint row + 1 = joint index), axis-angle radians, as phrasing.py writes them.
  pose::Pose p;
  auto set = [&p](int row, double x, double y, double z) { p.rotations[row + 1] = Eigen::Vector3d(x, y, z); };
  if (name == "standing") {
    set(15, 0, 0, -1.3), set(16, 0, 0, 1.3);
  } else if (name == "t_pose") {
  } else if (name == "arms_up") {
    set(15, 0, 0, 1.3), set(16, 0, 0, -1.3);
  } else if (name == "sitting") {
    set(0, -1.5, 0, 0), set(1, -1.5, 0, 0), set(3, 1.5, 0, 0), set(4, 1.5, 0, 0), set(15, 0, 0, -1.3), set(16, 0, 0, 1.3);
  } else {
    throw Error("unknown start pose '" + name + "' (standing, t_pose, arms_up, sitting)");
  }
  return p;
}

std::vector<CheckResult> check_expectations(const pose::Pose& pose, const std::vector<Expectation>& expect) {
  const Frame f = frame_of(pose);
  auto J = [&f](const std::string& name) { return f.joints[body::find_joint(name)]; };
  std::vector<CheckResult> out;
  for (const auto& e : expect) {
    CheckResult r;
    bool ranged = true;
    if (e.kind == "angle") {
      const auto it = std::find_if(f.angles.begin(), f.angles.end(), [&e](const pose::JointAngle& a) { return a.name == e.a; });
      if (it == f.angles.end()) throw Error("no angle named '" + e.a + "' (elbows, knees, hips, shoulders)");
      r.value = it->degrees;
      r.what = e.a + " angle";
    } else if (e.kind == "height") {
      r.value = J(e.a).y() - f.floor;
      r.what = e.a + " height";
    } else if (e.kind == "above" || e.kind == "below") {
      r.value = e.kind == "above" ? J(e.a).y() - J(e.b).y() : J(e.b).y() - J(e.a).y();
      r.what = e.a + " " + e.kind + " " + e.b;
      r.ok = r.value >= e.by;
      r.want = ">= " + std::to_string(e.by).substr(0, 5);
      ranged = false;
    } else if (e.kind == "distance") {
      r.value = (J(e.a) - J(e.b)).norm();
      r.what = e.a + "-" + e.b + " distance";
    } else if (e.kind == "forward") {
      r.value = (J(e.a) - J(e.b)).dot(f.forward);
      r.what = e.a + " forward of " + e.b;
    } else if (e.kind == "left") {
      r.value = (J(e.a) - J(e.b)).dot(f.left);
      r.what = e.a + " to the left of " + e.b;
    } else {  // tilt
      const Eigen::Vector3d d = J("neck") - J("pelvis");
      r.value = std::acos(std::clamp(d.normalized().y(), -1.0, 1.0)) * 180 / M_PI;
      r.what = "torso tilt from vertical";
    }
    if (ranged) {
      r.ok = r.value >= e.min && r.value <= e.max;
      r.want = range_text(e);
    }
    out.push_back(r);
  }
  return out;
}

PhrasingReport evaluate_phrasing(const std::vector<PhrasingCase>& cases, const EditFn& edit, const GenerateFn& generate,
                                 const std::function<void(int, int)>& progress) {
  PhrasingReport report;
  int done = 0;
  for (const auto& c : cases) {
    PhrasingResult r;
    r.item = c;
    try {
      const pose::Pose result = c.task == "edit" ? edit(phrasing_start_pose(c.start), c.text) : generate(c.text);
      r.checks = check_expectations(result, c.expect);
      r.passed = std::all_of(r.checks.begin(), r.checks.end(), [](const CheckResult& x) { return x.ok; });
    } catch (const std::exception& e) {
      r.error = e.what();
    }
    if (c.task == "edit") {
      ++report.edits;
      report.edits_passed += r.passed;
    } else {
      ++report.generations;
      report.generations_passed += r.passed;
    }
    report.results.push_back(std::move(r));
    if (progress) progress(++done, static_cast<int>(cases.size()));
  }
  return report;
}

std::string phrasing_report_json(const PhrasingReport& report, const std::string& cases_file, const std::string& model) {
  nlohmann::ordered_json j;
  j["format"] = "unipose.phrasing/1";
  j["cases"] = cases_file;
  j["model"] = model;
  j["edits"] = {{"passed", report.edits_passed}, {"of", report.edits}};
  j["generations"] = {{"passed", report.generations_passed}, {"of", report.generations}};
  for (const auto& r : report.results) {
    nlohmann::ordered_json c;
    c["line"] = r.item.line;
    c["task"] = r.item.task;
    if (!r.item.start.empty()) c["start"] = r.item.start;
    c["text"] = r.item.text;
    c["passed"] = r.passed;
    if (!r.error.empty()) c["error"] = r.error;
    for (const auto& k : r.checks) c["checks"].push_back({{"what", k.what}, {"value", k.value}, {"want", k.want}, {"ok", k.ok}});
    j["results"].push_back(c);
  }
  return j.dump(2) + "\n";
}

}  // namespace unipose::eval
