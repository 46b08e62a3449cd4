#include "core/pose/bvh.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include <Eigen/Geometry>

#include "core/body/axis_angle.h"
#include "core/body/body_model.h"
#include "core/body/mannequin.h"
#include "core/body/skeleton_match.h"
#include "core/error.h"
#include "core/io/files.h"
#include "core/pose/joint_limits.h"

namespace unipose::pose {
namespace {

const std::string kCmuClip = "/usr/share/assimp/models/BVH/01_01.bvh";
const std::string kBoxing = "/usr/share/assimp/models/BVH/Boxing_Toes.bvh";

double angle_deg(const Eigen::Vector3d& a, const Eigen::Vector3d& b) {
  return std::acos(std::clamp(a.normalized().dot(b.normalized()), -1.0, 1.0)) * 180.0 / M_PI;
}

struct RetargetError {
  double limb_max_deg = 0, limb_mean_deg = 0, foot_height_max_m = 0, lowest_foot_p05_m = 0;
};

// Compares the retargeted skeleton with the source frame by frame: limb directions, and the height of the
// lowest foot joint above the floor (source heights scaled to metres).
RetargetError measure(const std::string& path) {
  const BvhMotion motion = read_bvh(path);
  const auto& rest = body::mannequin_rest_joints();
  const RetargetResult r = retarget_to_smpl(motion, rest, path);
  const BvhFrames src = bvh_forward_kinematics(motion);
  using namespace body;
  const std::pair<int, int> limbs[] = {{kLeftHip, kLeftKnee},         {kRightHip, kRightKnee},
                                       {kLeftKnee, kLeftAnkle},       {kRightKnee, kRightAnkle},
                                       {kLeftShoulder, kLeftElbow},   {kRightShoulder, kRightElbow},
                                       {kLeftElbow, kLeftWrist},      {kRightElbow, kRightWrist},
                                       {kLeftAnkle, kLeftFoot},       {kRightAnkle, kRightFoot}};
  const int feet[] = {kLeftAnkle, kRightAnkle, kLeftFoot, kRightFoot};
  RetargetError e;
  double sum = 0;
  int count = 0;
  std::vector<double> lowest, source_lowest;
  for (int f = 0; f < motion.frame_count; f += 4) {
    const auto ours = posed_joint_positions(r.poses[f], rest);
    for (const auto& [a, b] : limbs) {
      const double d = angle_deg(ours[b] - ours[a], src.positions[f][r.source_joint[b]] - src.positions[f][r.source_joint[a]]);
      e.limb_max_deg = std::max(e.limb_max_deg, d);
      sum += d;
      ++count;
    }
    double our_low = 1e9, src_low = 1e9;
    for (int j : feet) {
      our_low = std::min(our_low, ours[j].y());
      src_low = std::min(src_low, r.scale * src.positions[f][r.source_joint[j]].y());
    }
    lowest.push_back(our_low);
    source_lowest.push_back(src_low);
  }
  e.limb_mean_deg = sum / count;
  // Foot lift: the lowest foot joint's height above where it stands (its 5th percentile), ours vs the source's.
  auto p05 = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 20];
  };
  const double our_floor = p05(lowest), src_floor = p05(source_lowest);
  for (size_t i = 0; i < lowest.size(); ++i)
    e.foot_height_max_m = std::max(e.foot_height_max_m, std::abs((lowest[i] - our_floor) - (source_lowest[i] - src_floor)));
  e.lowest_foot_p05_m = our_floor;
  std::cout << path << ": profile " << r.profile << ", " << motion.frame_count << " frames, limb direction error max "
            << e.limb_max_deg << " deg, mean " << e.limb_mean_deg << " deg; foot lift vs source: max "
            << e.foot_height_max_m * 1000 << " mm; lowest foot joint 5th percentile " << e.lowest_foot_p05_m * 1000
            << " mm above floor\n";
  return e;
}

