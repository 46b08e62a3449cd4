// Internal to core/body: building and writing Assimp scenes of the body (shared by plain and rigged export).
#pragma once

#ifdef UNIPOSE_WITH_ASSIMP
#include <string>

#include <assimp/scene.h>

#include "core/body/mesh.h"

namespace unipose::body::detail {

// Gives `scene` one material and `mesh` as its only mesh (index 0); the caller adds the nodes.
aiMesh* add_body_mesh(aiScene& scene, const Mesh& mesh);

// Exports through Assimp in memory, then writes `path` atomically; `what` names the export in errors.
void write_scene(const aiScene& scene, const std::string& format, const std::string& path, const std::string& what);

}  // namespace unipose::body::detail
#endif
