#include "core/pose/sampler.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include <Eigen/Geometry>

#include "core/body/axis_angle.h"
#include "core/body/body_model.h"
#include "core/body/mannequin.h"
#include "core/error.h"
#include "core/pose/frame.h"
#include "core/pose/joint_limits.h"

namespace unipose::pose {
namespace {

using namespace body;
constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180.0;

Eigen::Vector3d aa_of(const Eigen::Matrix3d& m) { return axis_angle(m); }
Eigen::Matrix3d rx(double a) { return Eigen::AngleAxisd(a, Eigen::Vector3d::UnitX()).toRotationMatrix(); }
Eigen::Matrix3d ry(double a) { return Eigen::AngleAxisd(a, Eigen::Vector3d::UnitY()).toRotationMatrix(); }
Eigen::Matrix3d rz(double a) { return Eigen::AngleAxisd(a, Eigen::Vector3d::UnitZ()).toRotationMatrix(); }
Eigen::Vector3d mirrored(const Eigen::Vector3d& r) { return Eigen::Vector3d(r.x(), -r.y(), -r.z()); }

// Builds one pose in terms a person would use (raise the arm, bend the knee), always written for the left
// side and mirrored for the right. Angles in degrees.
struct Builder {
  std::mt19937_64& rng;
  Pose p;
  Eigen::Matrix3d root = Eigen::Matrix3d::Identity();

  double u(double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); }
  double n(double sd) { return std::normal_distribution<double>(0, sd)(rng); }
  bool coin(double prob = 0.5) { return u(0, 1) < prob; }
  int side() { return coin() ? 0 : 1; }  // 0 = left, 1 = right

