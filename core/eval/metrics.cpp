#include "core/eval/metrics.h"

namespace unipose::eval {

at::Tensor mpjpe(const at::Tensor& pred, const at::Tensor& target) { return (pred - target).norm(2, -1).mean(-1); }

at::Tensor pa_mpjpe(const at::Tensor& pred, const at::Tensor& target) {
  const auto p = pred.to(at::kDouble), t = target.to(at::kDouble);
  const auto mp = p.mean(1, true), mt = t.mean(1, true);
  const auto x = p - mp, y = t - mt;
  // Rotation R minimising |R x - y|: SVD of the cross-covariance, with the sign fix against reflections.
  const auto h = at::matmul(x.transpose(1, 2), y);  // [B, 3, 3]
  const auto svd = at::linalg_svd(h, false);
  const auto u = std::get<0>(svd), s = std::get<1>(svd), vt = std::get<2>(svd);
  auto d = at::ones_like(s);
  const auto det = at::linalg_det(at::matmul(vt.transpose(1, 2), u.transpose(1, 2)));
  d.select(1, 2).copy_(at::sign(det));
  const auto r = at::matmul(vt.transpose(1, 2) * d.unsqueeze(1), u.transpose(1, 2));  // V D U^T
  const auto scale = (s * d).sum(1) / x.pow(2).sum({1, 2}).clamp_min(1e-12);
  const auto aligned = scale.view({-1, 1, 1}) * at::matmul(x, r.transpose(1, 2)) + mt;
  return mpjpe(aligned, t).to(pred.scalar_type());
}

}  // namespace unipose::eval
