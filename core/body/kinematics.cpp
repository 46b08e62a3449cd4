#include "core/body/kinematics.h"

#include <atomic>

#include "core/body/body_model.h"
#include "core/body/rotations.h"
#include "core/error.h"

namespace unipose::body {

namespace {
std::atomic<std::uint64_t> fk_calls{0};
}  // namespace

std::uint64_t forward_kinematics_calls() { return fk_calls.load(); }

FkResult forward_kinematics(const at::Tensor& local_rotations, const at::Tensor& rest_joints,
                            const std::vector<int>& parents, const at::Tensor& translation) {
  fk_calls.fetch_add(1, std::memory_order_relaxed);
  const int64_t batch = local_rotations.size(0);
  const int64_t num = local_rotations.size(1);
  if (static_cast<int64_t>(parents.size()) != num) throw Error("forward_kinematics: parent list does not match joints");
  const auto rest = rest_joints.dim() == 2 ? rest_joints.unsqueeze(0).expand({batch, num, 3}) : rest_joints;
  std::vector<at::Tensor> rot(num), pos(num);
  for (int64_t j = 0; j < num; ++j) {
    const auto local = local_rotations.select(1, j);
    const int p = parents[j];
    if (p < 0) {
      rot[j] = local;
      pos[j] = rest.select(1, j);
    } else {
      if (p >= j) throw Error("forward_kinematics: parents must precede their children");
      const auto offset = (rest.select(1, j) - rest.select(1, p)).unsqueeze(-1);
      rot[j] = at::matmul(rot[p], local);
      pos[j] = pos[p] + at::matmul(rot[p], offset).squeeze(-1);
    }
  }
  FkResult out;
  out.global_rotations = at::stack(rot, 1);
  out.joints = at::stack(pos, 1);
  if (translation.defined()) out.joints = out.joints + translation.unsqueeze(1);
  // A point x at rest moves to R (x - rest_j) + posed_j.
  const auto t = out.joints - at::matmul(out.global_rotations, rest.unsqueeze(-1)).squeeze(-1);
  out.skinning = at::cat({out.global_rotations, t.unsqueeze(-1)}, -1);
  return out;
}

FkResult body_forward_kinematics(const at::Tensor& body_rotations, const at::Tensor& rest_joints) {
  const int64_t b = body_rotations.size(0);
  const auto hands = at::eye(3, body_rotations.options()).expand({b, kNumJoints - kNumBodyJoints, 3, 3});
  return forward_kinematics(at::cat({body_rotations, hands}, 1), rest_joints, smpl_parents());
}

at::Tensor linear_blend_skinning(const at::Tensor& vertices, const at::Tensor& weights, const at::Tensor& skinning) {
  const int64_t batch = skinning.size(0);
  const int64_t num = skinning.size(1);
  // Blend the 3x4 transforms per vertex: [B, V, 12].
  const auto blended = at::matmul(weights.unsqueeze(0), skinning.reshape({batch, num, 12})).reshape({batch, -1, 3, 4});
  const auto v = vertices.dim() == 2 ? vertices.unsqueeze(0).expand({batch, vertices.size(0), 3}) : vertices;
  return at::matmul(blended.narrow(-1, 0, 3), v.unsqueeze(-1)).squeeze(-1) + blended.select(-1, 3);
}

at::Tensor rotation_matrices(const std::vector<const PoseParameters*>& poses) {
  auto aa = at::empty({static_cast<int64_t>(poses.size()), kNumJoints, 3}, at::kDouble);
  auto acc = aa.accessor<double, 3>();
  for (size_t b = 0; b < poses.size(); ++b)
    for (int j = 0; j < kNumJoints; ++j)
      for (int k = 0; k < 3; ++k) acc[b][j][k] = poses[b]->rotations[j][k];
  return axis_angle_to_matrix(aa);
}

at::Tensor translations(const std::vector<const PoseParameters*>& poses) {
  auto t = at::zeros({static_cast<int64_t>(poses.size()), 3}, at::kDouble);
  auto acc = t.accessor<double, 2>();
  for (size_t b = 0; b < poses.size(); ++b)
    if (poses[b]->transl)
      for (int k = 0; k < 3; ++k) acc[b][k] = (*poses[b]->transl)[k];
  return t;
}

std::vector<int> smpl_parents() { return std::vector<int>(kParents.begin(), kParents.end()); }

at::Tensor to_tensor(const JointPositions& joints) {
  auto t = at::empty({kNumJoints, 3}, at::kDouble);
  auto acc = t.accessor<double, 2>();
  for (int j = 0; j < kNumJoints; ++j)
    for (int k = 0; k < 3; ++k) acc[j][k] = joints[j][k];
  return t;
}

JointPositions to_joint_positions(const at::Tensor& joints) {
  const auto t = joints.to(at::kCPU, at::kDouble).contiguous();
  auto acc = t.accessor<double, 2>();
  JointPositions out;
  for (int j = 0; j < kNumJoints; ++j) out[j] = Eigen::Vector3d(acc[j][0], acc[j][1], acc[j][2]);
  return out;
}

JointFrames joint_frames(const FkResult& fk, int64_t index) {
  JointFrames out;
  out.positions = to_joint_positions(fk.joints[index]);
  const auto rot = fk.global_rotations[index].to(at::kCPU, at::kDouble).contiguous();
  const double* r = rot.data_ptr<double>();
  for (int j = 0; j < kNumJoints; ++j)
    out.rotations[j] = Eigen::Map<const Eigen::Matrix<double, 3, 3, Eigen::RowMajor>>(r + j * 9);
  return out;
}

JointFrames posed_joint_frames(const PoseParameters& pose, const JointPositions& rest_joints) {
  return joint_frames(forward_kinematics(rotation_matrices({&pose}), to_tensor(rest_joints), smpl_parents(), translations({&pose})), 0);
}

JointPositions posed_joint_positions(const PoseParameters& pose, const JointPositions& rest_joints) {
  return posed_joint_frames(pose, rest_joints).positions;
}

}  // namespace unipose::body