TEST(BvhRetarget, CmuClipKeepsLimbDirectionsAndFeetOnTheFloor) {
  ASSERT_TRUE(std::filesystem::exists(kCmuClip)) << "install Debian's assimp-testmodels (installer/install-deps.sh)";
  const RetargetError e = measure(kCmuClip);
  EXPECT_LT(e.limb_max_deg, 0.01);  // measured 1.7e-6 deg: directions are matched exactly
  EXPECT_LT(e.limb_mean_deg, 0.001);
  EXPECT_LT(e.foot_height_max_m, 0.025);  // measured 12.7 mm
  // Standing frames put the lowest foot joint where it is on the mannequin at rest (2.5 cm), within 3 cm.
  EXPECT_NEAR(e.lowest_foot_p05_m, body::mannequin_rest_joints()[body::kLeftFoot].y(), 0.03);
}

TEST(BvhRetarget, BiovisionStyleSkeleton) {
  ASSERT_TRUE(std::filesystem::exists(kBoxing));
  const RetargetError e = measure(kBoxing);
  EXPECT_LT(e.limb_max_deg, 0.01);
  EXPECT_NEAR(e.lowest_foot_p05_m, body::mannequin_rest_joints()[body::kLeftFoot].y(), 0.03);
  EXPECT_LT(e.foot_height_max_m, 0.06);  // measured 45.5 mm: other leg proportions in deep boxing stances
}

TEST(BvhRetarget, OwnExportRoundTrips) {
  std::mt19937 rng(4);
  std::normal_distribution<double> n(0, 0.5);
  std::vector<Pose> poses(5);
  for (auto& p : poses) {
    for (auto& r : p.rotations) r = Eigen::Vector3d(n(rng), n(rng), n(rng));
    p.transl = Eigen::Vector3d(n(rng), n(rng), n(rng));
  }
  const auto& rest = body::mannequin_rest_joints();
  const BvhMotion m = parse_bvh(bvh_text(poses, 30, rest), "mem.bvh");
  EXPECT_EQ(m.frame_count, 5);
  EXPECT_NEAR(1.0 / m.frame_time, 30, 1e-3);
  const RetargetResult r = retarget_to_smpl(m, rest, "mem.bvh");
  EXPECT_EQ(r.profile, "smpl");
  for (size_t i = 0; i < poses.size(); ++i) {
    for (int j = 0; j < body::kNumJoints; ++j) {
      auto mat = [](const Eigen::Vector3d& v) {
        return v.norm() > 0 ? Eigen::AngleAxisd(v.norm(), v.normalized()).toRotationMatrix() : Eigen::Matrix3d::Identity();
      };
      EXPECT_LT((mat(r.poses[i].rotations[j]) - mat(poses[i].rotations[j])).norm(), 1e-5) << i << " " << body::kJointNames[j];
    }
    EXPECT_LT((*r.poses[i].transl - *poses[i].transl).norm(), 1e-6);
  }
}

// ------------------------------------------------------------------ round trips through foreign skeletons

// A foreign skeleton as one naming scheme's files have it: the scheme's joint names (core/body/skeleton_match)
// for the SMPL joints it has, extra joints where its files have them (zero-length hip and back joints, a
// second neck joint, finger bases), its rest posture (arms down, legs apart, ...) and channel orders.
struct SchemeJoint {
  std::string name, parent;
  int smpl = -1;           // the SMPL joint it stands for; -1 for an extra joint (no rotation of its own)
  double along = 0;        // an extra joint sits this far from its parent toward SMPL joint `toward`
  int toward = -1;         // (-1: on its parent, a zero-length joint)
  std::string order = "ZYX";
};

struct Scheme {
  std::string profile, prefix;
  double units = 100;      // file units per metre
  Pose rest_posture;       // the SMPL pose that looks like the scheme's rest pose (swing only, no twist)
  std::vector<SchemeJoint> joints;
  std::vector<int> still;  // SMPL joints whose rotation the scheme cannot carry: the test poses keep them at rest
};

