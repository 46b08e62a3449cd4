#include "core/data/targeted.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <Eigen/Geometry>

#include "core/body/axis_angle.h"
#include "core/body/body_model.h"
#include "core/body/mannequin.h"
#include "core/error.h"
#include "core/pose/frame.h"
#include "core/pose/joint_limits.h"
#include "core/pose/sampler.h"

namespace unipose::data {
namespace {

using namespace body;
using text::Change;
using text::Part;
constexpr double kDeg = M_PI / 180.0;

Eigen::Matrix3d rx(double deg) { return Eigen::AngleAxisd(deg * kDeg, Eigen::Vector3d::UnitX()).toRotationMatrix(); }
Eigen::Matrix3d ry(double deg) { return Eigen::AngleAxisd(deg * kDeg, Eigen::Vector3d::UnitY()).toRotationMatrix(); }
Eigen::Matrix3d rz(double deg) { return Eigen::AngleAxisd(deg * kDeg, Eigen::Vector3d::UnitZ()).toRotationMatrix(); }

struct Maker {
  std::mt19937_64& rng;
  pose::Pose p;

  double u(double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); }
  // A joint's rotation written for the left side; the right side is its mirror image.
  void set(int joint, int side, const Eigen::Matrix3d& left) {
    const Eigen::Vector3d aa = axis_angle(left);
    p.rotations[side == 0 ? joint : mirror_joint(joint)] = side == 0 ? aa : Eigen::Vector3d(aa.x(), -aa.y(), -aa.z());
  }
  // Arm: elevation in the frontal plane (-90 hanging, 0 out, 90 up), azimuth (-90 forward), elbow flexion.
  void arm(int s, double elevation, double azimuth, double elbow, double twist = 0, double collar = 0) {
    set(kLeftShoulder, s, ry(azimuth) * rz(elevation) * rx(twist));
    set(kLeftElbow, s, ry(-elbow));
    set(kLeftCollar, s, rz(collar));
    set(kLeftWrist, s, rz(u(-10, 10)) * ry(u(-8, 8)));
  }
  // Leg: hip flexion (thigh forward), abduction (outward), knee flexion, ankle (toes down positive).
  void leg(int s, double flexion, double abduction, double knee, double ankle = 0, double turn = 0) {
    set(kLeftHip, s, rx(-flexion) * rz(abduction) * ry(turn));
    set(kLeftKnee, s, rx(knee));
    set(kLeftAnkle, s, rx(ankle));
  }
  // Leg by the hip's swing and twist, the components its joint limits bound: the thigh swings about the axis
  // (-flexion, 0, abduction) by that vector's length, after turning outward about its own axis by `turn`.
  void leg_swing(int s, double flexion, double abduction, double knee, double ankle, double turn) {
    const Eigen::Vector3d swing(-flexion * kDeg, 0, abduction * kDeg);
    set(kLeftHip, s, Eigen::AngleAxisd(swing.norm(), swing.normalized()).toRotationMatrix() * ry(turn));
    set(kLeftKnee, s, rx(knee));
    set(kLeftAnkle, s, rx(ankle));
  }
  void elbow(int s, double flexion) { set(kLeftElbow, s, ry(-flexion)); }
  void knee(int s, double flexion) { set(kLeftKnee, s, rx(flexion)); }
};

std::vector<int> sides_of(Part p) {
  if (p == Part::LeftArm || p == Part::LeftLeg) return {0};
  if (p == Part::RightArm || p == Part::RightLeg) return {1};
  return {0, 1};
}

const std::vector<int>& arm_joints() {
  static const std::vector<int> j = {kLeftCollar, kLeftShoulder, kLeftElbow, kLeftWrist, kLeftHand,
                                     kRightCollar, kRightShoulder, kRightElbow, kRightWrist, kRightHand};
  return j;
}

// The lowest joints of a pose, for "both knees down".
// Whether both knees (or, with `both` false, at least one) rest on the floor: within 0.08 m of the lowest joint.
bool knees_down(const pose::Pose& p, bool both = true) {
  const auto j = posed_joint_positions(p, mannequin_rest_joints());
  double low = 1e9;
  for (const auto& x : j) low = std::min(low, x.y());
  const bool l = j[kLeftKnee].y() - low < 0.08, r = j[kRightKnee].y() - low < 0.08;
  return both ? l && r : l || r;
}

double torso_tilt_deg(const pose::Pose& p) {
  const auto j = posed_joint_positions(p, mannequin_rest_joints());
  const Eigen::Vector3d d = (j[kNeck] - j[kPelvis]).normalized();
  return std::acos(std::clamp(d.y(), -1.0, 1.0)) / kDeg;
}

// Sitting on the floor with the knees up: the corpus sampler (generator 1.2) bends the knees of a horizontal
// thigh so far that the feet hang below the seat and the body floats about 0.4 m above the floor. Here the thigh
// rises by an angle t and the shin comes down by about as much (thigh and shin are about as long), so the feet
// rest on the floor level with the seat. Straight-legged seats are left as they are.
void seat_on_floor(pose::Pose& p, std::mt19937_64& rng) {
  Maker m{rng, p};
  for (const int s : {0, 1}) {
    const int knee = s == 0 ? kLeftKnee : kRightKnee;
    if (p.rotations[knee].norm() < 45 * kDeg) continue;
    const double t = m.u(25, 45);
    m.leg(s, 90 + t, m.u(0, 20), 2 * t * m.u(0.95, 1.08), m.u(-10, 15));
  }
  p = m.p;
}

// Sitting cross-legged: the corpus sampler (generator 1.2) turns the thighs the wrong way, so the shins hang
// and the body floats about 0.4 m above the floor. Here the thighs turn outward (about 80 degrees about their own
// axis), so the bent knees fold the shins flat in front, crossing, and the seat is on the floor (pelvis about
// 0.2 m above the lowest joint, measured).
void fold_legs_crossed(pose::Pose& p, std::mt19937_64& rng) {
  Maker m{rng, p};
  // As the sampler's cross-legged family (core/pose/sampler.cpp): thighs forward, spread and turned outward,
  // the shins crossing in front of the pelvis, the top one's knee bent less.
  const int under = m.u(0, 1) < 0.5 ? 0 : 1;
  m.leg_swing(under, m.u(104, 112), m.u(52, 60), m.u(118, 128), m.u(0, 8), m.u(77, 81));
  m.leg_swing(1 - under, m.u(106, 118), m.u(48, 56), m.u(96, 104), m.u(0, 15), m.u(72, 79));
  p = pose::clamp_to_limits(m.p);
  pose::place_on_floor(p);
}

pose::Pose posture(const pose::Pose& start, const std::string& action, std::mt19937_64& rng) {
  static const std::map<std::string, std::string> family = {
      {"squat", "squatting"}, {"kneel", "kneeling"},         {"kneel_both", "kneeling"},   {"sit", "sitting_chair"},
      {"sit_floor", "sitting_floor"}, {"cross_legged", "cross_legged"}, {"lie_back", "lying_back"}, {"lie_front", "lying_front"},
      {"lie_side", "lying_side"}, {"stand", "standing"}};
  const auto it = family.find(action);
  if (it == family.end()) throw Error("no posture for '" + action + "'");
  pose::PoseSampler sampler(rng());
  pose::Pose shape;
  for (int attempt = 0; attempt < 20; ++attempt) {
    shape = sampler.sample(action == "squat" && std::uniform_real_distribution<double>(0, 1)(rng) < 0.3 ? "crouching" : it->second).pose;
    // Kneeling is what the words promise, so it is measured: the sampler's one-knee variant sometimes puts the
    // front foot lower than the knee behind (front thigh tilted down, knee bent past the vertical shin).
    if ((action != "kneel_both" && action != "kneel") || knees_down(shape, action == "kneel_both")) break;
  }
  if (action == "sit_floor") seat_on_floor(shape, rng);
  if (action == "cross_legged") fold_legs_crossed(shape, rng);
  // The arms stay as they were.
  pose::Pose out = shape;
  for (const int j : arm_joints()) out.rotations[j] = start.rotations[j];
  return out;
}

// Hands that touch the body (on the hips, on the head, arms crossed): the arm angles that put them there, found
// by measuring the posed skeleton, then checked on the actual start pose (a bent spine or a raised collar moves
// the target), drawing again up to 12 times and keeping the closest. Touching is what the words promise, so it
// is measured rather than assumed: wrist within 0.18 m of the hip joint, 0.2 m of the head joint, 0.14 m of the
// other arm's elbow.
void place_hands(Maker& m, const Change& c) {
  const auto& a = c.action;
  const std::vector<int> sides = sides_of(c.part);
  auto gap = [&](const pose::Pose& p) {
    const auto j = posed_joint_positions(p, mannequin_rest_joints());
    double worst = 0;
    for (const int s : sides) {
      const int wrist = s == 0 ? kLeftWrist : kRightWrist;
      const int to = a == "hip" ? (s == 0 ? kLeftHip : kRightHip) : a == "head" ? kHead : (s == 0 ? kRightElbow : kLeftElbow);
      const double limit = a == "hip" ? 0.18 : a == "head" ? 0.2 : 0.14;
      worst = std::max(worst, (j[wrist] - j[to]).norm() - limit);
    }
    return worst;
  };
  const pose::Pose start = m.p;
  pose::Pose best = start;
  double best_gap = 1e9;
  for (int attempt = 0; attempt < 12; ++attempt) {
    m.p = start;
    if (a == "cross") {
      // One forearm rests on the other: the upper one a little higher, so the two do not pass through each other.
      const int upper = m.u(0, 1) < 0.5 ? 0 : 1;
      const double elevation = m.u(-26, -12);
      for (const int s : {0, 1})
        m.arm(s, s == upper ? elevation : elevation - m.u(5, 14), m.u(-110, -99), m.u(64, 80), m.u(-14, 8));
    } else {
      for (const int s : sides) {
        if (a == "hip") m.arm(s, m.u(-60, -50), m.u(-5, 12), m.u(62, 80), m.u(75, 95));
        else m.arm(s, m.u(40, 52), m.u(-20, 25), m.u(120, 138), m.u(-105, -70));
      }
    }
    const double g = gap(m.p) + std::max(0.0, pose::self_penetration(m.p) - pose::kMaxPenetration);
    if (g < best_gap) best_gap = g, best = m.p;
    if (g <= 0) break;
  }
  m.p = best;
}

}  // namespace

