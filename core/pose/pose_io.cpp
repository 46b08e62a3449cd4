#include "core/pose/pose_io.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include <Eigen/Geometry>
#include <nlohmann/json.hpp>

#include "core/body/mannequin.h"
#include "core/error.h"
#include "core/io/files.h"
#include "core/io/json_fields.h"
#include "core/io/npz.h"
#include "core/pose/bvh.h"

namespace unipose::pose {
namespace {

using nlohmann::json;

Eigen::Vector3d read_vec3(const json& value, const std::string& where, const std::string& what) {
  if (!value.is_array() || value.size() != 3)
    fail(where, what + " must be a list of 3 numbers");
  Eigen::Vector3d v;
  for (int k = 0; k < 3; ++k) {
    if (!value[k].is_number()) fail(where, what + " must be a list of 3 numbers");
    v[k] = value[k].get<double>();
    if (!std::isfinite(v[k])) fail(where, what + " holds a value that is not a finite number");
  }
  return v;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out = "(";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + ")";
}

// AMASS-style sequences: "poses" (N x 72 SMPL, N x 156 SMPL-H, N x 165 SMPL-X: the first 66 columns are the
// root and 21 body joints), "trans" (N x 3), "betas"; z-up, turned here to UniPose's y-up.
std::vector<Pose> read_amass_npz(const io::NpzArchive& npz, const std::string& path) {
  const auto& poses = io::require_array(npz, "poses", path);
  if (poses.shape.size() != 2 || poses.shape[1] < 66)
    fail(path, "poses has shape " + shape_text(poses.shape) + ", expected (N, 72), (N, 156) or (N, 165)");
  const int64_t n = poses.shape[0], d = poses.shape[1];
  const auto pv = poses.to_double();
  std::vector<double> tv;
  if (npz.count("trans")) {
    if (npz.at("trans").numel() != n * 3) fail(path, "trans has shape " + shape_text(npz.at("trans").shape) + ", expected (" + std::to_string(n) + ", 3)");
    tv = npz.at("trans").to_double();
  }
  std::vector<double> betas;
  if (npz.count("betas")) betas = npz.at("betas").to_double();
  const Eigen::Matrix3d z_up_to_y_up = Eigen::AngleAxisd(-M_PI / 2, Eigen::Vector3d::UnitX()).toRotationMatrix();
  std::vector<Pose> out(n);
  for (int64_t i = 0; i < n; ++i) {
    Pose& p = out[i];
    const int joints = d == 72 ? body::kNumJoints : body::kNumBodyJoints;
    for (int j = 0; j < joints; ++j)
      for (int k = 0; k < 3; ++k) p.rotations[j][k] = pv[i * d + j * 3 + k];
    const double angle = p.rotations[0].norm();
    const Eigen::Matrix3d root = angle > 0 ? Eigen::AngleAxisd(angle, p.rotations[0] / angle).toRotationMatrix() : Eigen::Matrix3d::Identity();
    const Eigen::AngleAxisd fixed(z_up_to_y_up * root);
    p.rotations[0] = fixed.axis() * fixed.angle();
    if (!tv.empty()) p.transl = z_up_to_y_up * Eigen::Vector3d(tv[i * 3], tv[i * 3 + 1], tv[i * 3 + 2]);
    p.betas = betas;
    p.validate(path + " (frame " + std::to_string(i) + ")");
  }
  return out;
}

std::vector<Pose> read_pose_npz(const std::string& path) {
  const io::NpzArchive npz = io::read_npz(path);
  if (!npz.count("global_orient") && npz.count("poses")) return read_amass_npz(npz, path);
  const auto& go = io::require_array(npz, "global_orient", path);
  const auto& bp = io::require_array(npz, "body_pose", path);
  // global_orient: (3,) or (N, 3)
  if (go.numel() % 3 != 0 || go.shape.empty() || go.shape.back() != 3 || go.shape.size() > 2)
    fail(path, "global_orient has shape " + shape_text(go.shape) + ", expected (3,) or (N, 3)");
  const int64_t n = go.numel() / 3;
  if (n == 0) fail(path, "holds no poses (global_orient is empty)");
  // body_pose: N x 23 x 3 (SMPL) or N x 21 x 3 (SMPL-X style, no hands), flat or not.
  const int64_t per_pose = n > 0 ? bp.numel() / n : 0;
  if (n == 0 || bp.numel() != n * per_pose || (per_pose != 69 && per_pose != 63))
    fail(path, "body_pose has shape " + shape_text(bp.shape) + ", expected " + std::to_string(n) +
                   " x 23 x 3 axis-angle values (or 21 x 3 without hands) to match global_orient");
  const auto gov = go.to_double();
  const auto bpv = bp.to_double();
  std::vector<double> tv;
  if (npz.count("transl")) {
    const auto& t = npz.at("transl");
    if (t.numel() != n * 3) fail(path, "transl has shape " + shape_text(t.shape) + ", expected " + std::to_string(n) + " x 3");
    tv = t.to_double();
  }
  std::vector<double> betas;
  if (npz.count("betas")) {
    const auto& b = npz.at("betas");
    const auto all = b.to_double();
    const int64_t per = b.shape.empty() ? 1 : b.shape.back();
    if (per > 0 && per <= 1000) betas.assign(all.begin(), all.begin() + std::min<int64_t>(per, all.size()));
  }
  std::vector<Pose> poses(n);
  for (int64_t i = 0; i < n; ++i) {
    Pose& p = poses[i];
    p.rotations[0] = Eigen::Vector3d(gov[i * 3], gov[i * 3 + 1], gov[i * 3 + 2]);
    for (int64_t j = 0; j < per_pose / 3; ++j)
      for (int k = 0; k < 3; ++k) p.rotations[j + 1][k] = bpv[i * per_pose + j * 3 + k];
    if (!tv.empty()) p.transl = Eigen::Vector3d(tv[i * 3], tv[i * 3 + 1], tv[i * 3 + 2]);
    p.betas = betas;
    p.validate(n == 1 ? path : path + " (pose " + std::to_string(i) + ")");
  }
  return poses;
}

void write_pose_npz(const std::string& path, const std::vector<Pose>& poses) {
  const int64_t n = static_cast<int64_t>(poses.size());
  std::vector<double> go, bp, tr;
  bool any_transl = false;
  for (const auto& p : poses) {
    for (int k = 0; k < 3; ++k) go.push_back(p.rotations[0][k]);
    for (int j = 1; j < body::kNumJoints; ++j)
      for (int k = 0; k < 3; ++k) bp.push_back(p.rotations[j][k]);
    const Eigen::Vector3d t = p.transl.value_or(Eigen::Vector3d::Zero());
    any_transl = any_transl || p.transl.has_value();
    for (int k = 0; k < 3; ++k) tr.push_back(t[k]);
  }
  io::NpzArchive npz;
  const bool single = n == 1;
  npz["global_orient"] = io::NpyArray::from_double(single ? std::vector<int64_t>{3} : std::vector<int64_t>{n, 3}, go);
  npz["body_pose"] = io::NpyArray::from_double(single ? std::vector<int64_t>{69} : std::vector<int64_t>{n, 69}, bp);
  if (any_transl) npz["transl"] = io::NpyArray::from_double(single ? std::vector<int64_t>{3} : std::vector<int64_t>{n, 3}, tr);
  if (!poses.empty() && !poses[0].betas.empty())
    npz["betas"] = io::NpyArray::from_double({static_cast<int64_t>(poses[0].betas.size())}, poses[0].betas);
  io::write_npz(path, npz);
}

}  // namespace

static std::string unknown_type(const std::string& ext) {
  return ext.empty() ? "has no file type ending (name it .json, .npz or .bvh)" : "unknown pose file type '." + ext + "' (use .json, .npz or .bvh)";
}

Pose parse_pose_json(const std::string& text, const std::string& where) {
  json doc = io::parse_json(text, where);
  if (!doc.is_object()) fail(where, "a pose file must hold a JSON object");
  if (!doc.contains("format") || doc["format"] != kPoseFormat)
    fail(where, std::string("not a UniPose pose file (\"format\" must be \"") + kPoseFormat + "\")");
  if (!doc.contains("global_orient")) fail(where, "missing \"global_orient\"");
  if (!doc.contains("body_pose")) fail(where, "missing \"body_pose\"");
  Pose pose;
  pose.rotations[0] = read_vec3(doc["global_orient"], where, "global_orient");
  const json& rows = doc["body_pose"];
  if (!rows.is_array() || rows.size() != body::kNumJoints - 1)
    fail(where, "body_pose must have 23 rows (SMPL joints 1..23), found " +
                    (rows.is_array() ? std::to_string(rows.size()) : std::string("no list")));
  for (int j = 1; j < body::kNumJoints; ++j)
    pose.rotations[j] = read_vec3(rows[j - 1], where, "body_pose row " + std::to_string(j) + " (" + body::kJointNames[j] + ")");
  if (doc.contains("transl") && !doc["transl"].is_null()) pose.transl = read_vec3(doc["transl"], where, "transl");
  if (doc.contains("betas")) {
    if (!doc["betas"].is_array()) fail(where, "betas must be a list of numbers");
    for (const auto& b : doc["betas"]) {
      if (!b.is_number()) fail(where, "betas must be a list of numbers");
      pose.betas.push_back(b.get<double>());
    }
  }
  pose.validate(where);
  return pose;
}

std::string pose_to_json(const Pose& pose) {
  json doc;
  doc["format"] = kPoseFormat;
  auto vec = [](const Eigen::Vector3d& v) { return json::array({v.x(), v.y(), v.z()}); };
  doc["global_orient"] = vec(pose.rotations[0]);
  json rows = json::array();
  for (int j = 1; j < body::kNumJoints; ++j) rows.push_back(vec(pose.rotations[j]));
  doc["body_pose"] = rows;
  if (pose.transl) doc["transl"] = vec(*pose.transl);
  if (!pose.betas.empty()) doc["betas"] = pose.betas;
  // One joint per line keeps the file readable and diffable.
  std::string out = "{\n  \"format\": " + doc["format"].dump() + ",\n  \"global_orient\": " + doc["global_orient"].dump() +
                    ",\n  \"body_pose\": [\n";
  for (size_t j = 0; j < rows.size(); ++j)
    out += "    " + rows[j].dump() + (j + 1 < rows.size() ? "," : "") + "\n";
  out += "  ]";
  if (pose.transl) out += ",\n  \"transl\": " + doc["transl"].dump();
  if (!pose.betas.empty()) out += ",\n  \"betas\": " + doc["betas"].dump();
  return out + "\n}\n";
}

PoseSequence read_poses(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail(path, "is a folder, not a pose file");
  const std::string ext = io::extension_of(path);
  PoseSequence seq;
  if (ext == "json") {
    seq.frames.push_back(parse_pose_json(io::read_text_file(path), path));
    seq.description = std::string(kPoseFormat) + " (JSON)";
  } else if (ext == "npz") {
    seq.frames = read_pose_npz(path);
    seq.description = "SMPL-style npz, " + std::to_string(seq.frames.size()) + " pose" + (seq.frames.size() == 1 ? "" : "s");
  } else if (ext == "bvh") {
    const auto motion = read_bvh(path);
    auto result = retarget_to_smpl(motion, body::mannequin_rest_joints(), path);
    seq.frames = std::move(result.poses);
    seq.fps = 1.0 / motion.frame_time;
    char fps[32];
    std::snprintf(fps, sizeof(fps), "%.4g", seq.fps);
    seq.description = "BVH, " + result.profile + " skeleton retargeted to SMPL, " + std::to_string(seq.frames.size()) +
                      " frames at " + fps + " fps";
  } else {
    fail(path, unknown_type(ext));
  }
  if (seq.frames.empty()) fail(path, "the file holds no pose");
  return seq;
}

Pose read_pose(const std::string& path, std::optional<int> frame) {
  PoseSequence seq = read_poses(path);
  const int n = static_cast<int>(seq.frames.size());
  if (frame) {
    if (*frame < 0 || *frame >= n)
      fail(path, "frame " + std::to_string(*frame) + " does not exist (the file has " + std::to_string(n) +
                     " frame" + (n == 1 ? "" : "s") + ", numbered from 0)");
    return seq.frames[*frame];
  }
  if (n != 1)
    fail(path, "the file holds " + std::to_string(n) + " poses: choose one with --frame N (0.." + std::to_string(n - 1) +
                   "), or take that frame out first: unipose pose convert " + path + " POSE.json --frame N");
  return seq.frames[0];
}

void write_poses(const std::string& path, const PoseSequence& poses, const body::JointPositions* rest_joints) {
  const std::string ext = io::extension_of(path);
  if (poses.frames.empty()) fail(path, "no pose to write");
  if (ext == "json") {
    if (poses.frames.size() != 1)
      fail(path, "a .json pose file holds one pose, but there are " + std::to_string(poses.frames.size()) +
                     " (choose one with --frame N, or write .npz, .bvh or a folder)");
    io::write_file_atomic(path, pose_to_json(poses.frames[0]));
  } else if (ext == "npz") {
    write_pose_npz(path, poses.frames);
  } else if (ext == "bvh") {
    write_bvh(path, poses.frames, poses.fps, rest_joints ? *rest_joints : body::mannequin_rest_joints());
  } else {
    fail(path, unknown_type(ext));
  }
}

void write_pose(const std::string& path, const Pose& pose) { write_poses(path, PoseSequence{{pose}, 30.0, ""}); }

}  // namespace unipose::pose