  void set(int joint, int s, const Eigen::Matrix3d& left_version) {
    const int j = s == 0 ? joint : mirror_joint(joint);
    const Eigen::Vector3d aa = aa_of(left_version);
    p.rotations[j] = s == 0 ? aa : mirrored(aa);
  }
  // Arm: elevation in the frontal plane (-90 hanging, 0 out sideways, 90 up), then azimuth (-90 forward,
  // +30 back), elbow flexion, upper-arm twist.
  void arm(int s, double elevation, double azimuth, double elbow, double twist = 0, double collar = 0) {
    set(kLeftShoulder, s, ry(azimuth * kDeg) * rz(elevation * kDeg) * rx(twist * kDeg));
    set(kLeftElbow, s, ry(-elbow * kDeg));
    set(kLeftCollar, s, rz(collar * kDeg));
    set(kLeftWrist, s, rz(n(12) * kDeg) * ry(n(8) * kDeg));
  }
  void relaxed_arm(int s) { arm(s, u(-82, -65), u(-15, 10), u(5, 30), n(10)); }
  // Leg: hip flexion (thigh forward), abduction (outward), knee flexion, ankle (toes down positive).
  void leg(int s, double flexion, double abduction, double knee, double ankle = 0, double turn = 0) {
    set(kLeftHip, s, rx(-flexion * kDeg) * rz(abduction * kDeg) * ry(turn * kDeg));
    set(kLeftKnee, s, rx(knee * kDeg));
    set(kLeftAnkle, s, rx(ankle * kDeg));
  }
  // Leg by the hip's swing and twist, the components its joint limits bound: the thigh swings about the axis
  // (-flexion, 0, abduction) by that vector's length, after turning outward about its own axis by `turn`.
  void leg_swing(int s, double flexion, double abduction, double knee, double ankle, double turn) {
    const Eigen::Vector3d swing(-flexion * kDeg, 0, abduction * kDeg);
    set(kLeftHip, s, Eigen::AngleAxisd(swing.norm(), swing.normalized()).toRotationMatrix() * ry(turn * kDeg));
    set(kLeftKnee, s, rx(knee * kDeg));
    set(kLeftAnkle, s, rx(ankle * kDeg));
  }
  void spine(double flexion, double lateral = 0, double twist = 0) {
    for (int j : {kSpine1, kSpine2, kSpine3}) p.rotations[j] = aa_of(rx(flexion / 3 * kDeg) * rz(lateral / 3 * kDeg) * ry(twist / 3 * kDeg));
  }
  void head(double pitch, double turn, double tilt = 0) {
    p.rotations[kNeck] = aa_of(rx(pitch * 0.5 * kDeg) * ry(turn * 0.5 * kDeg));
    p.rotations[kHead] = aa_of(rx(pitch * 0.5 * kDeg) * ry(turn * 0.5 * kDeg) * rz(tilt * kDeg));
  }
  void natural_head() { head(n(8), n(15), n(5)); }
  void body_tilt(const Eigen::Matrix3d& r) { root = r; }
};

using Family = std::function<void(Builder&)>;

void standing(Builder& b) {
  b.spine(b.n(5), b.n(4), b.n(6));
  b.natural_head();
  const double spread = b.u(0, 12);
  b.leg(0, b.n(4), spread, b.u(0, 8), b.n(4), b.n(8));
  b.leg(1, b.n(4), spread + b.n(2), b.u(0, 8), b.n(4), b.n(8));
  // Arms: hanging, on the move, out, or one lifted.
  for (int s = 0; s < 2; ++s) {
    const double r = b.u(0, 1);
    if (r < 0.5) b.relaxed_arm(s);
    else if (r < 0.7) b.arm(s, b.u(-40, 10), b.u(-30, 10), b.u(0, 40), b.n(15));
    else if (r < 0.85) b.arm(s, b.u(-70, -30), b.u(-80, -40), b.u(40, 110), b.n(15));
    else b.arm(s, b.u(20, 80), b.u(-60, 10), b.u(0, 60), b.n(15));
  }
}

void walking(Builder& b) {
  const double phase = b.u(-1, 1), stride = b.u(20, 35);
  b.spine(b.u(0, 10), b.n(3), phase * b.u(0, 8));
  b.natural_head();
  b.leg(0, phase * stride, b.u(0, 5), std::max(0.0, -phase) * b.u(10, 40) + b.u(2, 10), b.n(8));
  b.leg(1, -phase * stride, b.u(0, 5), std::max(0.0, phase) * b.u(10, 40) + b.u(2, 10), b.n(8));
  b.arm(0, b.u(-82, -70), -phase * b.u(10, 30), b.u(10, 35));
  b.arm(1, b.u(-82, -70), phase * b.u(10, 30), b.u(10, 35));
}

void running(Builder& b) {
  const double phase = b.u(-1, 1);
  b.spine(b.u(10, 25), b.n(3), phase * b.u(5, 15));
  b.head(b.u(-20, -5), b.n(8));
  b.leg(0, phase > 0 ? phase * b.u(40, 70) : phase * b.u(10, 25), b.u(0, 6), phase > 0 ? b.u(40, 90) : b.u(60, 120), b.n(10));
  b.leg(1, phase < 0 ? -phase * b.u(40, 70) : -phase * b.u(10, 25), b.u(0, 6), phase < 0 ? b.u(40, 90) : b.u(60, 120), b.n(10));
  b.arm(0, b.u(-75, -55), -phase * b.u(30, 60), b.u(70, 100));
  b.arm(1, b.u(-75, -55), phase * b.u(30, 60), b.u(70, 100));
}

void jumping(Builder& b) {
  const bool tuck = b.coin(0.4);
  b.spine(tuck ? b.u(20, 40) : b.u(-15, 10));
  b.natural_head();
  for (int s = 0; s < 2; ++s) {
    if (tuck) b.leg(s, b.u(60, 100), b.u(0, 15), b.u(80, 120));
    else b.leg(s, b.u(-5, 20), b.u(0, 25), b.u(0, 40), b.u(10, 40));
    if (b.coin(0.6)) b.arm(s, b.u(50, 85), b.u(-40, 10), b.u(0, 30));
    else b.arm(s, b.u(-20, 30), b.u(-20, 20), b.u(0, 30));
  }
}

void sitting_chair(Builder& b) {
  b.spine(b.u(-5, 20), b.n(4), b.n(8));
  b.natural_head();
  for (int s = 0; s < 2; ++s) {
    b.leg(s, b.u(75, 100), b.u(0, 15), b.u(70, 110), b.n(10), b.n(10));
    const double r = b.u(0, 1);
    if (r < 0.5) b.arm(s, b.u(-80, -60), b.u(-45, -20), b.u(40, 80), b.n(10));  // hands on the thighs
    else if (r < 0.7) b.relaxed_arm(s);
    else b.arm(s, b.u(-60, -20), b.u(-80, -40), b.u(60, 130), b.n(15));
  }
  if (b.coin(0.25)) b.leg(b.side(), b.u(100, 115), b.u(-10, 0), b.u(80, 110));  // one leg crossed over
}

void sitting_floor(Builder& b) {
  b.spine(b.u(-10, 30), b.n(5), b.n(10));
  b.natural_head();
  const bool knees_up = b.coin();
  for (int s = 0; s < 2; ++s) {
    if (knees_up) b.leg(s, b.u(80, 110), b.u(0, 20), b.u(90, 140));
    else b.leg(s, b.u(80, 95), b.u(0, 25), b.u(0, 20), b.u(10, 40));
    if (b.coin(0.5)) b.arm(s, b.u(-80, -55), b.u(10, 40), b.u(0, 20));  // hands on the floor behind
    else b.arm(s, b.u(-70, -40), b.u(-70, -40), b.u(30, 90));
  }
}

void cross_legged(Builder& b) {
  b.spine(b.u(0, 25), b.n(3), b.n(6));
  b.natural_head();
  // Thighs forward and spread, turned outward near the hip's limit, the shins crossing in front of the pelvis,
  // one above the other: the leg on top bends its knee less (measured: no capsule overlap, seat 0.2-0.25 m
  // above the feet). Generator 1.2 turned the thighs inward: the shins hung and the seat floated 0.4 m up.
  const int under = b.side();
  b.leg_swing(under, b.u(104, 112), b.u(52, 60), b.u(118, 128), b.u(0, 8), b.u(77, 81));
  b.leg_swing(1 - under, b.u(106, 118), b.u(48, 56), b.u(96, 104), b.u(0, 15), b.u(72, 79));
  for (int s = 0; s < 2; ++s) b.arm(s, b.u(-75, -55), b.u(-50, -25), b.u(30, 70));
}

void kneeling(Builder& b) {
  const bool both = b.coin(0.5);
  b.spine(b.u(-5, 25), b.n(4), b.n(8));
  b.natural_head();
  if (both) {
    const bool on_heels = b.coin(0.4);
    for (int s = 0; s < 2; ++s) b.leg(s, on_heels ? b.u(40, 70) : b.u(-10, 15), b.u(0, 12), on_heels ? b.u(130, 150) : b.u(80, 100), b.u(20, 50));
  } else {
    const int front = b.side();
    b.leg(front, b.u(80, 100), b.u(0, 12), b.u(80, 100), b.n(8));
    b.leg(1 - front, b.u(-15, 10), b.u(0, 10), b.u(80, 110), b.u(20, 50));
  }
  for (int s = 0; s < 2; ++s) {
    if (b.coin(0.6)) b.relaxed_arm(s);
    else b.arm(s, b.u(-50, 40), b.u(-70, 0), b.u(0, 90));
  }
}

void squatting(Builder& b) {
  b.body_tilt(rx(b.u(15, 35) * kDeg));
  b.spine(b.u(0, 25), b.n(4), b.n(6));
  b.head(b.u(-30, 0), b.n(12));
  for (int s = 0; s < 2; ++s) {
    b.leg(s, b.u(95, 125), b.u(10, 30), b.u(120, 150), b.u(-40, -15), b.u(-20, 0));
    if (b.coin(0.5)) b.arm(s, b.u(-20, 10), b.u(-90, -70), b.u(0, 20));  // arms out in front for balance
    else b.arm(s, b.u(-75, -50), b.u(-60, -30), b.u(40, 100));
  }
}

void crouching(Builder& b) {
  b.body_tilt(rx(b.u(15, 35) * kDeg));
  b.spine(b.u(15, 35), b.n(5), b.n(8));
  b.head(b.u(-35, -10), b.n(10));
  for (int s = 0; s < 2; ++s) {
    b.leg(s, b.u(60, 95), b.u(5, 20), b.u(70, 110), b.u(-30, -5));
    b.arm(s, b.u(-70, -40), b.u(-60, -20), b.u(30, 80));
  }
}

void lying(Builder& b, int which) {
  // 0: on the back, 1: on the front, 2: on the side.
  const Eigen::Matrix3d tilt = which == 0 ? rx(-90 * kDeg) : which == 1 ? rx(90 * kDeg) : rz((b.coin() ? 90 : -90) * kDeg);
  b.body_tilt(tilt);
  b.spine(b.n(6), b.n(6), b.n(8));
  b.head(b.n(12), b.n(25));
  for (int s = 0; s < 2; ++s) {
    if (which == 2) b.leg(s, b.u(0, 60), b.u(0, 10), b.u(0, 90));
    else if (b.coin(0.3)) b.leg(s, b.u(30, 80), b.u(0, 20), b.u(60, 120));
    else b.leg(s, b.u(-5, 15), b.u(0, 20), b.u(0, 15));
    const double r = b.u(0, 1);
    if (r < 0.4) b.relaxed_arm(s);
    else if (r < 0.7) b.arm(s, b.u(-30, 30), b.u(-10, 10), b.u(0, 40));
    else b.arm(s, b.u(60, 90), b.u(-20, 10), b.u(60, 140));  // hands under or behind the head
  }
}

void bending_forward(Builder& b) {
  b.spine(b.u(30, 75), b.n(5), b.n(8));
  b.head(b.u(-20, 20), b.n(10));
  // The pelvis tips forward and the hips flex by as much, so the legs stay under the body.
  const double hip = b.u(40, 90);
  b.body_tilt(rx(hip * kDeg));
  for (int s = 0; s < 2; ++s) {
    b.leg(s, hip + b.n(3), b.u(0, 12), b.u(0, 30), b.n(5));
    if (b.coin(0.6)) b.arm(s, b.u(-90, -75), b.u(-40, 0), b.u(0, 20));  // reaching down
    else b.arm(s, b.u(-70, -30), b.u(-60, 0), b.u(30, 100));
  }
}

void reaching(Builder& b) {
  standing(b);
  const int s = b.side();
  const double r = b.u(0, 1);
  if (r < 0.35) b.arm(s, b.u(70, 95), b.u(-30, 10), b.u(0, 15));        // up
  else if (r < 0.7) b.arm(s, b.u(-10, 20), b.u(-95, -70), b.u(0, 15));  // forward
  else b.arm(s, b.u(-10, 15), b.u(-10, 15), b.u(0, 15));                // sideways
  if (b.coin(0.35)) b.arm(1 - s, b.u(70, 95), b.u(-30, 10), b.u(0, 15));  // both arms
  b.spine(b.u(-10, 10), (s == 0 ? 1 : -1) * b.u(0, 15), b.n(8));
}

void arms_crossed(Builder& b) {
  standing(b);
  b.arm(0, b.u(-60, -40), b.u(-75, -55), b.u(110, 135), b.u(-20, 10));
  b.arm(1, b.u(-60, -40), b.u(-75, -55), b.u(110, 135), b.u(-20, 10));
}

void hands_on_hips(Builder& b) {
  standing(b);
  for (int s = 0; s < 2; ++s)
    if (s == 0 || b.coin(0.75)) b.arm(s, b.u(-60, -45), b.u(10, 30), b.u(90, 115), b.u(-75, -55));
}

void hands_on_head(Builder& b) {
  standing(b);
  const bool behind = b.coin();
  for (int s = 0; s < 2; ++s)
    if (s == 0 || b.coin(0.8)) b.arm(s, b.u(40, 65), behind ? b.u(0, 20) : b.u(-40, -20), b.u(115, 140), behind ? b.u(-20, 0) : b.u(-60, -30));
}

void sports(Builder& b) {
  const int kind = static_cast<int>(b.u(0, 4));
  const int s = b.side();
  if (kind == 0) {  // throwing / serving
    b.spine(b.u(-20, 0), (s == 0 ? -1 : 1) * b.u(5, 15), b.u(-30, 30));
    b.head(b.u(10, 25), b.n(10));
    b.arm(s, b.u(60, 90), b.u(10, 40), b.u(60, 110), b.u(-60, -20));
    b.arm(1 - s, b.u(20, 60), b.u(-90, -60), b.u(0, 30));
    b.leg(s, b.u(-20, -5), b.u(0, 10), b.u(5, 25));
    b.leg(1 - s, b.u(10, 30), b.u(0, 10), b.u(10, 30));
  } else if (kind == 1) {  // kicking
    b.spine(b.u(-20, 5), b.n(5), b.n(10));
    b.natural_head();
    b.leg(s, b.u(50, 90), b.u(-5, 20), b.u(0, 40), b.u(10, 40));
    b.leg(1 - s, b.u(-5, 10), b.u(0, 10), b.u(5, 25));
    b.arm(s, b.u(-30, 10), b.u(0, 40), b.u(20, 60));
    b.arm(1 - s, b.u(-20, 30), b.u(-60, -20), b.u(20, 60));
  } else if (kind == 2) {  // boxing guard
    b.spine(b.u(5, 20), b.n(4), b.u(-20, 20));
    b.head(b.u(-15, 0), b.n(8));
    for (int k = 0; k < 2; ++k) b.arm(k, b.u(-55, -30), b.u(-75, -55), b.u(100, 140), b.u(-40, -10));
    if (b.coin()) b.arm(s, b.u(-5, 10), b.u(-95, -80), b.u(0, 20));  // punching
    b.leg(s, b.u(10, 30), b.u(0, 10), b.u(15, 35));
    b.leg(1 - s, b.u(-20, 0), b.u(0, 10), b.u(10, 30));
  } else {  // golf / bat swing
    b.spine(b.u(20, 40), b.n(5), b.u(-40, 40));
    b.head(b.u(-30, -10), b.n(10));
    for (int k = 0; k < 2; ++k) {
      b.arm(k, b.u(-70, -40), b.u(-80, -50), b.u(0, 30));
      b.leg(k, b.u(10, 30), b.u(5, 15), b.u(10, 30));
    }
  }
}

void dancing(Builder& b) {
  b.spine(b.u(-20, 20), b.n(12), b.n(15));
  b.head(b.n(15), b.n(25), b.n(10));
  for (int s = 0; s < 2; ++s) b.arm(s, b.u(-60, 90), b.u(-80, 30), b.u(0, 120), b.n(30));
  const int s = b.side();
  if (b.coin(0.5)) b.leg(s, b.u(20, 90), b.u(-10, 40), b.u(0, 110), b.u(0, 40));
  else b.leg(s, b.u(-30, 10), b.u(0, 30), b.u(0, 60), b.u(0, 40));
  b.leg(1 - s, b.u(-10, 15), b.u(0, 15), b.u(0, 25), b.n(10));
}

void stretching(Builder& b) {
  const int kind = static_cast<int>(b.u(0, 4));
  const int s = b.side();
  if (kind == 0) {  // side stretch: arms overhead, leaning
    b.spine(b.n(4), (s == 0 ? 1 : -1) * b.u(15, 35), b.n(5));
    b.natural_head();
    for (int k = 0; k < 2; ++k) {
      b.arm(k, b.u(75, 95), b.u(-15, 10), b.u(0, 30));
      b.leg(k, b.n(3), b.u(3, 12), b.u(0, 6));
    }
  } else if (kind == 1) {  // quad stretch: heel to the buttocks
    standing(b);
    b.leg(s, b.u(-25, -5), b.u(0, 8), b.u(120, 150), b.u(20, 40));
    b.arm(s, b.u(-85, -70), b.u(10, 30), b.u(20, 60));
  } else if (kind == 2) {  // toe touch
    b.spine(b.u(55, 80), b.n(3), b.n(5));
    b.head(b.u(-10, 10), b.n(5));
    const double hip = b.u(70, 95);
    b.body_tilt(rx(hip * kDeg));
    for (int k = 0; k < 2; ++k) {
      b.leg(k, hip + b.n(3), b.u(0, 8), b.u(0, 8));
      b.arm(k, b.u(-95, -80), b.u(-30, 0), b.u(0, 15));
    }
  } else {  // lunge stretch
    b.spine(b.u(-15, 5), b.n(4), b.n(5));
    b.natural_head();
    b.leg(s, b.u(60, 90), b.u(0, 10), b.u(70, 100), b.n(5));
    b.leg(1 - s, b.u(-30, -15), b.u(0, 10), b.u(0, 20), b.u(-20, 0));
    for (int k = 0; k < 2; ++k) b.arm(k, b.coin() ? b.u(70, 95) : b.u(-80, -60), b.u(-20, 10), b.u(0, 30));
  }
}

void yoga(Builder& b) {
  const int kind = static_cast<int>(b.u(0, 4));
  const int s = b.side();
  if (kind == 0) {  // tree: one foot on the other thigh, hands up or together
    b.spine(b.n(3), b.n(3), b.n(4));
    b.natural_head();
    b.leg(s, b.u(15, 40), b.u(45, 70), b.u(120, 145), b.u(10, 30), b.u(-40, -20));
    b.leg(1 - s, b.n(3), b.u(0, 5), b.u(0, 5));
    const bool up = b.coin();
    for (int k = 0; k < 2; ++k) b.arm(k, up ? b.u(75, 90) : b.u(-60, -40), up ? b.u(-20, 0) : b.u(-75, -60), up ? b.u(10, 40) : b.u(110, 130));
  } else if (kind == 1) {  // warrior II: lunge, arms out
    b.spine(b.n(3), b.n(3), b.u(-10, 10));
    b.head(b.n(5), (s == 0 ? 1 : -1) * b.u(40, 70));
    b.leg(s, b.u(50, 80), b.u(25, 40), b.u(70, 95), b.n(5), b.u(-30, -10));
    b.leg(1 - s, b.u(-10, 5), b.u(30, 45), b.u(0, 8));
    for (int k = 0; k < 2; ++k) b.arm(k, b.u(-5, 8), b.u(-10, 10), b.u(0, 10));
  } else if (kind == 2) {  // downward dog: hips up, hands and feet down
    b.body_tilt(rx(b.u(95, 120) * kDeg));
    b.spine(b.u(-15, 5));
    b.head(b.u(-10, 10), b.n(5));
    for (int k = 0; k < 2; ++k) {
      b.leg(k, b.u(90, 120), b.u(3, 10), b.u(0, 15), b.u(-20, 0));
      b.arm(k, b.u(70, 90), b.u(-15, 5), b.u(0, 10));
    }
  } else {  // chair pose: knees bent, arms up
    b.spine(b.u(5, 20));
    b.natural_head();
    for (int k = 0; k < 2; ++k) {
      b.leg(k, b.u(50, 80), b.u(0, 8), b.u(60, 95), b.u(-25, -10));
      b.arm(k, b.u(70, 90), b.u(-30, -5), b.u(0, 15));
    }
  }
}

struct FamilyDef {
  const char* name;
  double weight;
  Family make;
};

const std::vector<FamilyDef>& families() {
  static const std::vector<FamilyDef> f = {
      {"standing", 3.0, standing},
      {"walking", 2.0, walking},
      {"running", 1.5, running},
      {"jumping", 1.0, jumping},
      {"sitting_chair", 2.0, sitting_chair},
      {"sitting_floor", 1.0, sitting_floor},
      {"cross_legged", 0.7, cross_legged},
      {"kneeling", 1.2, kneeling},
      {"squatting", 1.0, squatting},
      {"crouching", 1.0, crouching},
      {"lying_back", 0.8, [](Builder& b) { lying(b, 0); }},
      {"lying_front", 0.6, [](Builder& b) { lying(b, 1); }},
      {"lying_side", 0.6, [](Builder& b) { lying(b, 2); }},
      {"bending_forward", 1.2, bending_forward},
      {"reaching", 2.0, reaching},
      {"arms_crossed", 0.8, arms_crossed},
      {"hands_on_hips", 0.8, hands_on_hips},
      {"hands_on_head", 0.7, hands_on_head},
      {"sports", 1.5, sports},
      {"dancing", 1.2, dancing},
      {"stretching", 1.0, stretching},
      {"yoga", 1.0, yoga},
  };
  return f;
}

// Body capsules (joint a, joint b, radius in metres) for the collision check.
struct Capsule {
  int a, b;
  double radius;
};
constexpr Capsule kCapsules[] = {
    {kPelvis, kSpine2, 0.11},       {kSpine2, kNeck, 0.12},           {kNeck, kHead, 0.05},
    {kLeftShoulder, kLeftElbow, 0.04}, {kRightShoulder, kRightElbow, 0.04}, {kLeftElbow, kLeftWrist, 0.032},
    {kRightElbow, kRightWrist, 0.032}, {kLeftWrist, kLeftHand, 0.025}, {kRightWrist, kRightHand, 0.025},
    {kLeftHip, kLeftKnee, 0.06},    {kRightHip, kRightKnee, 0.06},    {kLeftKnee, kLeftAnkle, 0.045},
    {kRightKnee, kRightAnkle, 0.045}, {kLeftAnkle, kLeftFoot, 0.035}, {kRightAnkle, kRightFoot, 0.035},
};

double segment_distance(const Eigen::Vector3d& p1, const Eigen::Vector3d& q1, const Eigen::Vector3d& p2,
                        const Eigen::Vector3d& q2) {
  // Closest points of two segments (clamped parametric solution).
  const Eigen::Vector3d d1 = q1 - p1, d2 = q2 - p2, r = p1 - p2;
  const double a = d1.squaredNorm(), e = d2.squaredNorm(), f = d2.dot(r);
  double s = 0, t = 0;
  if (a < 1e-12 && e < 1e-12) return r.norm();
  if (a < 1e-12) {
    t = std::clamp(f / e, 0.0, 1.0);
  } else {
    const double c = d1.dot(r);
    if (e < 1e-12) {
      s = std::clamp(-c / a, 0.0, 1.0);
    } else {
      const double b = d1.dot(d2), denom = a * e - b * b;
      s = denom > 1e-12 ? std::clamp((b * f - c * e) / denom, 0.0, 1.0) : 0.0;
      t = (b * s + f) / e;
      if (t < 0) {
        t = 0;
        s = std::clamp(-c / a, 0.0, 1.0);
      } else if (t > 1) {
        t = 1;
        s = std::clamp((b - c) / a, 0.0, 1.0);
      }
    }
  }
  return ((p1 + s * d1) - (p2 + t * d2)).norm();
}

// Capsules that touch by construction (they share a joint, or meet at the trunk) are never compared.
bool adjacent(const Capsule& x, const Capsule& y) {
  auto near = [](int a, int b) { return a == b || kParents[a] == b || kParents[b] == a; };
  return near(x.a, y.a) || near(x.a, y.b) || near(x.b, y.a) || near(x.b, y.b) ||
         ((x.a == kPelvis || x.a == kSpine2) && (y.a == kLeftHip || y.a == kRightHip || y.a == kLeftShoulder || y.a == kRightShoulder)) ||
         ((y.a == kPelvis || y.a == kSpine2) && (x.a == kLeftHip || x.a == kRightHip || x.a == kLeftShoulder || x.a == kRightShoulder)) ||
         ((x.a == kLeftHip && y.a == kRightHip) || (x.a == kRightHip && y.a == kLeftHip));
}

double penetration_of(const JointPositions& j) {
  double worst = 0;
  const int n = static_cast<int>(std::size(kCapsules));
  for (int i = 0; i < n; ++i)
    for (int k = i + 1; k < n; ++k) {
      const Capsule& x = kCapsules[i];
      const Capsule& y = kCapsules[k];
      if (adjacent(x, y)) continue;
      const double d = segment_distance(j[x.a], j[x.b], j[y.a], j[y.b]);
      worst = std::max(worst, x.radius + y.radius - d);
    }
  return worst;
}

SampledPose build(std::mt19937_64& rng, const FamilyDef& family) {
  Builder b{rng, Pose()};
  family.make(b);
  const double yaw = b.u(-180, 180) * kDeg;
  b.p.rotations[kPelvis] = aa_of(ry(yaw) * b.root);
  SampledPose out;
  out.pose = clamp_to_limits(b.p);  // the root is free; joints stay anatomical
  out.family = family.name;
  return out;
}

}  // namespace

