#include "core/eval/claims.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>

#include "core/body/skeleton.h"
#include "core/pose/frame.h"

namespace unipose::eval {
namespace {

using Words = std::vector<std::string>;

// Lower-case words; a clause ends at punctuation and at the words that join two statements.
std::vector<Words> clauses_of(const std::string& text) {
  static const std::set<std::string> joins = {"and", "while", "then", "but", "with", "whereas", "whilst", "as"};
  std::vector<Words> out(1);
  std::string word;
  auto end_word = [&] {
    if (word.empty()) return;
    if (joins.count(word)) {
      if (!out.back().empty()) out.emplace_back();
    } else {
      out.back().push_back(word);
    }
    word.clear();
  };
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || ch == '\'') {
      word += static_cast<char>(std::tolower(c));
      continue;
    }
    end_word();
    if ((ch == '.' || ch == ',' || ch == ';' || ch == '!' || ch == '?' || ch == ':') && !out.back().empty()) out.emplace_back();
  }
  end_word();
  if (out.back().empty()) out.pop_back();
  return out;
}

bool has(const Words& w, const std::string& word) { return std::find(w.begin(), w.end(), word) != w.end(); }

// Does the clause contain these words in a row?
bool has_run(const Words& w, const Words& run) {
  if (run.empty() || w.size() < run.size()) return false;
  for (size_t i = 0; i + run.size() <= w.size(); ++i)
    if (std::equal(run.begin(), run.end(), w.begin() + static_cast<std::ptrdiff_t>(i))) return true;
  return false;
}

struct Subject {
  Limb limb;
  std::vector<int> sides;  // 0 left, 1 right
  bool hand = false;       // said of the hand: no bend claims
};

// The limb a clause speaks of: its first arm or leg word, with the side said just before it.
std::optional<Subject> subject_of(const Words& w, bool* other_part) {
  static const std::set<std::string> arm = {"arm", "arms", "hand", "hands", "elbow", "elbows"};
  static const std::set<std::string> leg = {"leg", "legs", "knee", "knees"};
  static const std::set<std::string> others = {"foot", "feet", "head", "torso", "body", "back", "hips", "hip", "shoulders",
                                               "chest", "neck", "shin", "shins", "thigh", "thighs", "forearm", "forearms",
                                               "wrist", "wrists", "ankle", "ankles", "toes", "heel", "heels"};
  *other_part = false;
  for (size_t i = 0; i < w.size(); ++i) {
    const bool is_arm = arm.count(w[i]) > 0, is_leg = leg.count(w[i]) > 0;
    if (!is_arm && !is_leg) {
      if (others.count(w[i])) {
        *other_part = true;
        return std::nullopt;
      }
      continue;
    }
    Subject s{is_arm ? Limb::kArm : Limb::kLeg, {}, w[i].rfind("hand", 0) == 0};
    const bool plural = w[i].back() == 's';
    for (size_t k = i; k-- > 0 && k + 3 >= i;) {
      if (w[k] == "left" || w[k] == "right") {
        s.sides = {w[k] == "left" ? 0 : 1};
        break;
      }
      if (w[k] == "both" || w[k] == "two") break;
    }
    if (s.sides.empty() && plural) s.sides = {0, 1};
    if (s.sides.empty()) return std::nullopt;  // "an arm": no side to check
    return s;
  }
  return std::nullopt;
}

// A clause that opens with its own subject ("the person looks down") does not speak of the last limb.
bool starts_a_new_subject(const Words& w) {
  static const std::set<std::string> openers = {"the", "a", "an", "someone", "somebody", "person", "they", "he", "she", "his", "her",
                                                "their", "it", "one", "this", "looks", "look", "looking", "there"};
  return w.empty() || openers.count(w[0]) > 0;
}

