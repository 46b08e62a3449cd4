#include "core/nn/module_io.h"

#include <cstring>
#include <filesystem>

#include "core/body/kinematics.h"
#include "core/body/rotations.h"
#include "core/error.h"
#include "core/io/files.h"
#include "core/io/safetensors.h"

namespace unipose::nn {

std::map<std::string, torch::Tensor> named_state(torch::nn::Module& module) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : module.named_parameters(true)) out[p.key()] = p.value();
  for (const auto& b : module.named_buffers(true)) out[b.key()] = b.value();
  return out;
}

void save_weights(torch::nn::Module& module, const std::string& path, bool half,
                  const std::map<std::string, std::string>& metadata) {
  io::SafetensorsFile file;
  file.metadata = metadata;
  for (const auto& [name, t] : named_state(module)) {
    const auto c = t.detach().to(torch::kCPU, half ? torch::kHalf : torch::kFloat).contiguous();
    io::TensorBytes tb;
    tb.dtype = half ? "F16" : "F32";
    tb.shape = c.sizes().vec();
    tb.data.resize(c.numel() * c.element_size());
    if (!tb.data.empty()) std::memcpy(tb.data.data(), c.data_ptr(), tb.data.size());
    file.tensors[name] = std::move(tb);
  }
  io::write_safetensors(path, file);
}

void load_weights(torch::nn::Module& module, const std::string& path) {
  const io::SafetensorsFile file = io::read_safetensors(path);
  auto state = named_state(module);
  for (const auto& [name, tb] : file.tensors)
    if (!state.count(name)) fail(path, "unexpected tensor '" + name + "' (not part of this model)");
  torch::NoGradGuard no_grad;
  for (auto& [name, t] : state) {
    const auto it = file.tensors.find(name);
    if (it == file.tensors.end()) fail(path, "missing tensor '" + name + "'");
    const auto& tb = it->second;
    if (tb.shape != t.sizes().vec()) {
      std::string want, got;
      for (auto s : t.sizes()) want += std::to_string(s) + " ";
      for (auto s : tb.shape) got += std::to_string(s) + " ";
      fail(path, "tensor '" + name + "' has shape [ " + got + "], the model needs [ " + want + "]");
    }
    torch::Dtype dtype;
    if (tb.dtype == "F32") dtype = torch::kFloat;
    else if (tb.dtype == "F16") dtype = torch::kHalf;
    else fail(path, "tensor '" + name + "' has dtype " + tb.dtype + " (expected F32 or F16)");
    const auto src = torch::from_blob(const_cast<std::uint8_t*>(tb.data.data()), tb.shape, dtype).to(t.dtype());
    if (!torch::isfinite(src).all().item<bool>()) fail(path, "tensor '" + name + "' holds NaN or infinite values");
    t.copy_(src);
  }
}

void save_tokenizer_bundle(const std::string& dir, PoseVqVae& model, const std::string& model_card, bool half) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail(dir, "cannot create folder: " + ec.message());
  io::write_file_atomic(dir + "/config.json", model->config.to_json() + "\n");
  save_weights(*model, dir + "/model.safetensors", half, {{"format", "unipose"}, {"model", "pose_vqvae"}});
  io::write_file_atomic(dir + "/MODEL_CARD.md", model_card);
  io::write_sha256sums(dir, {"config.json", "model.safetensors", "MODEL_CARD.md"});
}

PoseVqVae load_tokenizer_bundle(const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) fail(dir, "not a model folder");
  io::verify_sha256sums(dir, {"config.json", "model.safetensors"});
  const auto config = VqVaeConfig::from_json(io::read_text_file(dir + "/config.json"), dir + "/config.json");
  PoseVqVae model(config);
  load_weights(*model, dir + "/model.safetensors");
  model->eval();
  return model;
}

torch::Tensor poses_to_rot6d(const std::vector<pose::Pose>& poses) {
  const auto rot = body::rotation_matrices(poses).narrow(1, 0, body::kNumBodyJoints);
  return body::matrix_to_rot6d(rot).to(torch::kFloat);
}

std::vector<pose::Pose> rot6d_to_poses(const torch::Tensor& rot6d) {
  const auto aa = body::matrix_to_axis_angle(body::rot6d_to_matrix(rot6d.to(torch::kDouble))).contiguous();
  std::vector<pose::Pose> out(aa.size(0));
  auto acc = aa.accessor<double, 3>();
  for (int64_t b = 0; b < aa.size(0); ++b)
    for (int j = 0; j < body::kNumBodyJoints; ++j) out[b].rotations[j] = Eigen::Vector3d(acc[b][j][0], acc[b][j][1], acc[b][j][2]);
  return out;
}

}  // namespace unipose::nn