Scheme make_scheme(const std::string& profile) {
  using namespace body;
  Scheme s;
  s.profile = profile;
  const auto names = joint_names_of(profile);
  for (int j = 0; j < kNumJoints; ++j)
    if (names[j].empty()) s.still.push_back(j);
  std::vector<SchemeJoint> extras;
  std::map<std::string, std::string> parent;  // where the scheme hangs a joint, when not under its SMPL parent
  std::map<std::string, std::string> order;   // channel orders other than ZYX
  const double down = 80 * M_PI / 180, apart = 20 * M_PI / 180;
  if (profile == "cmu") {  // MotionBuilder release: T-pose, a second neck joint, finger bases
    s.units = 17.0;
    extras = {{"LHipJoint", "Hips"}, {"RHipJoint", "Hips"}, {"Neck1", "Neck", -1, 0.5, kHead},
              {"LeftFingerBase", "LeftHand", -1, 0.5, kLeftHand}, {"RightFingerBase", "RightHand", -1, 0.5, kRightHand},
              {"LThumb", "LeftHand"}, {"RThumb", "RightHand"}};
    parent = {{"LeftUpLeg", "LHipJoint"}, {"RightUpLeg", "RHipJoint"}, {"Head", "Neck1"}, {"LFingers", "LeftFingerBase"},
              {"RFingers", "RightFingerBase"}};
  } else if (profile == "cmu_3dsmax") {  // arms hanging, legs apart, zero-length joints, collars on Chest2
    s.units = 18.3;
    s.rest_posture.rotations[kLeftShoulder] = Eigen::Vector3d(0, 0, -down);
    s.rest_posture.rotations[kRightShoulder] = Eigen::Vector3d(0, 0, down);
    s.rest_posture.rotations[kLeftHip] = Eigen::Vector3d(0, 0, apart);
    s.rest_posture.rotations[kRightHip] = Eigen::Vector3d(0, 0, -apart);
    extras = {{"LHipJoint", "Hips"}, {"RHipJoint", "Hips"}, {"lowerback", "Hips"}, {"lhand", "LeftWrist"}, {"rhand", "RightWrist"},
              {"LThumb", "lhand"}, {"RThumb", "rhand"}};
    parent = {{"LeftHip", "LHipJoint"}, {"RightHip", "RHipJoint"}, {"Chest", "lowerback"}, {"LeftCollar", "Chest2"},
              {"RightCollar", "Chest2"}, {"LFingers", "lhand"}, {"RFingers", "rhand"}};
    for (const char* arm : {"LeftShoulder", "LeftElbow", "LeftWrist", "lhand", "LFingers", "LThumb", "RightShoulder", "RightElbow",
                            "RightWrist", "rhand", "RFingers", "RThumb"})
      order[arm] = "ZXY";
    // The collars hang from Chest2, so SMPL's spine3 (lowerneck here) turns the neck but not the arms.
    s.still.push_back(kSpine3);
  } else if (profile == "cmu_daz") {  // A-pose, buttock joints before the thighs
    s.units = 100;
    s.rest_posture.rotations[kLeftShoulder] = Eigen::Vector3d(0, 0, -M_PI / 4);
    s.rest_posture.rotations[kRightShoulder] = Eigen::Vector3d(0, 0, M_PI / 4);
    extras = {{"lButtock", "hip"}, {"rButtock", "hip"}};
    parent = {{"lThigh", "lButtock"}, {"rThigh", "rButtock"}};
    order = {{"lThigh", "ZXY"}, {"rThigh", "ZXY"}, {"lShin", "ZXY"}, {"rShin", "ZXY"}};
  } else if (profile == "mixamo") {  // T-pose, prefixed names
    s.units = 100;
    s.prefix = "mixamorig:";
  } else if (profile == "biovision") {  // arms hanging, inches
    s.units = 39.37;
    s.rest_posture.rotations[kLeftShoulder] = Eigen::Vector3d(0, 0, -down);
    s.rest_posture.rotations[kRightShoulder] = Eigen::Vector3d(0, 0, down);
  }
  for (int j = 0; j < kNumJoints; ++j) {
    if (names[j].empty()) continue;
    int p = kParents[j];
    while (p >= 0 && names[p].empty()) p = kParents[p];  // under the nearest SMPL ancestor the scheme has
    SchemeJoint joint{names[j], p < 0 ? "" : names[p], j};
    if (parent.count(joint.name)) joint.parent = parent.at(joint.name);
    s.joints.push_back(joint);
  }
  s.joints.insert(s.joints.end(), extras.begin(), extras.end());
  for (auto& j : s.joints)
    if (order.count(j.name)) j.order = order.at(j.name);
  return s;
}