pose::Pose apply_change(const pose::Pose& start, const Change& c, std::mt19937_64& rng) {
  Maker m{rng, start};
  const auto& a = c.action;
  auto unknown = [&] { return Error("unknown change '" + a + "'"); };
  switch (c.part) {
    case Part::LeftArm:
    case Part::RightArm:
    case Part::Arms:
      if (a == "hip" || a == "head" || a == "cross") {
        if (a == "cross" && c.part != Part::Arms) throw unknown();
        place_hands(m, c);
        break;
      }
      for (const int s : sides_of(c.part)) {
        if (a == "up") m.arm(s, m.u(72, 95), m.u(-20, 10), m.u(0, 20), m.u(-10, 10), m.u(5, 20));
        else if (a == "out") m.arm(s, m.u(-10, 12), m.u(-15, 10), m.u(0, 15), m.u(-10, 10));
        else if (a == "forward") m.arm(s, m.u(-10, 12), m.u(-95, -78), m.u(0, 15), m.u(-10, 10));
        else if (a == "down") m.arm(s, m.u(-85, -70), m.u(-15, 10), m.u(0, 20), m.u(-10, 10));
        else if (a == "bend") m.elbow(s, m.u(80, 125));
        else if (a == "straighten") m.elbow(s, m.u(0, 8));
        // A wave: the upper arm out and a little up, the forearm bent up so the hand is over the shoulder.
        else if (a == "wave" && c.part != Part::Arms) m.arm(s, m.u(15, 45), m.u(-30, 0), m.u(60, 100), m.u(-100, -75));
        // A boxing guard: elbows down in front, forearms up, fists by the chin.
        else if (a == "guard" && c.part == Part::Arms) m.arm(s, m.u(-45, -30), m.u(-70, -55), m.u(115, 135), m.u(-65, -45));
        else throw unknown();
      }
      break;
    case Part::LeftLeg:
    case Part::RightLeg:
    case Part::Legs: {
      const auto sides = sides_of(c.part);
      if (a == "bend" && sides.size() == 2) {
        // Both knees bent while standing: the hips sink, the thighs come forward, the shins lean.
        const double knee = m.u(45, 85), hip = knee * m.u(0.45, 0.6);
        for (const int s : sides) m.leg(s, hip, m.u(0, 10), knee, -(knee - hip) * 0.8);
        m.p.rotations[kPelvis] = axis_angle(rotation_matrix(start.rotations[kPelvis]) * rx(m.u(5, 15)));
      } else {
        for (const int s : sides) {
          if (a == "bend") m.knee(s, m.u(60, 110));
          else if (a == "straighten") m.knee(s, m.u(0, 6));
          else if (a == "knee_up") m.leg(s, m.u(70, 100), m.u(0, 10), m.u(70, 110));
          else if (a == "kick") m.leg(s, m.u(50, 85), m.u(-5, 10), m.u(0, 15));
          else if (a == "side") m.leg(s, m.u(-5, 10), m.u(35, 55), m.u(0, 10));
          else if (a == "step_forward") {
            m.leg(s, m.u(22, 35), m.u(0, 8), m.u(5, 25));
            m.leg(1 - s, -m.u(10, 20), m.u(0, 8), m.u(0, 10), m.u(-10, 0));
          } else if (a == "step_back") {
            m.leg(s, -m.u(15, 30), m.u(0, 8), m.u(5, 20), m.u(10, 25));
            m.leg(1 - s, m.u(5, 15), m.u(0, 8), m.u(0, 10));
          } else if (a == "apart" && sides.size() == 2) m.leg(s, m.u(-3, 5), m.u(20, 35), m.u(0, 10));
          else if (a == "together" && sides.size() == 2) m.leg(s, m.u(-3, 5), m.u(-5, 0), m.u(0, 6));
          else throw unknown();
        }
      }
      break;
    }
    case Part::Head: {
      double pitch = 0, turn = 0;
      if (a == "left") turn = m.u(40, 70);
      else if (a == "right") turn = -m.u(40, 70);
      else if (a == "up") pitch = -m.u(30, 50);
      else if (a == "down") pitch = m.u(30, 50);
      else throw unknown();
      m.p.rotations[kNeck] = axis_angle(rx(pitch * 0.5) * ry(turn * 0.5));
      m.p.rotations[kHead] = axis_angle(rx(pitch * 0.5) * ry(turn * 0.5));
      break;
    }
    case Part::Torso: {
      double flexion = 0, lateral = 0, twist = 0;
      if (a == "forward") {
        // The pelvis tips forward and the hips flex by as much, so the legs stay where they stand.
        const double hip = m.u(25, 55);
        m.p.rotations[kPelvis] = axis_angle(rotation_matrix(start.rotations[kPelvis]) * rx(hip));
        for (const int s : {0, 1}) {
          const int j = s == 0 ? kLeftHip : kRightHip;
          m.p.rotations[j] = axis_angle(rx(-hip) * rotation_matrix(start.rotations[j]));
        }
        flexion = m.u(15, 35);
      } else if (a == "back") flexion = -m.u(20, 35);
      else if (a == "left") lateral = -m.u(20, 35);
      else if (a == "right") lateral = m.u(20, 35);
      else if (a == "twist_left") twist = m.u(30, 60);
      else if (a == "twist_right") twist = -m.u(30, 60);
      else throw unknown();
      for (int j : {kSpine1, kSpine2, kSpine3}) m.p.rotations[j] = axis_angle(rx(flexion / 3) * rz(lateral / 3) * ry(twist / 3));
      break;
    }
    case Part::Body: m.p = posture(start, a, rng); break;
  }
  pose::Pose out = pose::clamp_to_limits(m.p);
  out.betas = start.betas;
  pose::place_on_floor(out);
  return out;
}