const std::vector<std::string>& posture_families() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& f : families()) n.push_back(f.name);
    return n;
  }();
  return names;
}

PoseSampler::PoseSampler(std::uint64_t seed) : rng_(seed) {}

SampledPose PoseSampler::sample() {
  std::vector<double> w;
  for (const auto& f : families()) w.push_back(f.weight);
  std::discrete_distribution<int> pick(w.begin(), w.end());
  return sample(families()[pick(rng_)].name);
}

SampledPose PoseSampler::sample(const std::string& name) {
  const auto& all = families();
  const auto it = std::find_if(all.begin(), all.end(), [&](const FamilyDef& f) { return name == f.name; });
  if (it == all.end()) throw Error("unknown posture family '" + name + "'");
  // Resample until no two body parts interpenetrate deeper than the tolerance (keep the best otherwise).
  SampledPose best;
  best.penetration = 1e9;
  for (int attempt = 0; attempt < 30; ++attempt) {
    SampledPose s = build(rng_, *it);
    s.penetration = penetration_of(posed_joint_positions(s.pose, mannequin_rest_joints()));
    if (s.penetration < best.penetration) best = s;
    if (s.penetration <= kMaxPenetration) break;
    ++rejected_;
  }
  place_on_floor(best.pose);
  return best;
}

double self_penetration(const Pose& pose) { return penetration_of(posed_joint_positions(pose, mannequin_rest_joints())); }

}  // namespace unipose::pose
