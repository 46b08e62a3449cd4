#include "core/body/skeleton_match.h"

#include <map>

#include <Eigen/Geometry>
#include <Eigen/SVD>

#include "core/error.h"

namespace unipose::body {
namespace {

// Joint-name conventions: per SMPL joint, the source joint name (empty = no counterpart).
struct Profile {
  const char* name;
  std::array<const char*, kNumJoints> joints;
};

const std::vector<Profile>& profiles() {
  static const std::vector<Profile> p = {
      {"smpl", {"pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2", "left_ankle",
                "right_ankle", "spine3", "left_foot", "right_foot", "neck", "left_collar", "right_collar", "head",
                "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
                "left_hand", "right_hand"}},
      // CMU's motion capture in the MotionBuilder-friendly BVH release (Debian's assimp-testmodels carry it).
      {"cmu", {"Hips", "LeftUpLeg", "RightUpLeg", "LowerBack", "LeftLeg", "RightLeg", "Spine", "LeftFoot",
               "RightFoot", "Spine1", "LeftToeBase", "RightToeBase", "Neck", "LeftShoulder", "RightShoulder", "Head",
               "LeftArm", "RightArm", "LeftForeArm", "RightForeArm", "LeftHand", "RightHand", "LFingers", "RFingers"}},
      // The "3ds Max friendly" release: zero-length LHipJoint, lowerback, lowerneck and collars; the spine's
      // third joint is lowerneck (at Chest2), whose bone leads to the neck.
      {"cmu_3dsmax", {"Hips", "LeftHip", "RightHip", "Chest", "LeftKnee", "RightKnee", "Chest2", "LeftAnkle", "RightAnkle",
                      "lowerneck", "LeftToe", "RightToe", "Neck", "LeftCollar", "RightCollar", "Head", "LeftShoulder",
                      "RightShoulder", "LeftElbow", "RightElbow", "LeftWrist", "RightWrist", "LFingers", "RFingers"}},
      // The "Daz-friendly" release: two spine joints (abdomen, chest), no toes.
      {"cmu_daz", {"hip", "lThigh", "rThigh", "abdomen", "lShin", "rShin", "", "lFoot", "rFoot", "chest", "", "", "neck",
                   "lCollar", "rCollar", "head", "lShldr", "rShldr", "lForeArm", "rForeArm", "lHand", "rHand", "lMid1", "rMid1"}},
      {"mixamo", {"Hips", "LeftUpLeg", "RightUpLeg", "Spine", "LeftLeg", "RightLeg", "Spine1", "LeftFoot",
                  "RightFoot", "Spine2", "LeftToeBase", "RightToeBase", "Neck", "LeftShoulder", "RightShoulder",
                  "Head", "LeftArm", "RightArm", "LeftForeArm", "RightForeArm", "LeftHand", "RightHand", "", ""}},
      {"biovision", {"Hips", "LeftHip", "RightHip", "Ab", "LeftKnee", "RightKnee", "", "LeftAnkle", "RightAnkle",
                     "Chest", "LeftToes", "RightToes", "Neck", "LeftCollar", "RightCollar", "Head", "LeftShoulder",
                     "RightShoulder", "LeftElbow", "RightElbow", "LeftWrist", "RightWrist", "", ""}},
  };
  return p;
}

// Joints every profile must find for a usable mapping.
constexpr int kRequired[] = {kPelvis,   kLeftHip,       kRightHip,       kLeftKnee,  kRightKnee, kLeftAnkle,
                             kRightAnkle, kLeftShoulder, kRightShoulder, kLeftElbow, kRightElbow};

std::string strip_prefix(const std::string& name) {
  const auto colon = name.rfind(':');
  return colon == std::string::npos ? name : name.substr(colon + 1);
}

}  // namespace

SkeletonMatch match_skeleton(const std::vector<std::string>& names, const std::string& where) {
  std::map<std::string, int> by_name;
  for (size_t i = 0; i < names.size(); ++i)
    if (!names[i].empty()) by_name.emplace(strip_prefix(names[i]), static_cast<int>(i));
  SkeletonMatch best;
  int best_found = -1;
  for (const auto& profile : profiles()) {
    std::array<int, kNumJoints> map;
    int found = 0;
    for (int j = 0; j < kNumJoints; ++j) {
      const auto it = profile.joints[j][0] ? by_name.find(profile.joints[j]) : by_name.end();
      map[j] = it == by_name.end() ? -1 : it->second;
      found += map[j] >= 0;
    }
    bool complete = true;
    for (int r : kRequired) complete = complete && map[r] >= 0;
    if (complete && found > best_found) {
      best_found = found;
      best.source = map;
      best.profile = profile.name;
    }
  }
  if (best_found < 0)
    fail(where, "unsupported skeleton: no known joint naming (SMPL, CMU in its MotionBuilder, 3ds Max or Daz release, Mixamo, "
                "Biovision) matches its joints "
                "(need at least hips, knees, ankles, shoulders and elbows on both sides)");
  return best;
}

std::array<std::string, kNumJoints> joint_names_of(const std::string& profile) {
  for (const auto& p : profiles())
    if (profile == p.name) {
      std::array<std::string, kNumJoints> out;
      for (int j = 0; j < kNumJoints; ++j) out[j] = p.joints[j];
      return out;
    }
  std::string names;
  for (const auto& p : profiles()) names += (names.empty() ? "" : ", ") + std::string(p.name);
  throw Error("unknown joint naming '" + profile + "' (use " + names + ")");
}

Eigen::Matrix3d align_directions(const std::vector<Eigen::Vector3d>& a, const std::vector<Eigen::Vector3d>& b) {
  if (a.empty()) return Eigen::Matrix3d::Identity();
  // Both sets must span a plane: directions that are (nearly) parallel on either side leave the turn about
  // them undetermined, and an SVD would pick it at random.
  auto spread = [](const std::vector<Eigen::Vector3d>& v) {
    for (size_t k = 1; k < v.size(); ++k)
      if (v[0].normalized().cross(v[k].normalized()).norm() > 0.05) return true;
    return false;
  };
  if (!spread(a) || !spread(b)) return Eigen::Quaterniond::FromTwoVectors(a[0], b[0]).toRotationMatrix();
  Eigen::Matrix3d h = Eigen::Matrix3d::Zero();
  for (size_t k = 0; k < a.size(); ++k) h += a[k].normalized() * b[k].normalized().transpose();
  Eigen::JacobiSVD<Eigen::Matrix3d> svd(h, Eigen::ComputeFullU | Eigen::ComputeFullV);
  Eigen::Matrix3d d = Eigen::Matrix3d::Identity();
  d(2, 2) = (svd.matrixV() * svd.matrixU().transpose()).determinant() < 0 ? -1 : 1;
  return svd.matrixV() * d * svd.matrixU().transpose();
}

}  // namespace unipose::body
