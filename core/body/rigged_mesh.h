// Rigged meshes through Assimp. Export: the posed body with its SMPL skeleton and skinning (glTF 2 binary,
// FBX, Collada), so other tools can keep posing it. Import: any rigged mesh whose joint names follow a known
// convention (SMPL, Mixamo, CMU, Biovision), brought into the SMPL rest pose (T-pose facing +z) whatever
// its own bind pose, so that every UniPose pose means the same on it.
#pragma once

#include <string>

#include "core/body/body_model.h"
#include "core/body/mannequin.h"

namespace unipose::body {

// Writes `body` in `pose` with a skeleton of the 24 SMPL joints. The mesh is bound in `bind_pose` (the
// rest pose unless given; FBX files are always bound in `pose`, as Assimp's FBX writer takes the bind pose
// from the joints); the joints' transforms hold `pose`. Format by extension: .glb, .fbx, .dae.
// `naming` names the bones after a convention ("smpl", or "mixamo" for tools that expect Mixamo rigs;
// joints a convention lacks keep their SMPL names).
void export_rigged_mesh(const BodyModel& body, const PoseParameters& pose, const std::string& path,
                        const PoseParameters& bind_pose = PoseParameters(), const std::string& naming = "smpl");

struct RiggedImport {
  SkinnedMesh body;     // in the SMPL rest pose, metres
  std::string profile;  // joint naming convention found
  double unit_scale = 1;  // factor applied to the file's units
};

// Reads a rigged mesh. Bones without an SMPL counterpart (fingers, twist bones) hand their weights to the
// nearest mapped ancestor. Throws Error naming the file for unreadable, unrigged or unrecognised files.
RiggedImport import_rigged_mesh(const std::string& path);

}  // namespace unipose::body
