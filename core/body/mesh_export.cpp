#include "core/body/mesh_export.h"

#include "core/error.h"
#include "core/io/files.h"

#ifdef UNIPOSE_WITH_ASSIMP
#include <assimp/Exporter.hpp>
#include <assimp/material.h>
#include <assimp/scene.h>

#include "core/body/assimp_scene.h"
#endif

namespace unipose::body {

void export_mesh(const Mesh& mesh, const std::string& path) {
  const std::string ext = io::extension_of(path);
  std::string format;
  if (ext == "obj") format = "objnomtl";
  else if (ext == "glb") format = "glb2";
  else if (ext == "fbx") format = "fbxa";
  else fail(path, "unknown mesh format '." + ext + "' (use .obj, .glb or .fbx)");
  if (mesh.vertices.empty() || mesh.faces.empty()) fail(path, "the mesh to export is empty");
#ifndef UNIPOSE_WITH_ASSIMP
  fail(path, "mesh export needs Assimp, and this build of unipose has none");
#else
  // The scene owns everything allocated for it; its destructor frees it.
  aiScene scene;
  detail::add_body_mesh(scene, mesh);
  scene.mRootNode = new aiNode("body");
  scene.mRootNode->mNumMeshes = 1;
  scene.mRootNode->mMeshes = new unsigned int[1]{0};
  detail::write_scene(scene, format, path, "mesh export");
#endif
}

#ifdef UNIPOSE_WITH_ASSIMP
namespace detail {

aiMesh* add_body_mesh(aiScene& scene, const Mesh& mesh) {
  scene.mNumMaterials = 1;
  scene.mMaterials = new aiMaterial*[1]{new aiMaterial()};
  aiString material_name("body");
  scene.mMaterials[0]->AddProperty(&material_name, AI_MATKEY_NAME);
  aiColor3D colour(0.80f, 0.68f, 0.52f);
  scene.mMaterials[0]->AddProperty(&colour, 1, AI_MATKEY_COLOR_DIFFUSE);
  scene.mNumMeshes = 1;
  scene.mMeshes = new aiMesh*[1]{new aiMesh()};
  aiMesh* m = scene.mMeshes[0];
  m->mName = "body";
  m->mMaterialIndex = 0;
  m->mPrimitiveTypes = aiPrimitiveType_TRIANGLE;
  m->mNumVertices = static_cast<unsigned>(mesh.vertices.size());
  m->mVertices = new aiVector3D[m->mNumVertices];
  m->mNormals = new aiVector3D[m->mNumVertices];
  for (unsigned i = 0; i < m->mNumVertices; ++i) {
    const auto& v = mesh.vertices[i];
    m->mVertices[i] = aiVector3D(v.x(), v.y(), v.z());
    const auto n = i < mesh.normals.size() ? mesh.normals[i] : Eigen::Vector3f(0, 1, 0);
    m->mNormals[i] = aiVector3D(n.x(), n.y(), n.z());
  }
  m->mNumFaces = static_cast<unsigned>(mesh.faces.size());
  m->mFaces = new aiFace[m->mNumFaces];
  for (unsigned i = 0; i < m->mNumFaces; ++i) {
    m->mFaces[i].mNumIndices = 3;
    m->mFaces[i].mIndices = new unsigned[3]{mesh.faces[i][0], mesh.faces[i][1], mesh.faces[i][2]};
  }
  return m;
}

void write_scene(const aiScene& scene, const std::string& format, const std::string& path, const std::string& what) {
  Assimp::Exporter exporter;
  const aiExportDataBlob* blob = exporter.ExportToBlob(&scene, format.c_str());
  if (blob == nullptr) fail(path, what + " failed: " + exporter.GetErrorString());
  io::write_file_atomic(path, blob->data, blob->size);
}

}  // namespace detail
#endif

}  // namespace unipose::body