int add_targeted_edits(Corpus& corpus, const std::string& split, int count, std::uint64_t seed) {
  if (count <= 0) return 0;
  const std::vector<int> members = corpus.split(split);
  if (members.empty()) return 0;
  std::mt19937_64 rng(seed ^ 0x5EDC0DEull);
  std::uniform_int_distribution<size_t> any(0, members.size() - 1);
  // What people ask for most: arms, then whole-body postures, legs, torso, head.
  const std::vector<std::pair<Part, double>> parts = {{Part::LeftArm, 2.5}, {Part::RightArm, 2.5}, {Part::Arms, 3}, {Part::Body, 3},
                                                      {Part::LeftLeg, 1.2}, {Part::RightLeg, 1.2}, {Part::Legs, 1}, {Part::Torso, 1.2},
                                                      {Part::Head, 1}};
  std::vector<double> weights;
  for (const auto& [p, w] : parts) weights.push_back(w);
  std::discrete_distribution<size_t> part_of(weights.begin(), weights.end());
  std::discrete_distribution<int> how_many({0.72, 0.23, 0.05});
  int added = 0;
  for (int attempt = 0; added < count && attempt < 5 * count; ++attempt) {
    const int a = members[any(rng)];
    const pose::Pose& start = corpus.poses[a];
    const int n = 1 + how_many(rng);
    std::vector<Change> changes;
    std::vector<Part> used;
    for (int k = 0; k < 20 && static_cast<int>(changes.size()) < n; ++k) {
      const Part part = parts[part_of(rng)].first;
      // One change per body region; a posture change comes first and alone decides the legs.
      auto region = [](Part p) {
        return p == Part::LeftArm || p == Part::RightArm || p == Part::Arms ? (p == Part::Arms ? 0 : p == Part::LeftArm ? 1 : 2)
               : p == Part::Body || p == Part::LeftLeg || p == Part::RightLeg || p == Part::Legs ? 3
                                                                                                   : (p == Part::Head ? 4 : 5);
      };
      bool clash = false;
      for (const Part u : used) clash = clash || region(u) == region(part) || (region(u) <= 2 && region(part) <= 2 && (region(u) == 0 || region(part) == 0));
      if (clash) continue;
      const auto& acts = text::actions_of(part);
      const std::string action = acts[std::uniform_int_distribution<size_t>(0, acts.size() - 1)(rng)];
      if (part == Part::Torso && torso_tilt_deg(start) > 45) continue;  // leaning is asked of someone upright
      used.push_back(part);
      if (part == Part::Body) changes.insert(changes.begin(), Change{part, action});
      else changes.push_back(Change{part, action});
    }
    if (changes.empty()) continue;
    pose::Pose b = start;
    for (const auto& c : changes) b = apply_change(b, c, rng);
    // A change that moves nothing (the arm was already up) teaches nothing.
    const auto ja = posed_joint_positions(start, mannequin_rest_joints()), jb = posed_joint_positions(b, mannequin_rest_joints());
    double moved = 0;
    for (int j = 0; j < kNumBodyJoints; ++j) moved = std::max(moved, ((jb[j] - jb[0]) - (ja[j] - ja[0])).norm());
    if (moved < 0.08) continue;
    if (pose::self_penetration(b) > pose::kMaxPenetration) continue;
    CorpusPair pair;
    pair.a = a;
    pair.b = corpus.add_pose(b);
    pair.split = split;
    pair.targeted = true;
    for (int k = 0; k < 3; ++k) pair.instructions.push_back(text::say_changes(changes, rng));
    corpus.pairs.push_back(std::move(pair));
    ++added;
  }
  return added;
}

