// Pose metrics as the field reports them: MPJPE and PA-MPJPE (after Procrustes alignment with scale).
#pragma once

#include <ATen/ATen.h>

namespace unipose::eval {

// pred, target [B, J, 3] -> per-sample mean joint error [B] (same units as the input).
at::Tensor mpjpe(const at::Tensor& pred, const at::Tensor& target);
// The same after aligning each prediction to its target by the best similarity transform (rotation,
// uniform scale, translation; SVD, reflections excluded).
at::Tensor pa_mpjpe(const at::Tensor& pred, const at::Tensor& target);

}  // namespace unipose::eval
