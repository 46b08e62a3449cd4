#include "core/pose/bvh.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <random>

#include <Eigen/Geometry>

#include "core/body/body_model.h"
#include "core/body/mannequin.h"
#include "core/error.h"
#include "core/io/files.h"

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
