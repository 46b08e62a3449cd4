#include "core/body/body_model.h"

#include <cmath>

#include "core/body/kinematics.h"
#include "core/body/mannequin.h"
#include "core/body/rigged_mesh.h"
#include "core/body/rotations.h"
#include "core/error.h"
#include "core/io/files.h"
#include "core/io/npz.h"

namespace unipose::body {
namespace {

at::Tensor float_tensor(const std::vector<float>& values, std::vector<int64_t> shape) {
  return at::from_blob(const_cast<float*>(values.data()), shape, at::kFloat).to(at::kDouble).clone();
}

Mesh make_mesh(const at::Tensor& vertices, const std::vector<std::array<std::uint32_t, 3>>& faces) {
  const auto v = vertices.to(at::kFloat).contiguous();
  Mesh mesh;
  mesh.vertices.resize(v.size(0));
  std::memcpy(mesh.vertices.data()->data(), v.data_ptr<float>(), sizeof(float) * 3 * v.size(0));
  mesh.faces = faces;
  mesh.compute_normals();
  return mesh;
}

// A body posed by plain linear blend skinning of a fixed template.
class LbsBody : public BodyModel {
 public:
  LbsBody(std::string name, SkinnedMesh data)
      : name_(std::move(name)), data_(std::move(data)),
        template_(float_tensor(flatten(data_.mesh.vertices), {static_cast<int64_t>(data_.mesh.vertices.size()), 3})),
        weights_(float_tensor(data_.weights, {static_cast<int64_t>(data_.mesh.vertices.size()), kNumJoints})),
        rest_(to_tensor(data_.rest_joints)) {}

  std::string name() const override { return name_; }
  const JointPositions& rest_joints() const override { return data_.rest_joints; }
  const Mesh& rest_mesh() const override { return data_.mesh; }
  const std::vector<float>& skinning_weights() const override { return data_.weights; }

  PosedBody posed(const PoseParameters& pose) const override {
    const auto fk = forward_kinematics(rotation_matrices({&pose}), rest_, smpl_parents(), translations({&pose}));
    return {make_mesh(linear_blend_skinning(template_, weights_, fk.skinning)[0], data_.mesh.faces), joint_frames(fk, 0)};
  }
  JointPositions posed_joints(const PoseParameters& pose) const override {
    return posed_joint_positions(pose, data_.rest_joints);
  }

 private:
  static std::vector<float> flatten(const std::vector<Eigen::Vector3f>& v) {
    std::vector<float> out;
    out.reserve(v.size() * 3);
    for (const auto& p : v) out.insert(out.end(), {p.x(), p.y(), p.z()});
    return out;
  }
  std::string name_;
  SkinnedMesh data_;
  at::Tensor template_, weights_, rest_;
};

// SMPL: shape blend shapes, joints from the regressor, pose-corrective blend shapes, then LBS.
class SmplBody : public BodyModel {
 public:
  explicit SmplBody(const std::string& path) : path_(path) {
    const io::NpzArchive npz = io::read_npz(path);
    auto array = [&](const char* name) -> const io::NpyArray& { return io::require_array(npz, name, path); };
    auto shape_str = [](const std::vector<int64_t>& s) {
      std::string out = "(";
      for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
      return out + ")";
    };
    auto check = [&](bool ok, const char* name, const std::string& want) {
      if (!ok) fail(path, std::string("array '") + name + "' has shape " + shape_str(io::require_array(npz, name, path).shape) +
                              ", expected " + want);
    };
    const auto& vt = array("v_template");
    check(vt.shape.size() == 2 && vt.shape[1] == 3 && vt.shape[0] >= 1, "v_template", "(V, 3)");
    const int64_t nv = vt.shape[0];
    const auto& f = array("f");
    check(f.shape.size() == 2 && f.shape[1] == 3, "f", "(F, 3)");
    const auto& jr = array("J_regressor");
    check(jr.shape == std::vector<int64_t>{kNumJoints, nv}, "J_regressor", "(24, " + std::to_string(nv) + ")");
    const auto& w = array("weights");
    check(w.shape == std::vector<int64_t>{nv, kNumJoints}, "weights", "(" + std::to_string(nv) + ", 24)");
    const auto& pd = array("posedirs");
    const int64_t np = (kNumJoints - 1) * 9;
    const bool pd_vxp = pd.shape == std::vector<int64_t>{nv, 3, np};
    const bool pd_pxv = pd.shape == std::vector<int64_t>{np, nv * 3};
    check(pd_vxp || pd_pxv, "posedirs", "(" + std::to_string(nv) + ", 3, 207) or (207, " + std::to_string(nv * 3) + ")");
    const auto& sd = array("shapedirs");
    check(sd.shape.size() == 3 && sd.shape[0] == nv && sd.shape[1] == 3, "shapedirs", "(" + std::to_string(nv) + ", 3, S)");
    if (npz.count("kintree_table")) {
      const auto kt = npz.at("kintree_table").to_int64();
      const auto& ks = npz.at("kintree_table").shape;
      bool ok = ks == std::vector<int64_t>{2, kNumJoints};
      for (int j = 1; ok && j < kNumJoints; ++j) ok = kt[j] == kParents[j];
      if (!ok) fail(path, "kintree_table does not describe the 24-joint SMPL tree");
    }

    auto tensor_of = [&](const io::NpyArray& a, const char* name) {
      const auto values = a.to_double();
      for (double v : values)
        if (!std::isfinite(v)) fail(path, std::string("array '") + name + "' contains NaN or infinite values");
      return at::from_blob(const_cast<double*>(values.data()), {static_cast<int64_t>(values.size())}, at::kDouble)
          .clone();
    };
    v_template_ = tensor_of(vt, "v_template").reshape({nv, 3});
    j_regressor_ = tensor_of(jr, "J_regressor").reshape({kNumJoints, nv});
    weights_ = tensor_of(w, "weights").reshape({nv, kNumJoints});
    num_betas_ = sd.shape[2];
    shapedirs_ = tensor_of(sd, "shapedirs").reshape({nv * 3, num_betas_});
    posedirs_ = tensor_of(pd, "posedirs");
    posedirs_ = pd_vxp ? posedirs_.reshape({nv * 3, np}) : posedirs_.reshape({np, nv * 3}).t().contiguous();
    const auto faces = f.to_int64();
    faces_.resize(f.shape[0]);
    for (int64_t i = 0; i < f.shape[0]; ++i)
      for (int k = 0; k < 3; ++k) {
        const int64_t idx = faces[i * 3 + k];
        if (idx < 0 || idx >= nv) fail(path, "face " + std::to_string(i) + " refers to vertex " + std::to_string(idx) +
                                                 " but the model has " + std::to_string(nv));
        faces_[i][k] = static_cast<std::uint32_t>(idx);
      }
    const auto row_sums = weights_.sum(1);
    if ((row_sums - 1.0).abs().max().item<double>() > 1e-3) fail(path, "skinning weights do not sum to 1 per vertex");

    rest_joints_ = to_joint_positions(at::matmul(j_regressor_, v_template_));
    rest_mesh_ = make_mesh(v_template_, faces_);
    const auto wf = weights_.to(at::kFloat).contiguous();
    weights_flat_.assign(wf.data_ptr<float>(), wf.data_ptr<float>() + wf.numel());
  }

