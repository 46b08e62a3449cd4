// unipose body export
#include <cstdio>
#include <optional>

#include "app/commands.h"
#include "core/body/body_model.h"
#include "core/body/mesh_export.h"
#include "core/body/rigged_mesh.h"
#include "core/engine/openpose.h"
#include "core/error.h"
#include "core/io/files.h"
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
    std::string openpose, view = "front", size = "512x512", layout = "body25";
  };
  auto o = std::make_shared<Options>();
  auto* exp = body_cmd->add_subcommand("export", "Write the posed body as .obj, .glb (glTF 2) or .fbx (--rigged: .glb, .fbx, .dae)");
  exp->add_option("--pose", o->pose, "Pose file (.json, .npz, .bvh); default: the rest pose (T-pose)");
  exp->add_option("--out", o->out, "Mesh file to write (.obj, .glb or .fbx)");
  exp->add_option("--openpose", o->openpose,
                  "Also (or instead) write the pose as OpenPose keypoints (.json) or as the ControlNet OpenPose picture (.png)");
  exp->add_option("--view", o->view, "Camera of --openpose: front, back, left, right, front-left, front-right or YAW,PITCH (degrees)");
  exp->add_option("--size", o->size, "Picture size of --openpose, WIDTHxHEIGHT");
  exp->add_option("--layout", o->layout, "Keypoints of an --openpose .json: body25 or coco18")->check(CLI::IsMember({"body25", "coco18"}));
  exp->add_option("--body", o->body,
                  "'mannequin' (built in), an SMPL model file (.npz, see docs/smpl.md) or a rigged mesh (.glb, .fbx, .dae)");
  exp->add_flag("--rigged", o->rigged,
                "Write the skeleton and skinning too (.glb, .fbx or .dae), bound in the rest pose, holding the pose");
  exp->add_option("--bone-names", o->bone_names, "Bone naming of a rigged export: smpl or mixamo")
      ->check(CLI::IsMember({"smpl", "mixamo"}));
  exp->add_option("--frame", o->frame, "Frame of a multi-pose file (0-based)")->check(kNonNegative);
  exp->callback([o] {
    pose::Pose p;
    if (!o->pose.empty()) p = pose::read_pose(o->pose, o->frame >= 0 ? std::optional<int>(o->frame) : std::nullopt);
    if (o->out.empty() && o->openpose.empty()) throw Error("body export: say what to write, --out MESH and/or --openpose FILE.json|FILE.png");
    const auto model = body::load_body_model(o->body);
    const body::Mesh mesh = model->posed_mesh(p);
    if (!o->out.empty()) {
      if (o->rigged) body::export_rigged_mesh(*model, p, o->out, pose::Pose(), o->bone_names);
      else body::export_mesh(mesh, o->out);
      std::printf("wrote %s: %zu vertices, %zu triangles (%s)\n", o->out.c_str(), mesh.vertices.size(), mesh.faces.size(),
                  model->name().c_str());
    }
    if (!o->openpose.empty()) {
      int width = 0, height = 0;
      char x = 0, extra = 0;
      if (std::sscanf(o->size.c_str(), "%d%c%d%c", &width, &x, &height, &extra) != 3 || (x != 'x' && x != 'X') || width < 16 || height < 16 ||
          width > 8192 || height > 8192)
        throw Error("--size '" + o->size + "': use WIDTHxHEIGHT, each 16 to 8192 pixels (e.g. 512x768)");
      const std::string ext = io::extension_of(o->openpose);
      if (ext != "json" && ext != "png") fail(o->openpose, "an OpenPose export is .json (keypoints) or .png (the ControlNet picture)");
      const auto camera = engine::openpose_view(mesh, o->view, width, height);
      const bool png = ext == "png";
      const auto layout = png || o->layout == "coco18" ? engine::OpenPoseLayout::Coco18 : engine::OpenPoseLayout::Body25;
      const auto k = engine::openpose_keypoints(*model, p, camera, layout);
      int seen = 0;
      for (const auto& q : k) seen += q[2] > 0;
      if (png) image::write_image(o->openpose, engine::controlnet_pose_image(k, width, height));
      else io::write_file_atomic(o->openpose, engine::openpose_json(k, width, height));
      std::printf("wrote %s: %s, %d of %zu keypoints in view (%s, %d x %d)\n", o->openpose.c_str(),
                  png ? "ControlNet OpenPose picture" : layout == engine::OpenPoseLayout::Body25 ? "OpenPose BODY_25 keypoints" : "OpenPose COCO-18 keypoints",
                  seen, k.size(), o->view.c_str(), width, height);
    }
  });
}

}  // namespace unipose::app