pose::Pose described_posture(const std::string& posture, pose::PoseSampler& sampler, std::mt19937_64& rng) {
  const size_t cut = posture.rfind('_');
  const std::string stem = cut == std::string::npos ? posture : posture.substr(0, cut), side = cut == std::string::npos ? "" : posture.substr(cut + 1);
  const bool sided = side == "left" || side == "right";
  const int s = side == "right" ? 1 : 0;
  if (!sided && posture != "lean_back") {
    pose::Pose p = sampler.sample(posture).pose;
    if (posture == "sitting_floor") {
      seat_on_floor(p, rng);
      pose::place_on_floor(p);
    }
    if (posture == "cross_legged") fold_legs_crossed(p, rng);
    return p;
  }
  Maker m{rng, sampler.sample("standing").pose};
  if (stem == "lunge") {
    // The front thigh near level over an upright shin; the back knee bent and low, the back foot behind on its
    // toes; the body upright.
    m.leg(s, m.u(75, 100), m.u(0, 10), m.u(85, 110), m.u(-10, 10));
    m.leg(1 - s, -m.u(10, 20), m.u(0, 10), m.u(75, 100), m.u(10, 35));
    for (int j : {kSpine1, kSpine2, kSpine3}) m.p.rotations[j] = axis_angle(rx(m.u(-5, 5) / 3));
  } else if (stem == "one_leg") {
    m.leg(s, m.u(75, 105), m.u(0, 15), m.u(60, 110), m.u(0, 30));
    m.leg(1 - s, m.u(-3, 5), m.u(0, 5), m.u(0, 8));
  } else if (stem == "leg_side") {
    m.leg(s, m.u(-5, 10), m.u(35, 55), m.u(0, 10));
    m.leg(1 - s, m.u(-3, 5), m.u(0, 5), m.u(0, 8));
  } else if (stem == "lean") {
    return apply_change(m.p, {Part::Torso, posture == "lean_back" ? "back" : side}, rng);
  } else {
    throw Error("no posture '" + posture + "' to describe");
  }
  pose::Pose out = pose::clamp_to_limits(m.p);
  pose::place_on_floor(out);
  return out;
}

