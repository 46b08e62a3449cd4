#include "core/body/rigged_mesh.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "core/body/body_model.h"
#include "core/body/mesh_export.h"
#include "core/error.h"

namespace unipose::body {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("unipose_rig_" + std::to_string(::getpid()) + "_" + name)).string();
}

// Distance from each of a sample of `a`'s vertices to the nearest vertex of `b` (meshes may be reordered by
// the exporters), sorted.
std::vector<double> nearest_distances(const Mesh& a, const Mesh& b) {
  std::vector<double> out;
  for (size_t i = 0; i < a.vertices.size(); i += 29) {
    double best = 1e9;
    for (const auto& v : b.vertices) best = std::min(best, double((v - a.vertices[i]).squaredNorm()));
    out.push_back(std::sqrt(best));
  }
  std::sort(out.begin(), out.end());
  return out;
}

PoseParameters test_pose() {
  PoseParameters p;
  p.rotations[kLeftShoulder] = Eigen::Vector3d(0.2, -0.4, -1.0);
  p.rotations[kRightKnee] = Eigen::Vector3d(1.1, 0, 0);
  p.rotations[kSpine2] = Eigen::Vector3d(0.3, 0.2, 0);
  p.rotations[kHead] = Eigen::Vector3d(0, 0.5, 0);
  return p;
}

TEST(RiggedMesh, OwnExportImportsAsTheSameBodyInEveryFormat) {
  const auto mannequin = make_mannequin();
  const PoseParameters posed = test_pose();
  for (const char* ext : {"glb", "fbx", "dae"}) {
    const std::string path = temp_path(std::string("rig.") + ext);
    export_rigged_mesh(*mannequin, posed, path);
    const RiggedImport in = import_rigged_mesh(path);
    EXPECT_EQ(in.profile, "smpl") << ext;
    for (int j = 0; j < kNumJoints; ++j)
      EXPECT_LT((in.body.rest_joints[j] - mannequin->rest_joints()[j]).norm(), 1e-4) << ext << " " << kJointNames[j];
    const auto body = make_skinned_body(path, in.body);
    // Posed by UniPose, the imported body matches the mannequin in the same pose.
    const auto d = nearest_distances(body->posed_mesh(posed), mannequin->posed_mesh(posed));
    EXPECT_LT(d.back(), 1e-3) << ext;
    std::filesystem::remove(path);
  }
}

TEST(RiggedMesh, AnotherBindPoseIsBroughtToTheRestPose) {
  // A rig bound in an A-pose with bent knees and a turned head, as many character files are.
  const auto mannequin = make_mannequin();
  PoseParameters a_pose;
  a_pose.rotations[kLeftShoulder] = Eigen::Vector3d(0, 0, -0.8);
  a_pose.rotations[kRightShoulder] = Eigen::Vector3d(0, 0, 0.8);
  a_pose.rotations[kLeftElbow] = Eigen::Vector3d(0, -0.3, 0);
  a_pose.rotations[kLeftKnee] = Eigen::Vector3d(0.4, 0, 0);
  a_pose.rotations[kNeck] = Eigen::Vector3d(0, 0.4, 0);
  const std::string path = temp_path("apose.glb");
  export_rigged_mesh(*mannequin, PoseParameters(), path, a_pose);
  const RiggedImport in = import_rigged_mesh(path);
  for (int j = 0; j < kNumJoints; ++j)
    EXPECT_LT((in.body.rest_joints[j] - mannequin->rest_joints()[j]).norm(), 1e-4) << kJointNames[j];
  // Skinning is affine per vertex, so the unposing is exact up to float rounding.
  const auto d = nearest_distances(in.body.mesh, mannequin->rest_mesh());
  std::cout << "A-pose rig to rest: median " << d[d.size() / 2] * 1000 << " mm, p95 " << d[d.size() * 95 / 100] * 1000
            << " mm, max " << d.back() * 1000 << " mm\n";
  EXPECT_LT(d.back(), 1e-4);
  std::filesystem::remove(path);
}

TEST(RiggedMesh, ForeignRigIsUnposedFromItsBoneDirections) {
  // Mixamo-named bones: the importer cannot read SMPL frames off them and works from bone directions alone,
  // which is exact for a bind pose without twists about the bones.
  const auto mannequin = make_mannequin();
  PoseParameters a_pose;
  a_pose.rotations[kLeftShoulder] = Eigen::Vector3d(0, 0, -0.8);
  a_pose.rotations[kRightShoulder] = Eigen::Vector3d(0, 0, 0.8);
  a_pose.rotations[kRightElbow] = Eigen::Vector3d(0, 0.5, 0);
  a_pose.rotations[kLeftKnee] = Eigen::Vector3d(0.4, 0, 0);
  a_pose.rotations[kSpine2] = Eigen::Vector3d(0.2, 0, 0);
  const std::string path = temp_path("mixamo.glb");
  export_rigged_mesh(*mannequin, a_pose, path, a_pose, "mixamo");
  const RiggedImport in = import_rigged_mesh(path);
  EXPECT_EQ(in.profile, "mixamo");
  for (int j = 0; j < kNumJoints; ++j)
    EXPECT_LT((in.body.rest_joints[j] - mannequin->rest_joints()[j]).norm(), 1e-4) << kJointNames[j];
  const auto d = nearest_distances(in.body.mesh, mannequin->rest_mesh());
  EXPECT_LT(d.back(), 1e-3);
  std::filesystem::remove(path);
}

TEST(RiggedMesh, UnriggedAndUnreadableFilesAreRefused) {
  const std::string obj = temp_path("plain.obj");
  export_mesh(make_mannequin()->rest_mesh(), obj);
  try {
    import_rigged_mesh(obj);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no rigged (skinned) mesh"), std::string::npos) << e.what();
  }
  std::filesystem::remove(obj);
  EXPECT_THROW(import_rigged_mesh("/usr/share/assimp/models/Collada/human.zae"), Error);
  const std::string junk = temp_path("junk.glb");
  {
    std::FILE* f = std::fopen(junk.c_str(), "wb");
    std::fputs("glTF but not really", f);
    std::fclose(f);
  }
  try {
    import_rigged_mesh(junk);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(junk), std::string::npos);
  }
  std::filesystem::remove(junk);
  EXPECT_THROW(export_rigged_mesh(*make_mannequin(), PoseParameters(), temp_path("x.obj")), Error);
}

}  // namespace
}  // namespace unipose::body