// What the clause says of the limb; arm-position states only for arms.
std::optional<LimbState> state_of(const Words& w, Limb limb) {
  const bool arm = limb == Limb::kArm;
  const bool than = has(w, "than");
  if (arm && (has_run(w, {"higher", "than", "the", "head"}) || has_run(w, {"above", "the", "head"}) || has(w, "overhead") ||
              has_run(w, {"over", "the", "head"}) || has_run(w, {"above", "their", "head"}) || has_run(w, {"above", "his", "head"}) ||
              has_run(w, {"above", "her", "head"}) || has_run(w, {"above", "your", "head"})))
    return LimbState::kAboveHead;
  // "higher than the shoulder" is a raised arm; "higher than the right hand" compares the hands.
  if (arm && than && (has(w, "higher") || has(w, "above")) && (has(w, "shoulder") || has(w, "shoulders"))) return LimbState::kRaised;
  if (arm && than && has(w, "higher")) return LimbState::kHigherThanOther;
  if (arm && than && has(w, "lower")) return LimbState::kLowerThanOther;
  // "past ninety degrees" before "ninety degrees": bent beyond a right angle.
  if (has_run(w, {"completely", "bent"}) || has_run(w, {"fully", "bent"}) || has_run(w, {"sharply", "bent"}) || has_run(w, {"fully", "flexed"}) ||
      has_run(w, {"all", "the", "way"}) || has_run(w, {"past", "ninety"}) || has_run(w, {"beyond", "ninety"}) || has_run(w, {"more", "than", "ninety"}))
    return LimbState::kFullyBent;
  if (has_run(w, {"right", "angle"}) || has_run(w, {"square", "angle"}) || has_run(w, {"ninety", "degrees"}) || has_run(w, {"90", "degrees"}))
    return LimbState::kRightAngle;
  if (has_run(w, {"slightly", "bent"}) || has_run(w, {"bent", "slightly"}) || has_run(w, {"a", "bit", "bent"}) ||
      has_run(w, {"bent", "a", "little"}) || has_run(w, {"a", "little", "bent"}) || has_run(w, {"barely", "bent"}) ||
      has_run(w, {"almost", "straight"}) || has_run(w, {"nearly", "straight"}))
    return LimbState::kSlightlyBent;
  if (arm && (has_run(w, {"out", "to", "the", "side"}) || has_run(w, {"out", "to", "the", "sides"}) || has(w, "outstretched") ||
              has_run(w, {"stretched", "out"}) || has_run(w, {"spread", "out"}) || has(w, "horizontal") || has(w, "horizontally") ||
              has(w, "sideways") || (!w.empty() && w.back() == "out")))
    return LimbState::kOutToTheSide;
  if (has(w, "straight") || has(w, "extended") || has(w, "straightened") || has(w, "unbent")) return LimbState::kStraight;
  if (has(w, "bent") || has(w, "bend") || has(w, "bending") || has(w, "flexed")) return LimbState::kBent;
  if (arm && (has_run(w, {"above", "the", "shoulder"}) || has(w, "raised") || has(w, "lifted") || has(w, "up") || has(w, "aloft") || has(w, "raise") || has(w, "raising")))
    return LimbState::kRaised;
  if (arm && (has(w, "down") || has(w, "lowered") || has(w, "hanging") || has_run(w, {"by", "the", "side"}) ||
              has_run(w, {"by", "the", "sides"}) || has_run(w, {"at", "the", "sides"}) || has_run(w, {"at", "the", "side"})))
    return LimbState::kLowered;
  return std::nullopt;
}

double angle_deg(const Eigen::Vector3d& u, const Eigen::Vector3d& v) {
  const double nu = u.norm(), nv = v.norm();
  if (nu < 1e-9 || nv < 1e-9) return 0;
  return std::acos(std::clamp(u.dot(v) / (nu * nv), -1.0, 1.0)) * 180.0 / M_PI;
}

std::string side_name(int side) { return side == 0 ? "left" : "right"; }

std::string format(const char* pattern, const std::string& a, double value, const std::string& b = "") {
  char buf[200];
  std::snprintf(buf, sizeof buf, pattern, a.c_str(), value, b.c_str());
  return buf;
}

