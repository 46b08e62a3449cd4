// unipose pose info | convert | mirror
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "core/body/body_model.h"
#include "core/body/mannequin.h"
#include "core/error.h"
#include "core/io/files.h"
#include "core/pose/joint_limits.h"
#include "core/pose/measures.h"
#include "core/pose/pose_io.h"

namespace unipose::app {
namespace {

struct Options {
  std::string in, out;
  int frame = -1;
  bool json = false;
};

std::optional<int> frame_of(const Options& o) { return o.frame >= 0 ? std::optional<int>(o.frame) : std::nullopt; }

void info(const Options& o) {
  pose::PoseSequence seq = pose::read_poses(o.in);
  const int n = static_cast<int>(seq.frames.size());
  const int frame = o.frame >= 0 ? o.frame : 0;
  if (frame >= n)
    fail(o.in, "frame " + std::to_string(frame) + " does not exist (the file has " + std::to_string(n) + ", numbered from 0)");
  const pose::Pose& p = seq.frames[frame];
  const auto joints = body::posed_joint_positions(p, body::mannequin_rest_joints());
  const auto angles = pose::joint_angles(joints);
  const auto violations = pose::check_limits(p, 1e-3);
  if (o.json) {
    nlohmann::ordered_json doc;
    doc["file"] = o.in;
    doc["format"] = seq.description;
    doc["frames"] = n;
    doc["frame"] = frame;
    doc["units"] = "metres, mannequin skeleton, y up, x to the body's left, z forward";
    for (int j = 0; j < body::kNumJoints; ++j) doc["joints"][body::kJointNames[j]] = {joints[j].x(), joints[j].y(), joints[j].z()};
    for (const auto& a : angles) doc["angles_deg"][a.name] = a.degrees;
    doc["limit_violations"] = nlohmann::json::array();
    for (const auto& v : violations) doc["limit_violations"].push_back(pose::describe(v));
    std::cout << doc.dump(2) << "\n";
    return;
  }
  std::printf("file:   %s\nformat: %s\n", o.in.c_str(), seq.description.c_str());
  if (n > 1) std::printf("frame:  %d of %d (choose with --frame N)\n", frame, n);
  std::printf("\njoint positions (metres, mannequin skeleton, y up, x to the body's left, z forward)\n");
  std::printf("  %-16s %8s %8s %8s\n", "joint", "x", "y", "z");
  for (int j = 0; j < body::kNumJoints; ++j)
    std::printf("  %-16s %8.3f %8.3f %8.3f\n", body::kJointNames[j], joints[j].x(), joints[j].y(), joints[j].z());
  std::printf("\nangles (degrees; elbow/knee 180 = straight, hip 180 = standing, shoulder 0 = arm down)\n");
  for (const auto& a : angles) std::printf("  %-16s %6.1f\n", a.name.c_str(), a.degrees);
  std::printf("\njoint limits: %s\n", violations.empty() ? "all joints within anatomical limits" : "");
  for (const auto& v : violations) std::printf("  %s\n", pose::describe(v).c_str());
}

bool is_folder_target(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec) || (!path.empty() && path.back() == '/') ||
         io::extension_of(path).empty();
}

void write(const Options& o, pose::PoseSequence seq) {
  if (is_folder_target(o.out)) {
    std::error_code ec;
    std::filesystem::create_directories(o.out, ec);
    if (ec) fail(o.out, "cannot create folder: " + ec.message());
    for (size_t i = 0; i < seq.frames.size(); ++i) {
      char name[32];
      std::snprintf(name, sizeof(name), "frame_%06zu.json", i);
      pose::write_pose((std::filesystem::path(o.out) / name).string(), seq.frames[i]);
    }
    std::printf("wrote %zu pose file%s to %s\n", seq.frames.size(), seq.frames.size() == 1 ? "" : "s", o.out.c_str());
    return;
  }
  pose::write_poses(o.out, seq);
  std::printf("wrote %s (%zu pose%s)\n", o.out.c_str(), seq.frames.size(), seq.frames.size() == 1 ? "" : "s");
}

pose::PoseSequence load(const Options& o) {
  pose::PoseSequence seq = pose::read_poses(o.in);
  if (o.frame >= 0) {
    const pose::Pose p = pose::read_pose(o.in, frame_of(o));  // validates the frame number with a clear message
    seq.frames = {p};
  }
  return seq;
}

}  // namespace

void add_pose_commands(CLI::App& app) {
  auto* pose_cmd = app.add_subcommand("pose", "Inspect, convert and mirror pose files (.json, .npz, .bvh)");
  pose_cmd->require_subcommand(1);
  auto opts = std::make_shared<Options>();

  auto* info_cmd = pose_cmd->add_subcommand("info", "Print a pose's joint positions, main joint angles and limit check");
  info_cmd->add_option("file", opts->in, "Pose file (.json, .npz or .bvh)")->required();
  info_cmd->add_flag("--json", opts->json, "Machine-readable output");
  info_cmd->add_option("--frame", opts->frame, "Frame of a multi-pose file (0-based; default 0)")->check(kNonNegative);
  info_cmd->callback([opts] { info(*opts); });

  auto* convert_cmd = pose_cmd->add_subcommand(
      "convert",
      "Convert between pose formats by extension. A multi-frame input (BVH, npz sequence) goes whole to .npz or "
      ".bvh; to .json only with --frame N; to a folder (OUT ending in '/' or without extension) as one "
      "frame_NNNNNN.json per frame.");
  convert_cmd->add_option("in", opts->in, "Input pose file")->required();
  convert_cmd->add_option("out", opts->out, "Output pose file or folder")->required();
  convert_cmd->add_option("--frame", opts->frame, "Take only this frame (0-based)")->check(kNonNegative);
  convert_cmd->callback([opts] { write(*opts, load(*opts)); });

  auto* mirror_cmd = pose_cmd->add_subcommand("mirror", "Swap left and right of every pose in a file");
  mirror_cmd->add_option("in", opts->in, "Input pose file")->required();
  mirror_cmd->add_option("out", opts->out, "Output pose file or folder")->required();
  mirror_cmd->add_option("--frame", opts->frame, "Take only this frame (0-based)")->check(kNonNegative);
  mirror_cmd->callback([opts] {
    pose::PoseSequence seq = load(*opts);
    for (auto& p : seq.frames) p = pose::mirror(p);
    write(*opts, seq);
  });
}

}  // namespace unipose::app
