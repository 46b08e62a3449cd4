#include "core/body/rotations.h"

#include <gtest/gtest.h>

#include <cmath>

#include <Eigen/Geometry>

namespace unipose::body {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Rotation angle between two batches of matrices (radians), the largest over the batch.
double max_angle_between(const at::Tensor& a, const at::Tensor& b) {
  const auto rel = at::matmul(a.transpose(-1, -2), b);
  const auto trace = rel.diagonal(0, -2, -1).sum(-1);
  return at::acos(at::clamp((trace - 1) / 2, -1.0, 1.0)).max().item<double>();
}

at::Tensor random_axis_angles(int64_t n, double max_angle, int seed) {
  at::manual_seed(seed);
  const auto axis = at::randn({n, 3}, at::kDouble);
  const auto angle = at::rand({n, 1}, at::kDouble) * max_angle;
  return axis / axis.norm(2, -1, true) * angle;
}

TEST(Rotations, AxisAngleToMatrixMatchesEigen) {
  const auto aa = random_axis_angles(50, kPi, 1);
  const auto m = axis_angle_to_matrix(aa);
  for (int i = 0; i < 50; ++i) {
    const Eigen::Vector3d v(aa[i][0].item<double>(), aa[i][1].item<double>(), aa[i][2].item<double>());
    const Eigen::Matrix3d e = Eigen::AngleAxisd(v.norm(), v.normalized()).toRotationMatrix();
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) EXPECT_NEAR(m[i][r][c].item<double>(), e(r, c), 1e-12);
  }
}

TEST(Rotations, AxisAngleRoundTripBelowPi) {
  const auto aa = random_axis_angles(1000, kPi - 1e-3, 2);
  EXPECT_LT((matrix_to_axis_angle(axis_angle_to_matrix(aa)) - aa).abs().max().item<double>(), 1e-9);
}

TEST(Rotations, SafeNearZero) {
  const auto aa = at::tensor({0.0, 0.0, 0.0, 1e-9, -2e-9, 3e-9, 1e-5, 0.0, 0.0}, at::kDouble).reshape({3, 3});
  const auto m = axis_angle_to_matrix(aa);
  EXPECT_TRUE(at::isfinite(m).all().item<bool>());
  EXPECT_LT((m[0] - at::eye(3, at::kDouble)).abs().max().item<double>(), 1e-15);
  EXPECT_LT((matrix_to_axis_angle(m) - aa).abs().max().item<double>(), 1e-12);
  // Gradients are finite at exactly zero.
  auto x = at::zeros({1, 3}, at::kDouble).set_requires_grad(true);
  axis_angle_to_matrix(x).sum().backward();
  EXPECT_TRUE(at::isfinite(x.grad()).all().item<bool>());
  auto q = at::zeros({1, 3}, at::kDouble).set_requires_grad(true);
  quaternion_to_axis_angle(axis_angle_to_quaternion(q)).sum().backward();
  EXPECT_TRUE(at::isfinite(q.grad()).all().item<bool>());
}

TEST(Rotations, SafeNearPi) {
  // Exactly pi and within 1e-7 of it, about several axes: the matrix must survive the round trip.
  std::vector<double> values;
  for (double angle : {kPi, kPi - 1e-7, kPi - 1e-4})
    for (auto axis : {Eigen::Vector3d(1, 0, 0), Eigen::Vector3d(0, 1, 0), Eigen::Vector3d(1, 1, 1).normalized(),
                      Eigen::Vector3d(-0.2, 0.3, -0.9).normalized()})
      for (int k = 0; k < 3; ++k) values.push_back(axis[k] * angle);
  const auto aa = at::tensor(values, at::kDouble).reshape({-1, 3});
  const auto m = axis_angle_to_matrix(aa);
  const auto back = matrix_to_axis_angle(m);
  EXPECT_TRUE(at::isfinite(back).all().item<bool>());
  EXPECT_LT(max_angle_between(axis_angle_to_matrix(back), m), 1e-6);
  EXPECT_LT((back.norm(2, -1) - kPi).abs().max().item<double>(), 1e-4 + 1e-6);
}

TEST(Rotations, SixDRoundTripIsTheFirstTwoRows) {
  const auto m = axis_angle_to_matrix(random_axis_angles(200, kPi, 3));
  const auto r6 = matrix_to_rot6d(m);
  EXPECT_EQ(r6.sizes(), (at::IntArrayRef{200, 6}));
  EXPECT_EQ((r6.narrow(-1, 0, 3) - m.select(-2, 0)).abs().max().item<double>(), 0.0);
  EXPECT_LT(max_angle_between(rot6d_to_matrix(r6), m), 1e-7);
  // Gram-Schmidt turns any non-degenerate 6D vector into a proper rotation.
  const auto noisy = rot6d_to_matrix(r6 + 0.1 * at::randn_like(r6));
  const auto should_be_identity = at::matmul(noisy, noisy.transpose(-1, -2));
  EXPECT_LT((should_be_identity - at::eye(3, at::kDouble)).abs().max().item<double>(), 1e-12);
  EXPECT_LT((at::linalg_det(noisy) - 1).abs().max().item<double>(), 1e-12);
}

TEST(Rotations, QuaternionRoundTrips) {
  const auto aa = random_axis_angles(500, kPi, 4);
  const auto q = axis_angle_to_quaternion(aa);
  EXPECT_LT((q.norm(2, -1) - 1).abs().max().item<double>(), 1e-12);
  const auto m = axis_angle_to_matrix(aa);
  EXPECT_LT(max_angle_between(quaternion_to_matrix(q), m), 1e-7);
  const auto q2 = matrix_to_quaternion(m);
  // q and -q are the same rotation; both outputs have w >= 0 here.
  EXPECT_LT(at::min((q2 - q).abs().amax(-1), (q2 + q).abs().amax(-1)).max().item<double>(), 1e-9);
  EXPECT_LT((quaternion_to_axis_angle(q) - aa).abs().max().item<double>(), 1e-9);
}

TEST(Rotations, BatchedShapesAndFloat) {
  const auto aa = random_axis_angles(24, 2.0, 5).reshape({2, 4, 3, 3}).to(at::kFloat);
  const auto m = axis_angle_to_matrix(aa);
  EXPECT_EQ(m.sizes(), (at::IntArrayRef{2, 4, 3, 3, 3}));
  EXPECT_EQ(matrix_to_quaternion(m).sizes(), (at::IntArrayRef{2, 4, 3, 4}));
  EXPECT_LT((matrix_to_axis_angle(m) - aa).abs().max().item<float>(), 1e-4);
}

}  // namespace
}  // namespace unipose::body