// Writes poses through a scheme's skeleton: each foreign joint that stands for an SMPL joint turns, in the
// world, as that joint turns away from the rest posture; extra joints do not turn of their own.
std::string scheme_bvh(const Scheme& s, const std::vector<Pose>& poses) {
  using namespace body;
  const auto& target = mannequin_rest_joints();
  const auto rest = posed_joint_positions(s.rest_posture, target);
  const auto rest_frames = posed_joint_frames(s.rest_posture, target);
  // Positions of every foreign joint in the rest posture (extras between their parent and `toward`).
  std::map<std::string, Eigen::Vector3d> position;
  std::map<std::string, std::vector<const SchemeJoint*>> children;
  const SchemeJoint* root = nullptr;
  std::function<void(const SchemeJoint&)> place;
  std::map<std::string, const SchemeJoint*> by_name;
  for (const auto& j : s.joints) by_name[j.name] = &j;
  place = [&](const SchemeJoint& j) {
    if (position.count(j.name)) return;
    if (j.smpl >= 0) {
      position[j.name] = rest[j.smpl];
    } else {
      place(*by_name.at(j.parent));
      const Eigen::Vector3d from = position.at(j.parent);
      position[j.name] = j.toward >= 0 ? Eigen::Vector3d(from + j.along * (rest[j.toward] - from)) : from;
    }
  };
  for (const auto& j : s.joints) {
    place(j);
    if (j.parent.empty()) root = &j;
    else children[j.parent].push_back(&j);
  }
  std::ostringstream out;
  out.precision(10);
  std::vector<const SchemeJoint*> order;  // motion columns follow the hierarchy
  std::function<void(const SchemeJoint&, int)> write = [&](const SchemeJoint& j, int depth) {
    const std::string pad(depth, '\t');
    const Eigen::Vector3d off = j.parent.empty() ? Eigen::Vector3d::Zero() : Eigen::Vector3d(position.at(j.name) - position.at(j.parent));
    out << pad << (j.parent.empty() ? "ROOT " : "JOINT ") << s.prefix << j.name << "\n" << pad << "{\n" << pad << "\tOFFSET "
        << off.x() * s.units << " " << off.y() * s.units << " " << off.z() * s.units << "\n" << pad << "\tCHANNELS "
        << (j.parent.empty() ? "6 Xposition Yposition Zposition" : "3");
    for (char axis : j.order) out << " " << axis << "rotation";
    out << "\n";
    order.push_back(&j);
    for (const auto* c : children[j.name]) write(*c, depth + 1);
    if (children[j.name].empty()) out << pad << "\tEnd Site\n" << pad << "\t{\n" << pad << "\t\tOFFSET 0 " << 0.05 * s.units << " 0\n" << pad << "\t}\n";
    out << pad << "}\n";
  };
  out << "HIERARCHY\n";
  write(*root, 0);
  out << "MOTION\nFrames: " << poses.size() << "\nFrame Time: 0.0333333\n";
  for (const auto& pose : poses) {
    const auto frames = posed_joint_frames(pose, target);
    // World rotation of every foreign joint: an SMPL joint's turn away from the rest posture; extras follow
    // their parent.
    std::map<std::string, Eigen::Matrix3d> world;
    for (const auto* j : order)
      world[j->name] = j->smpl >= 0 ? Eigen::Matrix3d(frames.rotations[j->smpl] * rest_frames.rotations[j->smpl].transpose())
                                    : world.at(j->parent);
    for (const auto* j : order) {
      if (j->parent.empty()) {
        const Eigen::Vector3d p = frames.positions[0] * s.units;
        out << p.x() << " " << p.y() << " " << p.z();
      }
      const Eigen::Matrix3d local = j->parent.empty() ? world.at(j->name) : Eigen::Matrix3d(world.at(j->parent).transpose() * world.at(j->name));
      const auto axis = [](char c) { return c == 'X' ? 0 : c == 'Y' ? 1 : 2; };
      const Eigen::Vector3d e = local.eulerAngles(axis(j->order[0]), axis(j->order[1]), axis(j->order[2]));
      for (int k = 0; k < 3; ++k) out << " " << e[k] * 180 / M_PI;
    }
    out << "\n";
  }
  return out.str();
}

