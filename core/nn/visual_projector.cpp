#include "core/nn/visual_projector.h"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io/files.h"
#include "core/io/json_fields.h"
#include "core/io/safetensors.h"
#include "core/nn/module_io.h"

namespace unipose::nn {

std::string VisualProjectorConfig::to_json() const { return nlohmann::json{{"in_channels", in_channels}, {"dim", dim}}.dump(2) + "\n"; }

VisualProjectorConfig VisualProjectorConfig::from_json(const std::string& text, const std::string& where) {
  const auto j = io::parse_json(text, where);
  VisualProjectorConfig c;
  c.in_channels = io::json_int(j, "in_channels", 1, 1 << 16, where);
  c.dim = io::json_int(j, "dim", 1, 1 << 16, where);
  return c;
}

VisualProjectorImpl::VisualProjectorImpl(const VisualProjectorConfig& c) : config(c) {
  if (c.in_channels < 1 || c.dim < 1) throw Error("visual projector: " + std::to_string(c.in_channels) + " channels in, width " + std::to_string(c.dim));
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.in_channels})));
  fc1 = register_module("fc1", torch::nn::Linear(c.in_channels, c.dim));
  fc2 = register_module("fc2", torch::nn::Linear(c.dim, c.dim));
}

torch::Tensor VisualProjectorImpl::forward(const torch::Tensor& tokens) {
  if (tokens.dim() != 3 || tokens.size(2) != config.in_channels)
    throw Error("visual projector: tokens of " + std::to_string(config.in_channels) + " channels expected, got " + std::to_string(tokens.size(-1)));
  return fc2(torch::gelu(fc1(norm(tokens))));
}

torch::Tensor with_visual_tokens(const torch::Tensor& embeddings, const std::vector<LmInput>& batch, int64_t image_token,
                                 const std::vector<torch::Tensor>& visual) {
  if (embeddings.dim() != 3 || embeddings.size(0) != static_cast<int64_t>(batch.size()) || visual.size() != batch.size())
    throw Error("visual tokens: one set of visual tokens per sequence of the batch is needed");
  std::vector<int64_t> rows, cols;
  std::vector<torch::Tensor> values;
  for (size_t b = 0; b < batch.size(); ++b) {
    int64_t n = 0;
    for (size_t i = 0; i < batch[b].ids.size(); ++i)
      if (batch[b].ids[i] == image_token) {
        rows.push_back(static_cast<int64_t>(b));
        cols.push_back(static_cast<int64_t>(i));
        ++n;
      }
    const auto& v = visual[b];
    const int64_t given = v.defined() ? v.size(0) : 0;
    if (given != n)
      throw Error("visual tokens: sequence " + std::to_string(b) + " has " + std::to_string(n) + " <image> positions, " + std::to_string(given) +
                  " visual tokens were given");
    if (n == 0) continue;
    if (v.dim() != 2 || v.size(1) != embeddings.size(2))
      throw Error("visual tokens: width " + std::to_string(v.size(-1)) + ", the language model's is " + std::to_string(embeddings.size(2)));
    values.push_back(v.to(embeddings.dtype()));
  }
  if (rows.empty()) return embeddings;
  const auto opts = torch::TensorOptions().dtype(torch::kLong).device(embeddings.device());
  return embeddings.index_put({torch::tensor(rows, opts), torch::tensor(cols, opts)}, torch::cat(values, 0).to(embeddings.device()));
}


std::string VisualBranchConfig::to_json() const {
  nlohmann::ordered_json j;
  j["format"] = "unipose.visual_branch/1";
  j["grid"] = grid;
  j["pose_encoder"] = pose_encoder;
  j["pose_encoder_sha256"] = pose_encoder_sha256;
  j["detector_sha256"] = detector_sha256;
  j["clip_sha256"] = clip_sha256;
  j["language_model_sha256"] = language_model_sha256;
  j["projector"] = nlohmann::json::parse(projector.to_json());
  return j.dump(2) + "\n";
}

VisualBranchConfig VisualBranchConfig::from_json(const std::string& text, const std::string& where) {
  const auto j = io::parse_json(text, where);
  if (io::json_string(j, "format", "", where) != "unipose.visual_branch/1") fail(where, "is not a visual branch config (format unipose.visual_branch/1)");
  VisualBranchConfig c;
  c.grid = io::json_int(j, "grid", 1, 64, where);
  if (!j.contains("pose_encoder") || !j["pose_encoder"].is_boolean()) fail(where, "'pose_encoder' must be true or false");
  c.pose_encoder = j["pose_encoder"].get<bool>();
  c.pose_encoder_sha256 = io::json_string(j, "pose_encoder_sha256", "", where);
  c.detector_sha256 = io::json_string(j, "detector_sha256", "", where);
  c.clip_sha256 = io::json_string(j, "clip_sha256", "", where);
  c.language_model_sha256 = io::json_string(j, "language_model_sha256", "", where);
  if (!j.contains("projector") || !j["projector"].is_object()) fail(where, "'projector' must be an object");
  c.projector = VisualProjectorConfig::from_json(j["projector"].dump(), where);
  if (!c.pose_encoder && c.clip_sha256.empty()) fail(where, "names no encoder (neither the pose encoder nor a CLIP encoder)");
  if (c.language_model_sha256.size() != 64) fail(where, "'language_model_sha256' must be a SHA-256 (64 hex digits)");
  return c;
}

void save_visual_bundle(const std::string& dir, VisualProjector& projector, const VisualBranchConfig& config, const std::string& model_card) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail(dir, "cannot create folder: " + ec.message());
  io::write_file_atomic(dir + "/config.json", config.to_json());
  save_weights(*projector, dir + "/projector.safetensors", false, {{"format", "unipose"}, {"model", "visual_projector"}});
  io::write_file_atomic(dir + "/MODEL_CARD.md", model_card);
  io::write_sha256sums(dir, {"config.json", "projector.safetensors", "MODEL_CARD.md"});
}

VisualBundle load_visual_bundle(const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) fail(dir, "not a model folder");
  io::verify_sha256sums(dir, {"config.json", "projector.safetensors"});
  VisualBundle b;
  b.dir = dir;
  b.config = VisualBranchConfig::from_json(io::read_text_file(dir + "/config.json"), dir + "/config.json");
  b.projector = VisualProjector(b.config.projector);
  load_weights(*b.projector, dir + "/projector.safetensors");
  b.projector->eval();
  return b;
}

}  // namespace unipose::nn
