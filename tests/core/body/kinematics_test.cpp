#include "core/body/kinematics.h"

#include <gtest/gtest.h>

#include <random>

#include <Eigen/Geometry>

#include "core/body/body_model.h"
#include "core/body/mannequin.h"

namespace unipose::body {
namespace {

PoseParameters random_pose(std::mt19937& rng, double scale) {
  std::normal_distribution<double> n(0.0, scale);
  PoseParameters p;
  for (auto& r : p.rotations) r = Eigen::Vector3d(n(rng), n(rng), n(rng));
  p.transl = Eigen::Vector3d(n(rng), n(rng), n(rng));
  return p;
}

// Forward kinematics written out independently with Eigen, joint by joint.
JointPositions reference_fk(const PoseParameters& p, const JointPositions& rest) {
  std::array<Eigen::Matrix3d, kNumJoints> world;
  JointPositions out;
  for (int j = 0; j < kNumJoints; ++j) {
    const Eigen::Vector3d& r = p.rotations[j];
    const Eigen::Matrix3d local = r.norm() > 0 ? Eigen::AngleAxisd(r.norm(), r.normalized()).toRotationMatrix()
                                               : Eigen::Matrix3d::Identity();
    const int parent = kParents[j];
    if (parent < 0) {
      world[j] = local;
      out[j] = rest[j] + *p.transl;
    } else {
      world[j] = world[parent] * local;
      out[j] = out[parent] + world[parent] * (rest[j] - rest[parent]);
    }
  }
  return out;
}

TEST(Kinematics, ForwardKinematicsMatchesReference) {
  std::mt19937 rng(7);
  std::vector<PoseParameters> poses;
  for (int i = 0; i < 8; ++i) poses.push_back(random_pose(rng, 0.6));
  const auto& rest = mannequin_rest_joints();
  const auto fk = forward_kinematics(rotation_matrices(poses), to_tensor(rest), smpl_parents(),
                                     translations(poses));
  for (int i = 0; i < 8; ++i) {
    const auto want = reference_fk(poses[i], rest);
    const auto got = to_joint_positions(fk.joints[i]);
    for (int j = 0; j < kNumJoints; ++j) EXPECT_LT((got[j] - want[j]).norm(), 1e-12) << kJointNames[j];
  }
}

TEST(Kinematics, RotatingOneJointMovesOnlyItsSubtree) {
  PoseParameters p;
  p.rotations[kLeftElbow] = Eigen::Vector3d(0, -1.2, 0);
  const auto& rest = mannequin_rest_joints();
  const auto posed = posed_joint_positions(p, rest);
  for (int j = 0; j < kNumJoints; ++j) {
    const bool below = j == kLeftWrist || j == kLeftHand;
    EXPECT_EQ((posed[j] - rest[j]).norm() > 1e-6, below) << kJointNames[j];
  }
  // A flexed left elbow brings the forearm forward (+z).
  EXPECT_GT(posed[kLeftWrist].z(), rest[kLeftWrist].z() + 0.1);
}

TEST(Kinematics, SkinningOfRestPoseReproducesTemplate) {
  const auto model = make_mannequin();
  const Mesh posed = model->posed_mesh(PoseParameters());
  const Mesh& rest = model->rest_mesh();
  ASSERT_EQ(posed.vertices.size(), rest.vertices.size());
  double worst = 0;
  for (size_t i = 0; i < rest.vertices.size(); ++i) worst = std::max(worst, double((posed.vertices[i] - rest.vertices[i]).norm()));
  EXPECT_LT(worst, 1e-5);
}

TEST(Kinematics, SkinningFollowsRigidMotion) {
  // With every weight on one joint, LBS is exactly that joint's rigid transform.
  std::mt19937 rng(3);
  const auto p = random_pose(rng, 0.5);
  const auto& rest = mannequin_rest_joints();
  const auto fk = forward_kinematics(rotation_matrices({&p}), to_tensor(rest), smpl_parents(),
                                     translations({&p}));
  auto weights = at::zeros({2, kNumJoints}, at::kDouble);
  weights[0][kLeftElbow] = 1;
  weights[1][kHead] = 1;
  const auto verts = at::stack({to_tensor(rest)[kLeftElbow], to_tensor(rest)[kHead] + at::tensor({0.0, 0.1, 0.0}, at::kDouble)});
  const auto out = linear_blend_skinning(verts, weights, fk.skinning)[0];
  const auto joints = to_joint_positions(fk.joints[0]);
  const Eigen::Vector3d elbow(out[0][0].item<double>(), out[0][1].item<double>(), out[0][2].item<double>());
  EXPECT_LT((elbow - joints[kLeftElbow]).norm(), 1e-12);
  const Eigen::Vector3d above_head(out[1][0].item<double>(), out[1][1].item<double>(), out[1][2].item<double>());
  EXPECT_NEAR((above_head - joints[kHead]).norm(), 0.1, 1e-12);
}

}  // namespace
}  // namespace unipose::body

namespace unipose::body {
namespace {

// The batched code is device-agnostic: on a machine with CUDA the same call on GPU tensors must give the CPU
// result. (Skipped where LibTorch has no CUDA device, as on CI.)
TEST(Kinematics, CudaMatchesCpu) {
  if (!at::hasCUDA()) GTEST_SKIP() << "no CUDA device";
  std::mt19937 rng(9);
  std::vector<PoseParameters> poses;
  for (int i = 0; i < 16; ++i) poses.push_back(random_pose(rng, 0.7));
  const auto rot = rotation_matrices(poses);
  const auto rest = to_tensor(mannequin_rest_joints());
  const auto trans = translations(poses);
  const auto cpu = forward_kinematics(rot, rest, smpl_parents(), trans);
  const auto gpu = forward_kinematics(rot.cuda(), rest.cuda(), smpl_parents(), trans.cuda());
  EXPECT_LT((gpu.joints.cpu() - cpu.joints).abs().max().item<double>(), 1e-10);
  const auto weights = at::softmax(at::randn({100, kNumJoints}, at::kDouble), 1);
  const auto verts = at::randn({100, 3}, at::kDouble);
  const auto a = linear_blend_skinning(verts, weights, cpu.skinning);
  const auto b = linear_blend_skinning(verts.cuda(), weights.cuda(), gpu.skinning);
  EXPECT_LT((b.cpu() - a).abs().max().item<double>(), 1e-10);
}

}  // namespace
}  // namespace unipose::body
