#include "core/body/rotations.h"

namespace unipose::body {
namespace {

// Below this angle (radians) the Taylor series replace the closed forms, whose divisions lose precision.
constexpr double kSmallAngle = 1e-4;

// |v| along the last axis, with finite gradients at v = 0 where it is exactly 0 (plain norm() gives NaN
// gradients there, and at::where would propagate them).
std::pair<at::Tensor, at::Tensor> safe_norm(const at::Tensor& v) {
  const auto n2 = (v * v).sum(-1, true);
  const auto zero = n2 < 1e-30;
  const auto n = at::where(zero, at::zeros_like(n2), at::sqrt(at::where(zero, at::ones_like(n2), n2)));
  return {n, n2 < kSmallAngle * kSmallAngle};
}

}  // namespace

at::Tensor axis_angle_to_quaternion(const at::Tensor& aa) {
  const auto [angle, small] = safe_norm(aa);
  const auto half = angle * 0.5;
  // sin(t/2)/t = 1/2 - t^2/48 + ...
  const auto safe_angle = at::where(small, at::ones_like(angle), angle);
  const auto factor = at::where(small, 0.5 - angle * angle / 48.0, at::sin(half) / safe_angle);
  return at::cat({at::cos(half), aa * factor}, -1);
}

at::Tensor quaternion_to_axis_angle(const at::Tensor& q_in) {
  // Put w >= 0 so that the angle lies in [0, pi].
  const auto sign = at::where(q_in.narrow(-1, 0, 1) < 0, -at::ones_like(q_in.narrow(-1, 0, 1)),
                              at::ones_like(q_in.narrow(-1, 0, 1)));
  const auto q = q_in * sign;
  const auto w = q.narrow(-1, 0, 1);
  const auto v = q.narrow(-1, 1, 3);
  const auto [n, small] = safe_norm(v);
  const auto angle = 2.0 * at::atan2(n, w);
  const auto safe_n = at::where(small, at::ones_like(n), n);
  // angle / sin(angle/2) -> 2 / w * (1 + n^2 / (6 w^2)) as n -> 0 (w ~ |q| ~ 1 there).
  const auto safe_w = at::where(small, w, at::ones_like(w));
  const auto factor = at::where(small, 2.0 / safe_w * (1.0 + n * n / (6.0 * safe_w * safe_w)), angle / safe_n);
  return v * factor;
}

at::Tensor quaternion_to_matrix(const at::Tensor& q_in) {
  const auto q = q_in / q_in.norm(2, -1, true);
  const auto w = q.select(-1, 0), x = q.select(-1, 1), y = q.select(-1, 2), z = q.select(-1, 3);
  const auto m = at::stack({1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
                            2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
                            2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)},
                           -1);
  auto sizes = q.sizes().vec();
  sizes.back() = 3;
  sizes.push_back(3);
  return m.reshape(sizes);
}

at::Tensor matrix_to_quaternion(const at::Tensor& m) {
  // Shepperd's method: of the four algebraically equal formulas use, per element, the one with the largest
  // denominator, so no branch divides by a small number (stable near pi as well as near 0).
  const auto m00 = m.select(-1, 0).select(-1, 0), m01 = m.select(-1, 1).select(-1, 0);
  const auto m02 = m.select(-1, 2).select(-1, 0), m10 = m.select(-1, 0).select(-1, 1);
  const auto m11 = m.select(-1, 1).select(-1, 1), m12 = m.select(-1, 2).select(-1, 1);
  const auto m20 = m.select(-1, 0).select(-1, 2), m21 = m.select(-1, 1).select(-1, 2);
  const auto m22 = m.select(-1, 2).select(-1, 2);
  // Note: select(-1, c).select(-1, r) is element [r][c].
  const auto four = at::stack({1 + m00 + m11 + m22, 1 + m00 - m11 - m22, 1 - m00 + m11 - m22, 1 - m00 - m11 + m22}, -1);
  const auto root = at::sqrt(at::clamp_min(four, 1e-12));  // 2|w|, 2|x|, 2|y|, 2|z|
  const auto r0 = root.select(-1, 0), r1 = root.select(-1, 1), r2 = root.select(-1, 2), r3 = root.select(-1, 3);
  const auto c0 = at::stack({r0 * r0, m21 - m12, m02 - m20, m10 - m01}, -1) / (2 * r0).unsqueeze(-1);
  const auto c1 = at::stack({m21 - m12, r1 * r1, m10 + m01, m02 + m20}, -1) / (2 * r1).unsqueeze(-1);
  const auto c2 = at::stack({m02 - m20, m10 + m01, r2 * r2, m12 + m21}, -1) / (2 * r2).unsqueeze(-1);
  const auto c3 = at::stack({m10 - m01, m20 + m02, m21 + m12, r3 * r3}, -1) / (2 * r3).unsqueeze(-1);
  const auto candidates = at::stack({c0, c1, c2, c3}, -2);  // [..., 4, 4]
  const auto best = four.reshape({-1, 4}).argmax(-1).view({-1, 1, 1}).expand({-1, 1, 4});
  auto q = candidates.reshape({-1, 4, 4}).gather(1, best).squeeze(1);
  q = q / q.norm(2, -1, true);
  q = at::where(q.narrow(-1, 0, 1) < 0, -q, q);
  auto sizes = m.sizes().vec();
  sizes.pop_back();
  sizes.back() = 4;
  return q.reshape(sizes);
}

at::Tensor axis_angle_to_matrix(const at::Tensor& aa) {
  // Rodrigues: R = I + a K + b K^2 with a = sin t / t, b = (1 - cos t) / t^2 on the unnormalised axis.
  const auto t2 = (aa * aa).sum(-1, true);
  const auto [t, small] = safe_norm(aa);
  const auto safe_t = at::where(small, at::ones_like(t), t);
  const auto a = at::where(small, 1.0 - t2 / 6.0, at::sin(safe_t) / safe_t);
  const auto b = at::where(small, 0.5 - t2 / 24.0, (1.0 - at::cos(safe_t)) / (safe_t * safe_t));
  const auto x = aa.select(-1, 0), y = aa.select(-1, 1), z = aa.select(-1, 2);
  const auto zero = at::zeros_like(x);
  auto sizes = aa.sizes().vec();
  sizes.back() = 3;
  sizes.push_back(3);
  const auto k = at::stack({zero, -z, y, z, zero, -x, -y, x, zero}, -1).reshape(sizes);
  auto eye_sizes = sizes;
  const auto eye = at::eye(3, aa.options()).expand(eye_sizes);
  return eye + a.unsqueeze(-1) * k + b.unsqueeze(-1) * at::matmul(k, k);
}

at::Tensor matrix_to_axis_angle(const at::Tensor& m) { return quaternion_to_axis_angle(matrix_to_quaternion(m)); }

at::Tensor matrix_to_rot6d(const at::Tensor& m) {
  auto sizes = m.sizes().vec();
  sizes.pop_back();
  sizes.back() = 6;
  return m.narrow(-2, 0, 2).reshape(sizes);
}

at::Tensor rot6d_to_matrix(const at::Tensor& r6) {
  const auto a1 = r6.narrow(-1, 0, 3);
  const auto a2 = r6.narrow(-1, 3, 3);
  const auto b1 = a1 / at::clamp_min(a1.norm(2, -1, true), 1e-8);
  auto b2 = a2 - (b1 * a2).sum(-1, true) * b1;
  b2 = b2 / at::clamp_min(b2.norm(2, -1, true), 1e-8);
  const auto b3 = at::cross(b1, b2, -1);
  return at::stack({b1, b2, b3}, -2);
}

}  // namespace unipose::body