// Poses inside the joint limits that each scheme can carry: no rotation at joints it lacks, elbows and knees
// bending about their hinge only (the importer reads a limb's hinge off the motion, as real clips need).
std::vector<Pose> scheme_poses(const Scheme& s, int count) {
  using namespace body;
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<Pose> out;
  for (int i = 0; i < count; ++i) {
    Pose p;
    for (int j = 0; j < kNumJoints; ++j) p.rotations[j] = Eigen::Vector3d(0.6 * u(rng), 0.6 * u(rng), 0.6 * u(rng));
    p.rotations[0] = Eigen::Vector3d(0.3 * u(rng), 3.0 * u(rng), 0.3 * u(rng));
    p = clamp_to_limits(p);
    const double bend_arm = 0.3 + 1.2 * (u(rng) + 1), bend_leg = 0.2 + 0.9 * (u(rng) + 1);
    p.rotations[kLeftElbow] = Eigen::Vector3d(0, -bend_arm, 0);
    p.rotations[kRightElbow] = Eigen::Vector3d(0, 0.7 * bend_arm, 0);
    p.rotations[kLeftKnee] = Eigen::Vector3d(bend_leg, 0, 0);
    p.rotations[kRightKnee] = Eigen::Vector3d(0.5 * bend_leg, 0, 0);
    for (int j : s.still) p.rotations[j].setZero();
    p.transl = Eigen::Vector3d(u(rng), 0.1 * u(rng), u(rng));
    EXPECT_TRUE(check_limits(p).empty()) << "test pose " << i << " is outside the limits";
    out.push_back(p);
  }
  return out;
}

TEST(BvhRetarget, EveryNamingSchemeGivesBackTheRotations) {
  for (const std::string profile : {"cmu", "cmu_3dsmax", "cmu_daz", "mixamo", "biovision"}) {
    const Scheme scheme = make_scheme(profile);
    const auto poses = scheme_poses(scheme, 24);
    const std::string text = scheme_bvh(scheme, poses);
    const BvhMotion m = parse_bvh(text, profile + ".bvh");
    const auto& rest = body::mannequin_rest_joints();
    const RetargetResult r = retarget_to_smpl(m, rest, profile + ".bvh");
    EXPECT_EQ(r.profile, profile);
    ASSERT_EQ(r.poses.size(), poses.size());
    EXPECT_NEAR(r.scale, 1 / scheme.units, 1e-9 / scheme.units) << profile;
    double worst_rotation = 0, worst_position = 0;
    for (size_t i = 0; i < poses.size(); ++i) {
      for (int j = 0; j < body::kNumJoints; ++j) {
        const double d = (body::rotation_matrix(r.poses[i].rotations[j]) - body::rotation_matrix(poses[i].rotations[j])).norm();
        EXPECT_LT(d, 1e-5) << profile << " pose " << i << " " << body::kJointNames[j];
        worst_rotation = std::max(worst_rotation, d);
      }
      // Joint positions relative to the pelvis (the importer puts the feet on its own floor).
      const auto got = body::posed_joint_positions(r.poses[i], rest), want = body::posed_joint_positions(poses[i], rest);
      for (int j = 0; j < body::kNumJoints; ++j)
        worst_position = std::max(worst_position, ((got[j] - got[0]) - (want[j] - want[0])).norm());
      EXPECT_NEAR(r.poses[i].transl->x(), poses[i].transl->x(), 1e-6) << profile;
      EXPECT_NEAR(r.poses[i].transl->z(), poses[i].transl->z(), 1e-6) << profile;
    }
    EXPECT_LT(worst_rotation, 1e-5) << profile << ": rotations (Frobenius norm of the difference)";
    EXPECT_LT(worst_position, 1e-6) << profile << ": joint positions (m)";
  }
}