// Measures the claim. Each state holds within about one bin of the caption pipeline's own wording
// (core/text/posecodes.cpp), so that a fair description is never called wrong.
void measure(Claim& c, const body::JointPositions& j) {
  using namespace body;
  const int s = c.side;
  const std::string side = side_name(s);
  const int shoulder = s == 0 ? kLeftShoulder : kRightShoulder, elbow = s == 0 ? kLeftElbow : kRightElbow;
  const int wrist = s == 0 ? kLeftWrist : kRightWrist, other_wrist = s == 0 ? kRightWrist : kLeftWrist;
  const int hip = s == 0 ? kLeftHip : kRightHip, knee = s == 0 ? kLeftKnee : kRightKnee, ankle = s == 0 ? kLeftAnkle : kRightAnkle;
  const bool bend_claim = c.state == LimbState::kBent || c.state == LimbState::kSlightlyBent || c.state == LimbState::kRightAngle ||
                          c.state == LimbState::kFullyBent || c.state == LimbState::kStraight;
  if (bend_claim) {
    const bool arm = c.limb == Limb::kArm;
    const double a = arm ? angle_deg(j[shoulder] - j[elbow], j[wrist] - j[elbow]) : angle_deg(j[hip] - j[knee], j[ankle] - j[knee]);
    c.measured = format("the %s is at %.0f degrees (180: straight)", side + (arm ? " elbow" : " knee"), a);
    switch (c.state) {
      case LimbState::kStraight: c.holds = a > 135; break;
      case LimbState::kSlightlyBent: c.holds = a > 100 && a < 176; break;
      case LimbState::kRightAngle: c.holds = a > 45 && a < 135; break;
      case LimbState::kFullyBent: c.holds = a < 110; break;
      default: c.holds = a < 160; break;
    }
    return;
  }
  const double above_shoulder = j[wrist].y() - j[shoulder].y();
  const std::string hand = "the " + side + " hand";
  auto height = [&](double d, const std::string& of) {
    if (std::abs(d) < 0.005) return hand + " is level with " + of;
    return format("%s is %.2f m %s", hand, std::abs(d), d >= 0 ? "above " + of : "below " + of);
  };
  switch (c.state) {
    case LimbState::kRaised:
      c.holds = above_shoulder > -0.05;
      c.measured = height(above_shoulder, "the shoulder");
      break;
    case LimbState::kLowered:
      c.holds = above_shoulder < 0.05;
      c.measured = height(above_shoulder, "the shoulder");
      break;
    case LimbState::kAboveHead: {
      const double d = j[wrist].y() - j[kHead].y();
      c.holds = d > -0.05;
      c.measured = height(d, "the head");
      break;
    }
    case LimbState::kHigherThanOther:
    case LimbState::kLowerThanOther: {
      const double d = j[wrist].y() - j[other_wrist].y();
      c.holds = c.state == LimbState::kHigherThanOther ? d > 0.05 : d < -0.05;
      c.measured = height(d, "the " + side_name(1 - s) + " hand");
      break;
    }
    case LimbState::kOutToTheSide: {
      const Eigen::Vector3d up(0, 1, 0);
      const Eigen::Vector3d bone = j[elbow] - j[shoulder];
      const double from_vertical = std::min(angle_deg(bone, up), angle_deg(bone, -up));
      c.holds = from_vertical > 55;
      c.measured = format("the %s upper arm is %.0f degrees from vertical", side, from_vertical);
      break;
    }
    default: break;
  }
}

}  // namespace

std::string Claim::said() const {
  const std::string side = side_name(this->side);
  switch (state) {
    case LimbState::kRaised: return "the " + side + " arm is raised";
    case LimbState::kAboveHead: return "the " + side + " hand is above the head";
    case LimbState::kHigherThanOther: return "the " + side + " hand is higher than the " + side_name(1 - this->side) + " hand";
    case LimbState::kLowerThanOther: return "the " + side + " hand is lower than the " + side_name(1 - this->side) + " hand";
    case LimbState::kLowered: return "the " + side + " arm is down";
    case LimbState::kOutToTheSide: return "the " + side + " arm is out to the side";
    default: break;
  }
  const std::string joint = "the " + side + (limb == Limb::kArm ? " elbow" : " knee");
  switch (state) {
    case LimbState::kSlightlyBent: return joint + " is slightly bent";
    case LimbState::kRightAngle: return joint + " is bent at a right angle";
    case LimbState::kFullyBent: return joint + " is fully bent";
    case LimbState::kStraight: return joint + " is straight";
    default: return joint + " is bent";
  }
}

std::vector<Claim> check_description(const std::string& text, const pose::Pose& pose) {
  return check_description(text, pose::pose_frame(pose));
}

std::vector<Claim> check_description(const std::string& text, const pose::PoseFrame& frame) {
  std::vector<Claim> out;
  std::optional<Subject> last;
  for (const auto& w : clauses_of(text)) {
    bool other_part = false;
    auto subject = subject_of(w, &other_part);
    // "the left arm is raised and bent": the arm, still (not "... and the person looks down").
    if (!subject && !other_part && !starts_a_new_subject(w)) subject = last;
    last = subject;
    if (!subject) continue;
    const auto state = state_of(w, subject->limb);
    if (!state) continue;
    const bool bend = *state == LimbState::kBent || *state == LimbState::kSlightlyBent || *state == LimbState::kRightAngle ||
                      *state == LimbState::kFullyBent || *state == LimbState::kStraight;
    if (bend && subject->hand) continue;  // "the hands are straight ahead": no joint named
    std::string clause;
    for (const auto& word : w) clause += (clause.empty() ? "" : " ") + word;
    for (const int side : subject->sides) {
      Claim c{clause, subject->limb, side, *state, false, ""};
      measure(c, frame.joints);
      out.push_back(std::move(c));
    }
  }
  return out;
}

std::vector<std::string> contradictions(const std::vector<Claim>& claims) {
  std::vector<std::string> out;
  for (const auto& c : claims)
    if (!c.holds) out.push_back("says " + c.said() + "; " + c.measured);
  return out;
}

}  // namespace unipose::eval
