#include "core/text/paircodes.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/text/captioner.h"
#include "core/text/posecodes.h"

namespace unipose::text {
namespace {

using namespace body;
constexpr double kPi = 3.14159265358979323846;

int intensity(double change, double a, double b, double c) {
  const double m = std::abs(change);
  return m < a ? 0 : m < b ? 1 : m < c ? 2 : 3;
}

bool has_super(const std::vector<Posecode>& codes, const std::string& key, int side = -2) {
  for (const auto& c : codes)
    if (c.key == key && (side == -2 || c.side == side || c.side == -1)) return true;
  return false;
}

std::string cap(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

}  // namespace

std::vector<Paircode> extract_paircodes(const pose::Pose& pa, const pose::Pose& pb) {
  const pose::PoseFrame fa = pose::pose_frame(pa), fb = pose::pose_frame(pb);
  const Measurements ma = measure_pose(fa), mb = measure_pose(fb);
  const auto sa = extract_posecodes(fa, 0), sb = extract_posecodes(fb, 0);
  auto d = [&](const std::string& id) { return mb.get(id) - ma.get(id); };
  std::vector<Paircode> out;
  // Posture transitions (super-paircodes).
  struct Posture {
    const char* code;
    const char* key;
  };
  for (const Posture& p : {Posture{"super:lying-back", "super:lie-back"}, {"super:lying-front", "super:lie-front"},
                           {"super:kneeling-both", "super:kneel-both"}, {"super:sitting-ground", "super:sit-ground"},
                           {"super:sitting", "super:sit"}, {"super:squatting", "super:squat"},
                           {"super:standing-straight", "super:stand"}, {"super:arms-crossed", "super:cross-arms"},
                           {"super:hands-together", "super:hands-together"}, {"super:arms-spread", "super:spread-arms"}})
    if (has_super(sb, p.code) && !has_super(sa, p.code)) out.push_back({p.key, -1, 1, 3, 10.0, ""});
  for (int s = 0; s < 2; ++s) {
    if (has_super(sb, "super:kneeling", s) && !has_super(sa, "super:kneeling", s) && !has_super(sb, "super:kneeling-both"))
      out.push_back({"super:kneel", s, 1, 3, 10.0, ""});
    if (has_super(sb, "super:hand-on-hip", s) && !has_super(sa, "super:hand-on-hip", s)) out.push_back({"super:hand-hip", s, 1, 3, 9.0, ""});
    if (has_super(sb, "super:hand-on-head", s) && !has_super(sa, "super:hand-on-head", s)) out.push_back({"super:hand-head", s, 1, 3, 9.0, ""});
  }
  const bool posture_change = !out.empty() && out.front().key.rfind("super:", 0) == 0;

  for (int s = 0; s < 2; ++s) {
    const std::string side = s == 0 ? ":left" : ":right";
    // Knee and elbow angles (degrees): straighten or bend.
    for (const char* joint : {"knee", "elbow"}) {
      const double change = d(std::string("angle:") + joint + side);
      const int i = intensity(change, 18, 45, 80);
      if (i == 0) continue;
      const bool straight_now = mb.get(std::string("angle:") + joint + side) >= 160;
      out.push_back({std::string("angle:") + joint, s, change > 0 ? 1 : -1, i, std::abs(change) / 45.0,
                     change > 0 && straight_now ? "straight" : ""});
    }
    // Hands, feet, knees: up/down, forward/back, sideways (metres, in the body's frame relative to the hips).
    const std::pair<const char*, int> parts[] = {{"hand", s == 0 ? kLeftWrist : kRightWrist}, {"foot", s == 0 ? kLeftAnkle : kRightAnkle},
                                                 {"knee", s == 0 ? kLeftKnee : kRightKnee}};
    for (const auto& [name, j] : parts) {
      const Eigen::Vector3d pa_rel = fa.joints[j] - fa.joints[kPelvis], pb_rel = fb.joints[j] - fb.joints[kPelvis];
      const Eigen::Vector3d delta = pb_rel - pa_rel;
      const double dy = (fb.joints[j].y() - fb.ground) - (fa.joints[j].y() - fa.ground);
      if (!posture_change) {
        const int iy = intensity(dy, 0.15, 0.40, 0.80);
        if (iy > 0) {
          std::string target;
          if (std::string(name) == "hand" && dy > 0 && has_super(sb, "super:hand-on-head", s)) target = "";
          else if (std::string(name) == "hand" && dy > 0 && mb.get("above:hand-head" + side) > 0.05 && ma.get("above:hand-head" + side) < 0.05) target = "above-head";
          else if (std::string(name) == "hand" && dy > 0 && mb.get("above:hand-shoulder" + side) > -0.05 && ma.get("above:hand-shoulder" + side) < -0.15) target = "shoulder-height";
          out.push_back({std::string("raise:") + name, s, dy > 0 ? 1 : -1, iy, std::abs(dy) / 0.3, target});
        }
      }
      const int iz = intensity(delta.z(), 0.15, 0.40, 0.80);
      if (iz > 0) out.push_back({std::string("forward:") + name, s, delta.z() > 0 ? 1 : -1, iz, std::abs(delta.z()) / 0.35, ""});
      if (std::string(name) != "knee") {
        const int ix = intensity(delta.x(), 0.15, 0.40, 0.80);
        if (ix > 0) out.push_back({std::string("sideways:") + name, s, delta.x() > 0 ? 1 : -1, ix, std::abs(delta.x()) / 0.35, ""});
      }
    }
  }
  // Distances between the two hands and the two feet.
  for (const char* pair : {"hands", "feet"}) {
    const double change = d(std::string("distance:") + pair);
    const int i = intensity(change, 0.10, 0.40, 0.80);
    if (i == 0 || has_super(sb, "super:hands-together")) continue;
    out.push_back({std::string("distance:") + pair, -1, change > 0 ? 1 : -1, i, std::abs(change) / 0.3,
                   change < 0 && mb.get(std::string("distance:") + pair) < 0.2 ? "together" : ""});
  }
  if (!posture_change) {
    // Torso: forward/backward, sideways lean, twist (degrees).
    const double pitch = d("pitch:torso");
    if (const int i = intensity(pitch, 20, 50, 80)) out.push_back({"pitch", -1, pitch > 0 ? 1 : -1, i, std::abs(pitch) / 35.0, std::abs(mb.get("pitch:torso")) < 12 ? "upright" : ""});
    const double lean = d("lean:torso");
    if (const int i = intensity(lean, 15, 30, 60)) out.push_back({"lean", -1, lean > 0 ? 1 : -1, i, std::abs(lean) / 25.0, ""});
  }
  const double twist = d("twist:torso");
  if (const int i = intensity(twist, 20, 50, 90)) out.push_back({"twist", -1, twist > 0 ? 1 : -1, i, std::abs(twist) / 35.0, ""});
  // Head.
  const double hp = d("head:head-pitch");
  if (const int i = intensity(hp, 20, 45, 80)) out.push_back({"head-pitch", -1, hp > 0 ? 1 : -1, i, std::abs(hp) / 40.0, ""});
  const double ht = d("head:head-turn");
  if (const int i = intensity(ht, 25, 60, 100)) out.push_back({"head-turn", -1, ht > 0 ? 1 : -1, i, std::abs(ht) / 45.0, ""});
  // Turning the whole body (yaw of the body's own frame).
  double yaw = (fb.yaw - fa.yaw) * 180.0 / kPi;
  while (yaw > 180) yaw -= 360;
  while (yaw < -180) yaw += 360;
  // Ranked low: turning around is easy to say and would crowd out the body's own changes.
  if (const int i = intensity(yaw, 30, 60, 120)) out.push_back({"turn", -1, yaw > 0 ? 1 : -1, i, std::abs(yaw) / 150.0, std::to_string(static_cast<int>(std::lround(std::abs(yaw) / 15.0) * 15))});
  // Left and right hands or feet moved the same way: one instruction about both.
  std::vector<Paircode> merged;
  std::vector<bool> used(out.size(), false);
  for (size_t i = 0; i < out.size(); ++i) {
    if (used[i]) continue;
    Paircode c = out[i];
    if (c.side >= 0)
      for (size_t k = i + 1; k < out.size(); ++k)
        if (!used[k] && out[k].key == c.key && out[k].side == 1 - c.side && out[k].direction == c.direction &&
            out[k].target == c.target) {
          used[k] = true;
          c.side = -1;
          c.intensity = std::min(c.intensity, out[k].intensity);
          c.magnitude = std::max(c.magnitude, out[k].magnitude);
          break;
        }
    merged.push_back(c);
  }
  // Largest first; ties in a side-free order so a mirrored pair reads the same way.
  std::stable_sort(merged.begin(), merged.end(), [](const Paircode& x, const Paircode& y) {
    if (std::abs(x.magnitude - y.magnitude) > 1e-9) return x.magnitude > y.magnitude;
    return x.key < y.key;
  });
  return merged;
}

namespace {

std::string render(const Paircode& c, std::uint64_t seed, bool your) {
  // Choices keyed without sides or sideways directions, so a mirrored pair reads the same way mirrored.
  const bool sideways = c.key == "turn" || c.key == "twist" || c.key == "lean" || c.key == "head-turn" || c.key.rfind("sideways:", 0) == 0;
  const std::string ck = c.key + ":" + std::to_string(sideways ? 0 : c.direction) + ":" + std::to_string(c.intensity) + (c.side < 0 ? "b" : "o");
  auto choose = [&](std::initializer_list<std::string> options) {
    std::vector<std::string> v(options);
    return v[pick(seed, ck, v.size())];
  };
  const std::string det = your ? "your " : "the ";
  const std::string sd = c.side == 0 ? "left " : c.side == 1 ? "right " : "";
  auto part = [&](const std::string& singular, const std::string& plural) {
    return c.side < 0 ? det + plural : det + sd + singular;
  };
  const std::string more = c.intensity >= 3 ? " a lot" : c.intensity == 1 ? " slightly" : "";
  const std::string k = c.key;
  if (k == "super:lie-back") return choose({"lie down on " + det + "back", "lie on " + det + "back, face up"});
  if (k == "super:lie-front") return choose({"lie face down", "lie down on " + det + "stomach"});
  if (k == "super:kneel-both") return choose({"kneel down on both knees", "get down on both knees"});
  if (k == "super:kneel") return choose({"kneel on " + det + sd + "knee", "go down on " + det + sd + "knee"});
  if (k == "super:sit-ground") return choose({"sit down on the ground", "sit on the floor"});
  if (k == "super:sit") return choose({"sit down", "take a seat"});
  if (k == "super:squat") return choose({"squat down", "go down into a deep squat"});
  if (k == "super:stand") return choose({"stand up straight", "stand upright"});
  if (k == "super:cross-arms") return choose({"cross " + det + "arms", "fold " + det + "arms across " + det + "chest"});
  if (k == "super:hands-together") return choose({"put " + det + "hands together", "bring " + det + "hands together until they touch"});
  if (k == "super:spread-arms") return choose({"spread " + det + "arms out to the sides", "stretch " + det + "arms out horizontally"});
  if (k == "super:hand-hip") return choose({"put " + part("hand", "hands") + " on " + det + "hip", "place " + part("hand", "hands") + " on " + det + "hip"});
  if (k == "super:hand-head") return choose({"put " + part("hand", "hands") + " on " + det + "head", "place " + part("hand", "hands") + " on " + det + "head"});
  if (k == "angle:knee" || k == "angle:elbow") {
    const bool knee = k == "angle:knee";
    if (c.direction > 0 && c.target == "straight")
      return choose({"straighten " + part(knee ? "leg" : "arm", knee ? "legs" : "arms"),
                     "fully extend " + part(knee ? "leg" : "arm", knee ? "legs" : "arms")});
    if (c.direction > 0) return choose({"straighten " + part(knee ? "knee" : "elbow", knee ? "knees" : "elbows") + more,
                                        "unbend " + part(knee ? "knee" : "elbow", knee ? "knees" : "elbows") + more});
    return choose({"bend " + part(knee ? "knee" : "elbow", knee ? "knees" : "elbows") + (c.intensity >= 3 ? " a lot" : " more"),
                   "bend " + part(knee ? "knee" : "elbow", knee ? "knees" : "elbows") + more});
  }
  if (k.rfind("raise:", 0) == 0) {
    const std::string p = k.substr(6);
    const std::string subject = part(p, p == "foot" ? "feet" : p + "s");
    // People raise and lower "the arm" as often as "the hand"; both name the hand's move here.
    const std::string arm = part("arm", "arms");
    if (c.direction > 0) {
      const std::string verb = p == "foot" ? "lift" : "raise";
      const std::string target = c.target == "above-head" ? " above " + det + "head" : c.target == "shoulder-height" ? " to shoulder height" : "";
      if (p == "hand")
        return choose({verb + " " + subject + (target.empty() ? (c.intensity >= 3 ? " high" : "") : target),
                       "lift " + subject + (target.empty() ? more : target), "raise " + arm + (target.empty() ? more : target)});
      return choose({verb + " " + subject + (target.empty() ? (c.intensity >= 3 ? " high" : "") : target),
                     "raise " + subject + (target.empty() ? more : target)});
    }
    if (p == "hand") return choose({"lower " + subject + more, "bring " + subject + " down" + more, "lower " + arm + more});
    return choose({"lower " + subject + more, (p == "foot" ? "put " + subject + " down" : "bring " + subject + " down" + more)});
  }
  if (k.rfind("forward:", 0) == 0) {
    const std::string p = k.substr(8);
    const std::string subject = part(p, p == "foot" ? "feet" : p + "s");
    return c.direction > 0 ? choose({"move " + subject + " forward" + more, "bring " + subject + " further forward"})
                           : choose({"move " + subject + " back" + more, "pull " + subject + " backwards"});
  }
  if (k.rfind("sideways:", 0) == 0) {
    const std::string p = k.substr(9);
    const std::string subject = part(p, p == "foot" ? "feet" : p + "s");
    const std::string dir = c.direction > 0 ? "left" : "right";
    return choose({"move " + subject + " to the " + dir + more, "shift " + subject + " towards " + det + dir});
  }
  if (k == "distance:hands" || k == "distance:feet") {
    const std::string p = k == "distance:hands" ? "hands" : "feet";
    if (c.direction > 0) return choose({"move " + det + p + " apart" + more, "spread " + det + p + (c.intensity >= 3 ? " wide apart" : " further apart")});
    return c.target == "together" ? choose({"bring " + det + p + " together", "put " + det + p + " together"})
                                  : choose({"bring " + det + p + " closer together", "move " + det + p + " closer to each other"});
  }
  if (k == "pitch")
    return c.direction > 0 ? choose({"lean forward" + more, "bend " + det + "torso forward" + more})
                           : (c.target == "upright" ? choose({"straighten " + det + "back", "bring " + det + "torso upright"})
                                                    : choose({"lean back" + more, "arch " + det + "back" + more}));
  if (k == "lean") {
    const std::string dir = c.direction > 0 ? "left" : "right";
    return choose({"lean to the " + dir + more, "tilt " + det + "torso to the " + dir + more});
  }
  if (k == "twist") {
    const std::string dir = c.direction > 0 ? "left" : "right";
    return choose({"twist " + det + "torso to the " + dir + more, "rotate " + det + "shoulders to the " + dir + more});
  }
  if (k == "head-pitch") return c.direction > 0 ? choose({"look down" + more, "lower " + det + "head" + more}) : choose({"look up" + more, "raise " + det + "chin" + more});
  if (k == "head-turn") {
    const std::string dir = c.direction > 0 ? "left" : "right";
    return choose({"turn " + det + "head to the " + dir + more, "look to the " + dir});
  }
  if (k == "turn") {
    const std::string dir = c.direction > 0 ? "left" : "right";
    return choose({"turn " + dir + " by about " + c.target + " degrees", "rotate " + det + "whole body about " + c.target + " degrees to the " + dir});
  }
  return "";
}

}  // namespace

std::string render_instruction(const std::vector<Paircode>& all, std::uint64_t seed, int max_codes) {
  if (all.empty()) return "Keep the same pose.";
  const std::vector<Paircode> codes(all.begin(), all.begin() + std::min<std::ptrdiff_t>(all.size(), max_codes));
  const bool your = pick(seed, "det", 3) != 0;  // "your" mostly, sometimes "the"
  std::vector<std::string> parts;
  for (const auto& c : codes) {
    const std::string t = render(c, seed, your);
    if (!t.empty()) parts.push_back(t);
  }
  if (parts.empty()) return "Keep the same pose.";
  std::string out = cap(parts[0]);
  for (size_t i = 1; i < parts.size(); ++i) {
    static const std::vector<std::string> joins = {", then ", " and ", ". Then ", ", and ", ". "};
    const std::string j = joins[pick(seed, "join" + std::to_string(i), joins.size())];
    out += j + (j.back() == ' ' && (j == ". " || j == ". Then ") ? (j == ". " ? cap(parts[i]) : parts[i]) : parts[i]);
  }
  return out + ".";
}

std::vector<std::string> render_instructions(const std::vector<Paircode>& codes, std::uint64_t seed, int count, int max_codes) {
  std::vector<std::string> out;
  for (std::uint64_t s = seed; static_cast<int>(out.size()) < count && s < seed + 8 * static_cast<std::uint64_t>(count) + 8; ++s) {
    std::string t = render_instruction(codes, s, max_codes);
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  while (static_cast<int>(out.size()) < count) out.push_back(out.empty() ? render_instruction(codes, seed, max_codes) : out.back());
  return out;
}

std::string instruct(const pose::Pose& a, const pose::Pose& b, std::uint64_t seed, int max_codes) {
  return render_instruction(extract_paircodes(a, b), seed, max_codes);
}

std::vector<std::string> instruct(const pose::Pose& a, const pose::Pose& b, std::uint64_t seed, int count, int max_codes) {
  return render_instructions(extract_paircodes(a, b), seed, count, max_codes);
}

}  // namespace unipose::text
