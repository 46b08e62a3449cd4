// Writes a posed body mesh through Assimp: Wavefront OBJ, glTF 2 binary (.glb) and FBX, chosen by extension.
#pragma once

#include <string>

#include "core/body/mesh.h"

namespace unipose::body {

// Atomic: the file appears complete or not at all. Throws Error for an unknown extension or a failed write.
void export_mesh(const Mesh& mesh, const std::string& path);

}  // namespace unipose::body
