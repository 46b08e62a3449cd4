// Batched forward kinematics and linear blend skinning (LibTorch, CPU or CUDA) for any kinematic tree given
// by a parent list (the SMPL tree for bodies, a BVH file's own tree for motion import).
#pragma once

#include <vector>

#include <ATen/ATen.h>

#include "core/body/skeleton.h"
#include "core/pose/pose.h"

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

// vertices [V, 3] or [B, V, 3]; weights [V, J]; skinning [B, J, 3, 4] -> [B, V, 3]
at::Tensor linear_blend_skinning(const at::Tensor& vertices, const at::Tensor& weights, const at::Tensor& skinning);

// Poses -> local rotation matrices [B, 24, 3, 3] (double) and translations [B, 3] (zeros where absent).
at::Tensor poses_to_rotation_matrices(const std::vector<pose::Pose>& poses);
at::Tensor poses_to_translations(const std::vector<pose::Pose>& poses);

// The SMPL parent list as a vector, for the functions above.
std::vector<int> smpl_parents();

at::Tensor to_tensor(const JointPositions& joints);  // [24, 3] double
JointPositions to_joint_positions(const at::Tensor& joints);  // [24, 3]

}  // namespace unipose::body