  std::string name() const override { return path_; }
  const JointPositions& rest_joints() const override { return rest_joints_; }
  const Mesh& rest_mesh() const override { return rest_mesh_; }
  const std::vector<float>& skinning_weights() const override { return weights_flat_; }

  PosedBody posed(const PoseParameters& pose) const override {
    const auto [vertices, fk] = run(pose);
    return {make_mesh(vertices, faces_), joint_frames(fk, 0)};
  }
  JointPositions posed_joints(const PoseParameters& pose) const override { return to_joint_positions(run(pose).second.joints[0]); }

 private:
  // The skinned vertices [V, 3] and the forward kinematics of the shaped skeleton.
  std::pair<at::Tensor, FkResult> run(const PoseParameters& pose) const {
    if (static_cast<int64_t>(pose.betas.size()) > num_betas_)
      throw Error("the pose has " + std::to_string(pose.betas.size()) + " shape coefficients (betas) but " + path_ +
                  " has only " + std::to_string(num_betas_));
    auto betas = at::zeros({num_betas_}, at::kDouble);
    for (size_t i = 0; i < pose.betas.size(); ++i) betas[i] = pose.betas[i];
    const int64_t nv = v_template_.size(0);
    const auto shaped = v_template_ + at::matmul(shapedirs_, betas).reshape({nv, 3});
    const auto joints = at::matmul(j_regressor_, shaped);
    const auto rot = rotation_matrices({&pose});
    const auto pose_feature = (rot[0].narrow(0, 1, kNumJoints - 1) - at::eye(3, at::kDouble)).reshape({-1});
    const auto posed = shaped + at::matmul(posedirs_, pose_feature).reshape({nv, 3});
    const auto fk = forward_kinematics(rot, joints, smpl_parents(), translations({&pose}));
    return {linear_blend_skinning(posed, weights_, fk.skinning)[0], fk};
  }

  std::string path_;
  at::Tensor v_template_, j_regressor_, weights_, shapedirs_, posedirs_;
  int64_t num_betas_ = 0;
  std::vector<std::array<std::uint32_t, 3>> faces_;
  JointPositions rest_joints_;
  Mesh rest_mesh_;
  std::vector<float> weights_flat_;
};

}  // namespace

std::unique_ptr<BodyModel> make_mannequin() {
  static const SkinnedMesh data = build_mannequin();
  return std::make_unique<LbsBody>("mannequin", data);
}

std::unique_ptr<BodyModel> make_skinned_body(const std::string& name, SkinnedMesh data) {
  return std::make_unique<LbsBody>(name, std::move(data));
}

std::unique_ptr<BodyModel> load_smpl_model(const std::string& path) { return std::make_unique<SmplBody>(path); }

std::unique_ptr<BodyModel> load_body_model(const std::string& spec) {
  if (spec.empty() || spec == "mannequin") return make_mannequin();
  const std::string ext = io::extension_of(spec);
  if (ext == "npz") return load_smpl_model(spec);
  if (ext == "glb" || ext == "gltf" || ext == "fbx" || ext == "dae" || ext == "zae")
    return make_skinned_body(spec, import_rigged_mesh(spec).body);
  fail(spec, "unknown body model: give 'mannequin', an SMPL model file (.npz; see docs/smpl.md) or a rigged mesh "
             "(.glb, .gltf, .fbx, .dae)");
}

}  // namespace unipose::body
