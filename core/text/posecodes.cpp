#include "core/text/posecodes.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>

#include <Eigen/Geometry>

#include "core/body/body_model.h"
#include "core/body/mannequin.h"

namespace unipose::text {
namespace {

using namespace body;
constexpr double kPi = 3.14159265358979323846;
constexpr double kDegPerRad = 180.0 / kPi;

// Measurement definitions. Joint pairs are written for the left side (or both sides, or the midline);
// `mirror` adds the right-side twin.
struct Def {
  CodeKind kind;
  std::string key;
  int a, b, c;  // joints (c: third joint for angles)
  bool mirror;
};

const std::vector<Def>& definitions() {
  static const std::vector<Def> defs = {
      {CodeKind::kAngle, "knee", kLeftHip, kLeftKnee, kLeftAnkle, true},
      {CodeKind::kAngle, "elbow", kLeftShoulder, kLeftElbow, kLeftWrist, true},
      // Distances: between the two sides, and from a hand to other body parts.
      {CodeKind::kDistance, "hands", kLeftWrist, kRightWrist, -1, false},
      {CodeKind::kDistance, "elbows", kLeftElbow, kRightElbow, -1, false},
      {CodeKind::kDistance, "knees", kLeftKnee, kRightKnee, -1, false},
      {CodeKind::kDistance, "feet", kLeftAnkle, kRightAnkle, -1, false},
      {CodeKind::kDistance, "hand-head", kLeftWrist, kHead, -1, true},
      {CodeKind::kDistance, "hand-hip", kLeftWrist, kLeftHip, -1, true},
      {CodeKind::kDistance, "hand-other-shoulder", kLeftWrist, kRightShoulder, -1, true},
      {CodeKind::kDistance, "hand-knee", kLeftWrist, kLeftKnee, -1, true},
      {CodeKind::kDistance, "hand-foot", kLeftWrist, kLeftAnkle, -1, true},
      // Heights (y), sides (x, towards the body's left) and depths (z, forwards).
      {CodeKind::kAbove, "hand-head", kLeftWrist, kHead, -1, true},
      {CodeKind::kAbove, "hand-shoulder", kLeftWrist, kLeftShoulder, -1, true},
      {CodeKind::kAbove, "hand-hip", kLeftWrist, kLeftHip, -1, true},
      {CodeKind::kAbove, "knee-hip", kLeftKnee, kLeftHip, -1, true},
      {CodeKind::kAbove, "foot-knee", kLeftAnkle, kRightKnee, -1, true},
      {CodeKind::kAbove, "hands", kLeftWrist, kRightWrist, -1, false},
      {CodeKind::kAbove, "feet", kLeftAnkle, kRightAnkle, -1, false},
      {CodeKind::kLeftOf, "hands", kLeftWrist, kRightWrist, -1, false},
      {CodeKind::kLeftOf, "feet", kLeftAnkle, kRightAnkle, -1, false},
      {CodeKind::kInFront, "hand-torso", kLeftWrist, kSpine3, -1, true},
      {CodeKind::kInFront, "feet", kLeftAnkle, kRightAnkle, -1, false},
      {CodeKind::kInFront, "knees", kLeftKnee, kRightKnee, -1, false},
      // Limb orientation against the vertical.
      {CodeKind::kVertical, "upper-arm", kLeftShoulder, kLeftElbow, -1, true},
      {CodeKind::kVertical, "forearm", kLeftElbow, kLeftWrist, -1, true},
      {CodeKind::kVertical, "thigh", kLeftHip, kLeftKnee, -1, true},
      {CodeKind::kVertical, "shin", kLeftKnee, kLeftAnkle, -1, true},
      {CodeKind::kVertical, "torso", kPelvis, kNeck, -1, false},
      // Contact with the ground.
      {CodeKind::kGround, "knee", kLeftKnee, -1, -1, true},
      {CodeKind::kGround, "hand", kLeftWrist, -1, -1, true},
      {CodeKind::kGround, "elbow", kLeftElbow, -1, -1, true},
      {CodeKind::kGround, "foot", kLeftAnkle, -1, -1, true},
      {CodeKind::kGround, "hips", kPelvis, -1, -1, false},
      {CodeKind::kGround, "head", kHead, -1, -1, false},
      {CodeKind::kGround, "back", kSpine3, -1, -1, false},
      // Whole-torso and head.
      {CodeKind::kPitch, "torso", kPelvis, kNeck, -1, false},
      {CodeKind::kLean, "torso", kPelvis, kNeck, -1, false},
      {CodeKind::kTwist, "torso", kLeftShoulder, kRightShoulder, -1, false},
      {CodeKind::kHead, "head-pitch", kHead, -1, -1, false},
      {CodeKind::kHead, "head-turn", kHead, -1, -1, false},
      {CodeKind::kHead, "head-tilt", kHead, -1, -1, false},
  };
  return defs;
}

const char* kind_name(CodeKind k) {
  switch (k) {
    case CodeKind::kAngle: return "angle";
    case CodeKind::kDistance: return "distance";
    case CodeKind::kAbove: return "above";
    case CodeKind::kLeftOf: return "leftof";
    case CodeKind::kInFront: return "infront";
    case CodeKind::kVertical: return "vertical";
    case CodeKind::kGround: return "ground";
    case CodeKind::kPitch: return "pitch";
    case CodeKind::kLean: return "lean";
    case CodeKind::kTwist: return "twist";
    case CodeKind::kHead: return "head";
    case CodeKind::kSuper: return "super";
  }
  return "?";
}

struct Instance {
  const Def* def;
  int side;  // -1, 0, 1
  int a, b, c;
  double value;
};

int flip(int j) { return j < 0 ? j : mirror_joint(j); }

double angle_deg(const Eigen::Vector3d& u, const Eigen::Vector3d& v) {
  const double nu = u.norm(), nv = v.norm();
  if (nu < 1e-9 || nv < 1e-9) return 0;
  return std::acos(std::clamp(u.dot(v) / (nu * nv), -1.0, 1.0)) * kDegPerRad;
}

// Mirroring a pose negates these sideways quantities, so the right-side twin and the mirror image agree.
double value_of(const Def& d, int side, int a, int b, int c, const pose::PoseFrame& f) {
  const auto& j = f.joints;
  (void)side;
  switch (d.kind) {
    case CodeKind::kAngle: return angle_deg(j[a] - j[b], j[c] - j[b]);
    case CodeKind::kDistance: return (j[a] - j[b]).norm();
    case CodeKind::kAbove: return j[a].y() - j[b].y();
    case CodeKind::kLeftOf: return j[a].x() - j[b].x();
    case CodeKind::kInFront: return j[a].z() - j[b].z();
    case CodeKind::kVertical: return std::min(angle_deg(j[b] - j[a], {0, 1, 0}), angle_deg(j[b] - j[a], {0, -1, 0}));
    case CodeKind::kGround: {
      double h = j[a].y();
      if (a == kLeftAnkle || a == kRightAnkle) h = std::min(h, j[a == kLeftAnkle ? kLeftFoot : kRightFoot].y());
      return h - f.ground;
    }
    case CodeKind::kPitch: {
      const Eigen::Vector3d t = j[b] - j[a];
      return std::atan2(t.z(), t.y()) * kDegPerRad;
    }
    case CodeKind::kLean: {
      const Eigen::Vector3d t = j[b] - j[a];
      return std::atan2(t.x(), std::hypot(t.y(), t.z())) * kDegPerRad;
    }
    case CodeKind::kTwist: {
      const Eigen::Vector3d s = j[a] - j[b];
      return std::atan2(-s.z(), s.x()) * kDegPerRad;
    }
    case CodeKind::kHead: {
      const Eigen::Matrix3d rel = f.rotations[kSpine3].transpose() * f.rotations[kHead];
      const Eigen::Vector3d fwd = rel * Eigen::Vector3d(0, 0, 1), up = rel * Eigen::Vector3d(0, 1, 0);
      if (d.key == "head-pitch") return std::atan2(-fwd.y(), fwd.z()) * kDegPerRad;
      if (d.key == "head-turn") return std::atan2(fwd.x(), fwd.z()) * kDegPerRad;
      return std::atan2(up.x(), up.y()) * kDegPerRad;
    }
    case CodeKind::kSuper: break;
  }
  return 0;
}

std::vector<Instance> instances(const pose::PoseFrame& f) {
  std::vector<Instance> out;
  for (const auto& d : definitions()) {
    if (d.mirror) {
      out.push_back({&d, 0, d.a, d.b, d.c, value_of(d, 0, d.a, d.b, d.c, f)});
      out.push_back({&d, 1, flip(d.a), flip(d.b), flip(d.c), value_of(d, 1, flip(d.a), flip(d.b), flip(d.c), f)});
    } else {
      out.push_back({&d, -1, d.a, d.b, d.c, value_of(d, -1, d.a, d.b, d.c, f)});
    }
  }
  return out;
}

std::string measure_id(const Instance& in) {
  std::string id = std::string(kind_name(in.def->kind)) + ":" + in.def->key;
  if (in.side == 0) id += ":left";
  if (in.side == 1) id += ":right";
  return id;
}

// Noise in [-1, 1] from the seed and a side-free key (so a measurement and its mirror twin get the same).
double unit_noise(std::uint64_t seed, const std::string& key) {
  std::uint64_t h = seed * 0x9E3779B97F4A7C15ull;
  for (char ch : key) h = (h ^ static_cast<unsigned char>(ch)) * 0x100000001B3ull;
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 32;
  return static_cast<double>(h % 2000001) / 1000000.0 - 1.0;
}

int bin(double v, std::initializer_list<double> edges) {
  int c = 0;
  for (double e : edges) {
    if (v < e) return c;
    ++c;
  }
  return c;
}

}  // namespace

double Measurements::get(const std::string& measure) const {
  for (const auto& [k, v] : values)
    if (k == measure) return v;
  return 0;
}

Measurements measure_pose(const pose::PoseFrame& frame) {
  Measurements m;
  for (const auto& in : instances(frame)) m.values.emplace_back(measure_id(in), in.value);
  return m;
}

std::vector<Posecode> extract_posecodes(const pose::PoseFrame& frame, std::uint64_t seed) {
  std::vector<Posecode> out;
  std::map<std::string, double> v;  // noisy values by measure id, for the super-posecodes
  for (const auto& in : instances(frame)) {
    const Def& d = *in.def;
    const std::string key = std::string(kind_name(d.kind)) + ":" + d.key;
    const double noise = seed == 0 ? 0.0 : unit_noise(seed, key);
    // Noise amplitudes: a few degrees for angles, about 2 cm for distances and positions.
    const bool degrees = d.kind == CodeKind::kAngle || d.kind == CodeKind::kVertical || d.kind == CodeKind::kPitch ||
                         d.kind == CodeKind::kLean || d.kind == CodeKind::kTwist || d.kind == CodeKind::kHead;
    // Quantities that change sign under mirroring (left hand higher than the right, leaning left) take their
    // noise on the magnitude, so a mirrored pose gets exactly the mirrored value.
    const bool antisymmetric = ((d.kind == CodeKind::kAbove || d.kind == CodeKind::kInFront) && !d.mirror) ||
                               d.kind == CodeKind::kLean || d.kind == CodeKind::kTwist || d.key == "head-turn" ||
                               d.key == "head-tilt";
    const double value = in.value + (degrees ? 4.0 : 0.02) * noise * (antisymmetric ? (in.value < 0 ? -1.0 : 1.0) : 1.0);
    v[measure_id(in)] = value;
    Posecode p{d.kind, measure_id(in), key, in.side, in.a, in.b, 0, value, false};
    bool keep = true;
    switch (d.kind) {
      case CodeKind::kAngle:
        p.category = bin(value, {45, 75, 105, 135, 160});
        p.rare = p.category <= 2;
        break;
      case CodeKind::kDistance: {
        p.category = bin(value, {0.20, 0.40, 0.80});
        const bool two_sides = d.key == "hands" || d.key == "elbows" || d.key == "knees" || d.key == "feet";
        keep = two_sides || p.category == 0;  // a hand near a body part is news; far from it is not
        // Knees and feet about shoulder width apart (and knees somewhat apart) is how people stand: not news.
        if (d.key == "elbows" || d.key == "knees") keep = p.category == 0 || p.category == 3;
        if (d.key == "feet") keep = p.category != 1;
        p.rare = p.category == 0;
        break;
      }
      case CodeKind::kAbove:
      case CodeKind::kLeftOf:
      case CodeKind::kInFront: {
        p.category = bin(value, {-0.15, -0.05, 0.05, 0.15});
        keep = p.category != 1 && p.category != 3;
        // "At the same height/level" only says something for the two hands or feet.
        if (p.category == 2) keep = (d.key == "hands" || d.key == "feet" || d.key == "knee-hip") && d.kind != CodeKind::kLeftOf;
        // Only the unusual side relations are told: crossed hands or feet.
        if (d.kind == CodeKind::kLeftOf) keep = p.category == 0;
        if (d.key == "foot-knee") keep = p.category == 4;
        if (d.key == "hand-hip") keep = false;  // measured for the hand-on-hip super-posecode only
        p.rare = d.kind == CodeKind::kLeftOf || (d.key == "hand-head" && p.category == 4) || d.key == "foot-knee";
        break;
      }
      case CodeKind::kVertical:
        p.category = value < 10 ? 0 : value > 80 ? 1 : -1;
        keep = p.category >= 0;
        break;
      case CodeKind::kGround:
        p.category = 0;
        keep = value < 0.10 && d.key != "foot";
        p.rare = d.key == "knee" || d.key == "hand" || d.key == "hips" || d.key == "back" || d.key == "head";
        break;
      case CodeKind::kPitch:
        p.category = bin(value, {-50, -20, 20, 50});
        keep = p.category != 2;
        break;
      case CodeKind::kLean:
        p.category = bin(value, {-30, -15, 15, 30});
        keep = p.category != 2;
        break;
      case CodeKind::kTwist:
        p.category = bin(value, {-50, -20, 20, 50});
        keep = p.category != 2;
        break;
      case CodeKind::kHead:
        if (d.key == "head-pitch") p.category = bin(value, {-45, -20, 20, 45});
        else if (d.key == "head-turn") p.category = bin(value, {-60, -25, 25, 60});
        else p.category = bin(value, {-30, -15, 15, 30});
        keep = p.category != 2;
        break;
      case CodeKind::kSuper: break;
    }
    if (keep) out.push_back(p);
  }

  // Super-posecodes.
  auto add_super = [&](const std::string& name, int side) {
    Posecode p{CodeKind::kSuper, "super:" + name + (side == 0 ? ":left" : side == 1 ? ":right" : ""), "super:" + name, side, -1, -1, 0, 0, true};
    out.push_back(p);
  };
  auto g = [&](const std::string& id) { return v.count(id) ? v.at(id) : 0.0; };
  const bool torso_horizontal = g("vertical:torso") > 60;
  const bool hips_down = g("ground:hips") < 0.12, back_down = g("ground:back") < 0.15;
  const bool torso_low = std::max(frame.joints[kPelvis].y(), frame.joints[kSpine3].y()) - frame.ground < 0.3;
  const Eigen::Vector3d chest = frame.rotations[kSpine3] * Eigen::Vector3d(0, 0, 1);
  if (torso_horizontal && (hips_down || back_down || torso_low)) {
    if (chest.y() > 0.6) add_super("lying-back", -1);
    else if (chest.y() < -0.6) add_super("lying-front", -1);
    else add_super(chest.x() > 0 ? "lying-side-right" : "lying-side-left", -1);
  } else if (torso_horizontal) {
    add_super("torso-horizontal", -1);
  }
  const bool lying = torso_horizontal && (hips_down || back_down || torso_low);
  const bool knee_l = g("ground:knee:left") < 0.10 && g("angle:knee:left") < 130;
  const bool knee_r = g("ground:knee:right") < 0.10 && g("angle:knee:right") < 130;
  if (!lying && (knee_l || knee_r) && !hips_down) add_super(knee_l && knee_r ? "kneeling-both" : "kneeling", knee_l && knee_r ? -1 : (knee_l ? 0 : 1));
  if (!lying && hips_down && !(knee_l || knee_r)) add_super("sitting-ground", -1);
  if (!lying && !hips_down && g("angle:knee:left") < 80 && g("angle:knee:right") < 80 && !(knee_l || knee_r) &&
      frame.joints[kPelvis].y() - frame.ground < 0.55)
    add_super("squatting", -1);
  if (!lying && !hips_down && g("vertical:thigh:left") > 65 && g("vertical:thigh:right") > 65 &&
      g("angle:knee:left") > 55 && g("angle:knee:right") > 55 && g("angle:knee:left") < 130 &&
      g("angle:knee:right") < 130 && g("vertical:torso") < 35 && !(knee_l || knee_r))
    add_super("sitting", -1);
  if (!lying && g("angle:knee:left") > 160 && g("angle:knee:right") > 160 && g("vertical:thigh:left") < 12 &&
      g("vertical:thigh:right") < 12 && g("vertical:torso") < 12)
    add_super("standing-straight", -1);
  if (g("leftof:hands") < -0.05 && g("infront:hand-torso:left") > 0.05 && g("infront:hand-torso:right") > 0.05 &&
      g("angle:elbow:left") < 110 && g("angle:elbow:right") < 110)
    add_super("arms-crossed", -1);
  for (int s = 0; s < 2; ++s) {
    const char* side = s == 0 ? ":left" : ":right";
    if (g(std::string("distance:hand-hip") + side) < 0.21 && g(std::string("angle:elbow") + side) < 125 &&
        g(std::string("above:hand-hip") + side) > -0.02)
      add_super("hand-on-hip", s);
    if (g(std::string("distance:hand-head") + side) < 0.22 && g(std::string("above:hand-shoulder") + side) > 0.05) add_super("hand-on-head", s);
  }
  if (g("distance:hands") < 0.12) add_super("hands-together", -1);
  if (g("vertical:upper-arm:left") > 75 && g("vertical:upper-arm:right") > 75 && g("vertical:forearm:left") > 75 &&
      g("vertical:forearm:right") > 75 && g("distance:hands") > 1.2)
    add_super("arms-spread", -1);
  if (!lying) {
    const bool lifted_l = g("ground:foot:left") > 0.15, lifted_r = g("ground:foot:right") > 0.15;
    if (lifted_l != lifted_r && !hips_down && !(knee_l || knee_r)) add_super("foot-lifted", lifted_l ? 0 : 1);
  }
  return out;
}

std::string part_name(int joint) {
  std::string name = kJointNames.at(joint);
  const std::string side = name.rfind("left_", 0) == 0 ? "left " : name.rfind("right_", 0) == 0 ? "right " : "";
  std::string base = side.empty() ? name : name.substr(side.size());
  if (base == "wrist") base = "hand";
  else if (base == "ankle") base = "foot";
  else if (base == "foot") base = "toes";
  else if (base == "collar") base = "collarbone";
  else if (base == "spine3") base = "chest";
  else if (base == "spine1" || base == "spine2") base = "back";
  else if (base == "pelvis") base = "hips";
  return side + base;
}

}  // namespace unipose::text
