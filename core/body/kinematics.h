// Batched forward kinematics and linear blend skinning (LibTorch, CPU or CUDA) for any kinematic tree given
// by a parent list (the SMPL tree for bodies, a BVH file's own tree for motion import).
#pragma once

#include <cstdint>
#include <type_traits>
#include <vector>

#include <ATen/ATen.h>

#include "core/body/pose_parameters.h"
#include "core/body/skeleton.h"

namespace unipose::body {

struct FkResult {
  at::Tensor global_rotations;  // [B, J, 3, 3]
  at::Tensor joints;            // [B, J, 3] posed joint positions (translation included)
  at::Tensor skinning;          // [B, J, 3, 4] transforms taking rest-pose points to posed points
};

// local_rotations [B, J, 3, 3]; rest_joints [J, 3] or [B, J, 3]; translation [B, 3] or undefined.
// Parents must precede their children.
FkResult forward_kinematics(const at::Tensor& local_rotations, const at::Tensor& rest_joints,
                            const std::vector<int>& parents, const at::Tensor& translation = {});
// How many times forward_kinematics has run in this process (tests hold the engine's route to its count).
std::uint64_t forward_kinematics_calls();

// Forward kinematics of the root and the 21 body joints (rotation matrices [B, 22, 3, 3]: what the pose
// tokenizer codes) with the hands at rest; rest_joints [24, 3] of the same dtype and device.
FkResult body_forward_kinematics(const at::Tensor& body_rotations, const at::Tensor& rest_joints);

// vertices [V, 3] or [B, V, 3]; weights [V, J]; skinning [B, J, 3, 4] -> [B, V, 3]
at::Tensor linear_blend_skinning(const at::Tensor& vertices, const at::Tensor& weights, const at::Tensor& skinning);

// Pose parameters -> local rotation matrices [B, 24, 3, 3] (double) and translations [B, 3] (zeros where
// absent), from pointers or from a vector of PoseParameters or of a type derived from it (pose::Pose).
at::Tensor rotation_matrices(const std::vector<const PoseParameters*>& poses);
at::Tensor translations(const std::vector<const PoseParameters*>& poses);
template <typename P>
std::vector<const PoseParameters*> pointers(const std::vector<P>& poses) {
  std::vector<const PoseParameters*> out;
  out.reserve(poses.size());
  for (const auto& p : poses) out.push_back(&p);
  return out;
}
template <typename P, typename = std::enable_if_t<std::is_base_of_v<PoseParameters, P>>>
at::Tensor rotation_matrices(const std::vector<P>& poses) {
  return rotation_matrices(pointers(poses));
}
template <typename P, typename = std::enable_if_t<std::is_base_of_v<PoseParameters, P>>>
at::Tensor translations(const std::vector<P>& poses) {
  return translations(pointers(poses));
}

// The SMPL parent list as a vector, for the functions above.
std::vector<int> smpl_parents();

at::Tensor to_tensor(const JointPositions& joints);  // [24, 3] double
// Joint positions and world rotations of pose `index` of a forward-kinematics result of the SMPL tree.
JointFrames joint_frames(const FkResult& fk, int64_t index);
JointPositions to_joint_positions(const at::Tensor& joints);  // [24, 3]

}  // namespace unipose::body