// The measured variant of a sampled posture that its words can say: which knee is down when kneeling on one,
// legs straight when sitting on the floor.
std::string measured_posture(const std::string& posture, const pose::Pose& p) {
  const auto j = posed_joint_positions(p, mannequin_rest_joints());
  double low = 1e9;
  for (const auto& x : j) low = std::min(low, x.y());
  if (posture == "kneeling") {
    const double l = j[kLeftKnee].y() - low, r = j[kRightKnee].y() - low;
    if (l < 0.1 && r > 0.25) return "kneeling_left";
    if (r < 0.1 && l > 0.25) return "kneeling_right";
  }
  if (posture == "sitting_floor" && p.rotations[kLeftKnee].norm() < 25 * kDeg && p.rotations[kRightKnee].norm() < 25 * kDeg) return "sitting_floor_straight";
  return posture;
}

int add_described_poses(Corpus& corpus, const std::string& split, int count, std::uint64_t seed) {
  if (count <= 0) return 0;
  if (!corpus.splits.count(split)) fail(corpus.dir + "/splits.json", "no '" + split + "' split");
  corpus.descriptions.resize(corpus.poses.size());
  std::mt19937_64 rng(seed ^ 0xDE5C41BEull);
  const auto& postures = text::described_postures();
  pose::PoseSampler sampler(seed * 7919 + 3);
  int added = 0;
  for (int attempt = 0; added < count && attempt < 3 * count; ++attempt) {
    const std::string posture = postures[std::uniform_int_distribution<size_t>(0, postures.size() - 1)(rng)];
    pose::Pose p = described_posture(posture, sampler, rng);
    std::vector<Change> arms;
    const double r = std::uniform_real_distribution<double>(0, 1)(rng);
    if (r < 0.55) {
      static const std::vector<std::string> both_arms = {"up", "out", "forward", "down", "hip", "head", "cross", "guard"};
      static const std::vector<std::string> one_arm = {"up", "out", "forward", "hip", "head", "wave"};
      if (r < 0.35) arms.push_back({Part::Arms, both_arms[std::uniform_int_distribution<size_t>(0, both_arms.size() - 1)(rng)]});
      else arms.push_back({r < 0.45 ? Part::LeftArm : Part::RightArm, one_arm[std::uniform_int_distribution<size_t>(0, one_arm.size() - 1)(rng)]});
      for (const auto& c : arms) p = apply_change(p, c, rng);
    }
    if (pose::self_penetration(p) > pose::kMaxPenetration) continue;
    std::vector<std::string> texts;
    const std::string said = measured_posture(posture, p);
    for (int k = 0; k < 3; ++k) texts.push_back(text::say_pose(said, arms, rng));
    corpus.splits[split].push_back(corpus.add_pose(p, std::move(texts)));
    ++added;
  }
  return added;
}

}  // namespace unipose::data
