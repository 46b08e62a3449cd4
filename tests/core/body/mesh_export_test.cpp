#include "core/body/mesh_export.h"

#include <gtest/gtest.h>

#include <filesystem>

#include <assimp/Importer.hpp>
#include <assimp/postprocess.h>
#include <assimp/scene.h>

#include "core/body/body_model.h"
#include "core/error.h"

namespace unipose::body {
namespace {

TEST(MeshExport, WritesObjGlbAndFbxThatAssimpReadsBack) {
  const auto model = make_mannequin();
  PoseParameters p;
  p.rotations[kLeftShoulder] = Eigen::Vector3d(0, 0, -1.2);
  const Mesh mesh = model->posed_mesh(p);
  const auto dir = std::filesystem::temp_directory_path() / ("unipose_export_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const char* ext : {"obj", "glb", "fbx"}) {
    const std::string path = (dir / (std::string("body.") + ext)).string();
    export_mesh(mesh, path);
    Assimp::Importer importer;
    const aiScene* scene = importer.ReadFile(path, aiProcess_JoinIdenticalVertices);
    ASSERT_NE(scene, nullptr) << ext << ": " << importer.GetErrorString();
    ASSERT_GE(scene->mNumMeshes, 1u) << ext;
    EXPECT_EQ(scene->mMeshes[0]->mNumFaces, mesh.faces.size()) << ext;
    // Heights survive the round trip (FBX may scale units, so compare the ratio of extents).
    float lo = 1e9f, hi = -1e9f;
    for (unsigned i = 0; i < scene->mMeshes[0]->mNumVertices; ++i) {
      lo = std::min(lo, scene->mMeshes[0]->mVertices[i].y);
      hi = std::max(hi, scene->mMeshes[0]->mVertices[i].y);
    }
    EXPECT_GT(hi - lo, 0.0f) << ext;
  }
  std::filesystem::remove_all(dir);
}

TEST(MeshExport, UnknownExtensionIsAnError) {
  const auto model = make_mannequin();
  try {
    export_mesh(model->rest_mesh(), "/tmp/body.xyz");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/tmp/body.xyz"), std::string::npos);
  }
}

}  // namespace
}  // namespace unipose::body
