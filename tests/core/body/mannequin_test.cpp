#include "core/body/mannequin.h"

#include <gtest/gtest.h>

#include "core/body/body_model.h"

namespace unipose::body {
namespace {

const SkinnedMesh& mannequin() {
  static const SkinnedMesh m = build_mannequin();
  return m;
}

TEST(Mannequin, SizeIsInTheAgreedRange) {
  const auto& m = mannequin();
  EXPECT_GE(m.mesh.vertices.size(), 5000u);
  EXPECT_LE(m.mesh.vertices.size(), 20000u);
  EXPECT_EQ(m.mesh.normals.size(), m.mesh.vertices.size());
}

TEST(Mannequin, SurfaceIsClosed) {
  EXPECT_EQ(count_open_edges(mannequin().mesh), 0u);
}

TEST(Mannequin, AdultProportionsStandingOnTheFloor) {
  const auto box = mannequin().mesh.bounds();
  EXPECT_NEAR(box.min().y(), 0.0, 0.01);          // soles on y = 0
  EXPECT_NEAR(box.max().y(), 1.75, 0.05);         // adult height
  EXPECT_NEAR(box.max().x(), -box.min().x(), 0.005);  // symmetric
  EXPECT_NEAR(box.max().x() - box.min().x(), 1.75, 0.12);  // arm span about equals height
  const auto& j = mannequin_rest_joints();
  EXPECT_NEAR((j[kLeftShoulder] - j[kRightShoulder]).norm(), 0.36, 0.04);
  EXPECT_NEAR(j[kLeftHip].y() - j[kLeftAnkle].y(), 0.78, 0.05);  // leg length
}

TEST(Mannequin, NormalsPointOutward) {
  const auto& m = mannequin();
  // Every vertex normal agrees with its faces' winding, and the head's top vertex points up.
  Mesh copy = m.mesh;
  copy.compute_normals();
  size_t agree = 0;
  for (size_t i = 0; i < copy.normals.size(); ++i) agree += copy.normals[i].dot(m.mesh.normals[i]) > 0;
  EXPECT_GT(agree, copy.normals.size() * 999 / 1000);
  size_t top = 0;
  for (size_t i = 0; i < m.mesh.vertices.size(); ++i)
    if (m.mesh.vertices[i].y() > m.mesh.vertices[top].y()) top = i;
  EXPECT_GT(m.mesh.normals[top].y(), 0.9);
}

TEST(Mannequin, SkinningWeightsArePartitionOfUnityAndLocal) {
  const auto& m = mannequin();
  const size_t n = m.mesh.vertices.size();
  ASSERT_EQ(m.weights.size(), n * kNumJoints);
  for (size_t i = 0; i < n; ++i) {
    float sum = 0;
    for (int j = 0; j < kNumJoints; ++j) {
      EXPECT_GE(m.weights[i * kNumJoints + j], 0.0f);
      sum += m.weights[i * kNumJoints + j];
    }
    ASSERT_NEAR(sum, 1.0f, 1e-5);
    const auto& v = m.mesh.vertices[i];
    // The middle of the left forearm follows the left elbow; the top of the head follows the head.
    if (v.x() > 0.55 && v.x() < 0.62) EXPECT_GT(m.weights[i * kNumJoints + kLeftElbow], 0.9f);
    if (v.y() > 1.70) EXPECT_GT(m.weights[i * kNumJoints + kHead], 0.9f);
    if (v.x() < -0.55 && v.x() > -0.62) EXPECT_GT(m.weights[i * kNumJoints + kRightElbow], 0.9f);
  }
}

TEST(Mannequin, BentKneeMovesTheShinBackward) {
  const auto model = make_mannequin();
  PoseParameters p;
  p.rotations[kLeftKnee] = Eigen::Vector3d(1.5, 0, 0);
  const Mesh posed = model->posed_mesh(p);
  const Mesh& rest = model->rest_mesh();
  // posed() gives the same surface and the skeleton's joints from the same pass.
  const PosedBody both = model->posed(p);
  ASSERT_EQ(both.mesh.vertices.size(), posed.vertices.size());
  for (size_t i = 0; i < posed.vertices.size(); i += 97) EXPECT_EQ(both.mesh.vertices[i], posed.vertices[i]);
  const auto frames = posed_joint_frames(p, model->rest_joints());
  for (int j = 0; j < kNumJoints; ++j) {
    EXPECT_LT((both.joints.positions[j] - frames.positions[j]).norm(), 1e-12) << j;
    EXPECT_LT((both.joints.rotations[j] - frames.rotations[j]).norm(), 1e-12) << j;
  }
  // Vertices of the left lower shin move behind the knee; the right leg stays put.
  for (size_t i = 0; i < rest.vertices.size(); ++i) {
    const auto& v = rest.vertices[i];
    if (v.x() > 0.05 && v.x() < 0.15 && v.y() > 0.15 && v.y() < 0.25 && v.z() < 0.1) EXPECT_LT(posed.vertices[i].z(), -0.15);
    if (v.x() < -0.05 && v.y() < 0.4) EXPECT_LT((posed.vertices[i] - v).norm(), 1e-5);
  }
}

}  // namespace
}  // namespace unipose::body