// CMU subject 131 in the 3ds Max release: zero-length hip, back, neck and collar joints and arms hanging at
// rest. Its rotations come out anatomical: 20 frames spread over the clip stay within 10 degrees of every
// joint's limits.
TEST(BvhRetarget, Cmu3dsMaxClipHasAnatomicalRotations) {
  const std::string clip = std::string(UNIPOSE_SOURCE_DIR) + "/../shared/data/bvh/cmu_131_01.bvh";
  if (!std::filesystem::exists(clip)) GTEST_SKIP() << "../shared/data/bvh/cmu_131_01.bvh is absent (a user's clone has no ../shared)";
  const BvhMotion m = read_bvh(clip);
  const RetargetResult r = retarget_to_smpl(m, body::mannequin_rest_joints(), clip);
  EXPECT_EQ(r.profile, "cmu_3dsmax");
  const double slack = 10 * M_PI / 180;
  for (int k = 0; k < 20; ++k) {
    const int f = k * (m.frame_count - 1) / 19;
    for (const auto& v : check_limits(r.poses[f], slack)) ADD_FAILURE() << "frame " << f << ": " << describe(v);
  }
  const RetargetError e = measure(clip);
  EXPECT_LT(e.limb_max_deg, 0.01);
}

std::string error_of(const std::string& text) {
  try {
    parse_bvh(text, "bad.bvh");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(BvhParse, TruncatedAndMalformedFilesNameTheProblem) {
  const std::string good = io::read_text_file(kCmuClip);
  EXPECT_NE(error_of(good.substr(0, good.size() / 2)).find("bad.bvh: truncated motion data"), std::string::npos);
  EXPECT_NE(error_of(good.substr(0, good.rfind('\n', 300))).find("bad.bvh: unexpected end of file"), std::string::npos);
  EXPECT_NE(error_of("HIERARCHY\nROOT Hips\n{\n OFFSET 0 0 zero\n").find("line 4: expected an OFFSET value"), std::string::npos);
  EXPECT_NE(error_of("not a bvh").find("expected 'HIERARCHY'"), std::string::npos);
  std::string extra = good + " 1 2 3";
  EXPECT_NE(error_of(extra).find("more motion values"), std::string::npos);
  std::string nan = good;
  nan.replace(nan.find("Frame Time:") + 30, 1, "x");
  EXPECT_NE(error_of(nan).find("bad.bvh"), std::string::npos);
  // A short file declaring two million frames is truncated, said before memory is taken for them.
  const size_t frames_at = good.find("Frames:");
  std::string huge = good.substr(0, good.find('\n', frames_at)) + "\n";
  huge.replace(frames_at, huge.find('\n', frames_at) - frames_at, "Frames: 2000000");
  huge += "Frame Time: 0.0333\n0 0 0\n";
  EXPECT_NE(error_of(huge).find("truncated motion data: 'Frames: 2000000'"), std::string::npos) << error_of(huge);
}

TEST(BvhRetarget, UnknownSkeletonIsRefused) {
  const std::string text =
      "HIERARCHY\nROOT Root\n{\n OFFSET 0 0 0\n CHANNELS 3 Xposition Yposition Zposition\n JOINT Bone\n {\n"
      "  OFFSET 0 1 0\n  CHANNELS 3 Zrotation Xrotation Yrotation\n  End Site\n  {\n   OFFSET 0 1 0\n  }\n }\n}\n"
      "MOTION\nFrames: 1\nFrame Time: 0.033\n0 0 0 0 0 0\n";
  const BvhMotion m = parse_bvh(text, "odd.bvh");
  try {
    retarget_to_smpl(m, body::mannequin_rest_joints(), "odd.bvh");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("odd.bvh: unsupported skeleton"), std::string::npos);
  }
}

}  // namespace
}  // namespace unipose::pose
