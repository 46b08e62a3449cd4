// unipose body export
#include <cstdio>
#include <optional>

#include "app/commands.h"
#include "core/body/body_model.h"
#include "core/body/mesh_export.h"
#include "core/body/rigged_mesh.h"
#include "core/pose/pose_io.h"

namespace unipose::app {

void add_body_commands(CLI::App& app) {
  auto* body_cmd = app.add_subcommand("body", "Body models: export the posed body as a mesh");
  body_cmd->require_subcommand(1);
  struct Options {
    std::string pose, out, body = "mannequin";
    int frame = -1;
    bool rigged = false;
    std::string bone_names = "smpl";
  };
  auto o = std::make_shared<Options>();
  auto* exp = body_cmd->add_subcommand("export", "Write the posed body as .obj, .glb (glTF 2) or .fbx (--rigged: .glb, .fbx, .dae)");
  exp->add_option("--pose", o->pose, "Pose file (.json, .npz, .bvh); default: the rest pose (T-pose)");
  exp->add_option("--out", o->out, "Mesh file to write (.obj, .glb or .fbx)")->required();
  exp->add_option("--body", o->body,
                  "'mannequin' (built in), an SMPL model file (.npz, see docs/smpl.md) or a rigged mesh (.glb, .fbx, .dae)");
  exp->add_flag("--rigged", o->rigged,
                "Write the skeleton and skinning too (.glb, .fbx or .dae), bound in the rest pose, holding the pose");
  exp->add_option("--bone-names", o->bone_names, "Bone naming of a rigged export: smpl or mixamo")
      ->check(CLI::IsMember({"smpl", "mixamo"}));
  exp->add_option("--frame", o->frame, "Frame of a multi-pose file (0-based)")->check(CLI::NonNegativeNumber);
  exp->callback([o] {
    pose::Pose p;
    if (!o->pose.empty()) p = pose::read_pose(o->pose, o->frame >= 0 ? std::optional<int>(o->frame) : std::nullopt);
    const auto model = body::load_body_model(o->body);
    const body::Mesh mesh = model->posed_mesh(p);
    if (o->rigged) body::export_rigged_mesh(*model, p, o->out, pose::Pose(), o->bone_names);
    else body::export_mesh(mesh, o->out);
    std::printf("wrote %s: %zu vertices, %zu triangles (%s)\n", o->out.c_str(), mesh.vertices.size(), mesh.faces.size(),
                model->name().c_str());
  });
}

}  // namespace unipose::app
