// Batched rotation conversions (LibTorch, any device, float or double): axis-angle <-> matrix <-> 6D
// (first two rows, PyTorch3D convention) <-> quaternion (w, x, y, z). Safe near 0 and near pi.
#pragma once

#include <ATen/ATen.h>

namespace unipose::body {

// [..., 3] -> [..., 3, 3]
at::Tensor axis_angle_to_matrix(const at::Tensor& aa);
// [..., 3, 3] -> [..., 3]; angle in [0, pi]
at::Tensor matrix_to_axis_angle(const at::Tensor& m);
// [..., 3, 3] -> [..., 6]: the first two rows of the matrix.
at::Tensor matrix_to_rot6d(const at::Tensor& m);
// [..., 6] -> [..., 3, 3]: Gram-Schmidt on the two rows, third row = cross product.
at::Tensor rot6d_to_matrix(const at::Tensor& r6);
// [..., 4] (w, x, y, z), need not be normalised -> [..., 3, 3]
at::Tensor quaternion_to_matrix(const at::Tensor& q);
// [..., 3, 3] -> [..., 4] unit quaternion with w >= 0
at::Tensor matrix_to_quaternion(const at::Tensor& m);
at::Tensor axis_angle_to_quaternion(const at::Tensor& aa);
at::Tensor quaternion_to_axis_angle(const at::Tensor& q);

}  // namespace unipose::body
