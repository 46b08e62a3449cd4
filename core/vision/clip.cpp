#include "core/vision/clip.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io/files.h"
#include "core/io/json_fields.h"
#include "core/io/safetensors.h"

namespace unipose::vision {
namespace {

constexpr const char* kPrefix = "vision_model.";
constexpr const char* kProjection = "visual_projection.weight";

// One pre-norm encoder layer, its parts named as Hugging Face's CLIPEncoderLayer.
struct AttentionImpl : torch::nn::Module {
  torch::nn::Linear q{nullptr}, k{nullptr}, v{nullptr}, out{nullptr};
  int heads;
  AttentionImpl(int dim, int h) : heads(h) {
    q = register_module("q_proj", torch::nn::Linear(dim, dim));
    k = register_module("k_proj", torch::nn::Linear(dim, dim));
    v = register_module("v_proj", torch::nn::Linear(dim, dim));
    out = register_module("out_proj", torch::nn::Linear(dim, dim));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    const auto b = x.size(0), n = x.size(1), d = x.size(2), hd = d / heads;
    auto split = [&](const torch::Tensor& t) { return t.view({b, n, heads, hd}).transpose(1, 2); };
    const auto a = torch::softmax(torch::matmul(split(q(x)), split(k(x)).transpose(-2, -1)) / std::sqrt(static_cast<double>(hd)), -1);
    return out(torch::matmul(a, split(v(x))).transpose(1, 2).reshape({b, n, d}));
  }
};
TORCH_MODULE(Attention);

struct MlpImpl : torch::nn::Module {
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  bool quick;
  MlpImpl(int dim, int hidden, bool quick_gelu) : quick(quick_gelu) {
    fc1 = register_module("fc1", torch::nn::Linear(dim, hidden));
    fc2 = register_module("fc2", torch::nn::Linear(hidden, dim));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto h = fc1(x);
    h = quick ? h * torch::sigmoid(1.702 * h) : torch::gelu(h);
    return fc2(h);
  }
};
TORCH_MODULE(Mlp);

struct LayerImpl : torch::nn::Module {
  Attention attn{nullptr};
  Mlp mlp{nullptr};
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  explicit LayerImpl(const ClipVisionConfig& c) {
    attn = register_module("self_attn", Attention(c.dim, c.heads));
    norm1 = register_module("layer_norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.dim}).eps(c.norm_eps)));
    mlp = register_module("mlp", Mlp(c.dim, c.hidden, c.quick_gelu));
    norm2 = register_module("layer_norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.dim}).eps(c.norm_eps)));
  }
  torch::Tensor forward(torch::Tensor x) {
    x = x + attn(norm1(x));
    return x + mlp(norm2(x));
  }
};
TORCH_MODULE(Layer);

// Containers that only give the names their Hugging Face prefix ("embeddings.", "encoder.").
struct Holder : torch::nn::Module {};

std::string shape_text(at::IntArrayRef s) {
  std::string t = "[";
  for (std::size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + "]";
}

}  // namespace

void ClipVisionConfig::check(const std::string& where) const {
  auto within = [&](const char* what, int v, int lo, int hi) {
    if (v < lo || v > hi) fail(where, std::string(what) + " " + std::to_string(v) + " is not within " + std::to_string(lo) + ".." + std::to_string(hi));
  };
  within("image_size", image_size, 8, 4096);
  within("patch_size", patch_size, 1, 1024);
  within("hidden_size", dim, 1, 16384);
  within("intermediate_size", hidden, 1, 65536);
  within("num_hidden_layers", layers, 0, 256);
  within("num_attention_heads", heads, 1, 256);
  within("projection_dim", projection_dim, 0, 16384);
  if (image_size % patch_size) fail(where, "patch_size " + std::to_string(patch_size) + " does not divide image_size " + std::to_string(image_size));
  if (dim % heads) fail(where, "num_attention_heads " + std::to_string(heads) + " does not divide hidden_size " + std::to_string(dim));
  if (!(norm_eps > 0 && norm_eps < 0.1)) fail(where, "layer_norm_eps is not within (0, 0.1)");
  // Parameters alone above 4 GB of floats are not a picture encoder this program can hold.
  const double params = static_cast<double>(layers) * (4.0 * dim * dim + 2.0 * dim * hidden) + 3.0 * patch_size * patch_size * dim;
  if (params > 1e9) fail(where, "the encoder it describes has more than a billion parameters");
}

nlohmann::json ClipVisionConfig::to_json() const {
  nlohmann::json j = {{"model_type", "clip_vision_model"},
                      {"architectures", {"CLIPVisionModel"}},
                      {"image_size", image_size},
                      {"patch_size", patch_size},
                      {"hidden_size", dim},
                      {"intermediate_size", hidden},
                      {"num_hidden_layers", layers},
                      {"num_attention_heads", heads},
                      {"num_channels", 3},
                      {"layer_norm_eps", norm_eps},
                      {"hidden_act", quick_gelu ? "quick_gelu" : "gelu"},
                      {"projection_dim", projection_dim}};
  return j;
}

ClipVisionConfig read_clip_vision_config(const std::string& path) {
  const nlohmann::json top = io::read_json_file(path);
  if (!top.is_object()) fail(path, "not a JSON object");
  const bool nested = top.contains("vision_config");
  if (nested && !top["vision_config"].is_object()) fail(path, "'vision_config' is not an object");
  const nlohmann::json& j = nested ? top["vision_config"] : top;
  ClipVisionConfig c;
  c.image_size = io::json_int(j, "image_size", c.image_size, 8, 4096, path);
  c.patch_size = io::json_int(j, "patch_size", c.patch_size, 1, 1024, path);
  c.dim = io::json_int(j, "hidden_size", c.dim, 1, 16384, path);
  c.hidden = io::json_int(j, "intermediate_size", c.hidden, 1, 65536, path);
  c.layers = io::json_int(j, "num_hidden_layers", c.layers, 0, 256, path);
  c.heads = io::json_int(j, "num_attention_heads", c.heads, 1, 256, path);
  c.norm_eps = io::json_real(j, "layer_norm_eps", c.norm_eps, 1e-12, 0.1, path);
  if (io::json_int(j, "num_channels", 3, 1, 64, path) != 3) fail(path, "num_channels must be 3 (RGB)");
  const std::string act = io::json_string(j, "hidden_act", "quick_gelu", path);
  if (act == "quick_gelu") c.quick_gelu = true;
  else if (act == "gelu") c.quick_gelu = false;
  else fail(path, "hidden_act '" + act + "' (quick_gelu or gelu expected)");
  // A CLIPConfig keeps the shared embedding size at the top; a CLIPVisionModel has no projection.
  c.projection_dim = io::json_int(nested ? top : j, "projection_dim", 0, 0, 16384, path);
  c.check(path);
  return c;
}

ClipVisionImpl::ClipVisionImpl(const ClipVisionConfig& config) : config_(config) {
  config_.check("the image encoder's configuration");
  const int n = config_.grid() * config_.grid();
  auto embeddings = register_module("embeddings", std::make_shared<Holder>());
  patch_embedding_ = embeddings->register_module(
      "patch_embedding", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, config_.dim, config_.patch_size).stride(config_.patch_size).bias(false)));
  class_embedding_ = embeddings->register_parameter("class_embedding", torch::randn({config_.dim}) * 0.02);
  position_embedding_ = embeddings->register_module("position_embedding", torch::nn::Embedding(n + 1, config_.dim));
  torch::NoGradGuard ng;
  position_embedding_->weight.normal_(0, 0.02);
  pre_norm_ = register_module("pre_layrnorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({config_.dim}).eps(config_.norm_eps)));  // sic, as Hugging Face spells it
  auto encoder = register_module("encoder", std::make_shared<Holder>());
  for (int l = 0; l < config_.layers; ++l) layers_->push_back(Layer(config_));
  encoder->register_module("layers", layers_);
  post_norm_ = register_module("post_layernorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({config_.dim}).eps(config_.norm_eps)));
  if (config_.projection_dim > 0)
    projection_ = register_module("visual_projection", torch::nn::Linear(torch::nn::LinearOptions(config_.dim, config_.projection_dim).bias(false)));
}

ClipVisionOutput ClipVisionImpl::forward(const torch::Tensor& pixels) {
  const int s = config_.image_size, g = config_.grid();
  if (pixels.dim() != 4 || pixels.size(1) != 3 || pixels.size(2) != s || pixels.size(3) != s)
    throw Error("the image encoder takes [B, 3, " + std::to_string(s) + ", " + std::to_string(s) + "] pixels, not " + shape_text(pixels.sizes()));
  const auto b = pixels.size(0);
  auto x = patch_embedding_(pixels.to(patch_embedding_->weight.dtype())).flatten(2).transpose(1, 2);  // [B, N, D]
  x = torch::cat({class_embedding_.view({1, 1, -1}).expand({b, 1, config_.dim}), x}, 1) + position_embedding_->weight.unsqueeze(0);
  x = pre_norm_(x);
  for (const auto& layer : *layers_) x = layer->as<Layer>()->forward(x);
  ClipVisionOutput o;
  o.tokens = x;
  o.grid = x.narrow(1, 1, g * g).transpose(1, 2).reshape({b, config_.dim, g, g});
  o.pooled = post_norm_(x.select(1, 0));
  if (projection_) o.embedding = projection_(o.pooled);
  return o;
}

image::Image clip_square(const image::Image& picture, int size) {
  if (picture.empty()) throw Error("an empty picture has nothing to encode");
  if (size < 8 || size > 4096) throw Error("image encoder input size " + std::to_string(size) + " is not within 8..4096");
  const double k = static_cast<double>(size) / std::min(picture.width, picture.height);
  const int w = std::max(size, static_cast<int>(std::lround(picture.width * k))), h = std::max(size, static_cast<int>(std::lround(picture.height * k)));
  const image::Image scaled = image::resize(picture, w, h);
  const int x0 = (w - size) / 2, y0 = (h - size) / 2;
  image::Image out;
  out.width = out.height = size;
  out.rgb.resize(static_cast<size_t>(size) * size * 3);
  for (int y = 0; y < size; ++y)
    std::memcpy(&out.rgb[static_cast<size_t>(y) * size * 3], &scaled.rgb[(static_cast<size_t>(y + y0) * w + x0) * 3], static_cast<size_t>(size) * 3);
  return out;
}

torch::Tensor clip_normalise(const torch::Tensor& rgb) {
  if (rgb.dim() < 3 || rgb.size(-1) != 3) throw Error("CLIP's normalisation takes RGB bytes [..., height, width, 3]");
  const auto t = rgb.to(torch::kFloat).movedim(-1, -3) / 255.0;
  // CLIP's published channel statistics (OpenAI's preprocessing).
  const auto mean = torch::tensor({0.48145466f, 0.4578275f, 0.40821073f}, t.options()).view({3, 1, 1});
  const auto std = torch::tensor({0.26862954f, 0.26130258f, 0.27577711f}, t.options()).view({3, 1, 1});
  return ((t - mean) / std).contiguous();
}

torch::Tensor clip_pixels(const image::Image& picture, int size) {
  const image::Image square = clip_square(picture, size);
  return clip_normalise(torch::from_blob(const_cast<std::uint8_t*>(square.rgb.data()), {size, size, 3}, torch::kUInt8));
}

ClipVision load_clip_vision(const std::string& dir, ClipLoadReport* report) {
  if (!std::filesystem::is_directory(dir)) fail(dir, "not a folder with an image encoder (config.json and *.safetensors)");
  const auto shards = io::safetensors_files(dir);
  if (std::filesystem::exists(dir + "/SHA256SUMS")) {
    std::vector<std::string> reads = {"config.json"};
    for (const auto& s : shards) reads.push_back(std::filesystem::path(s).filename().string());
    io::verify_sha256sums(dir, reads);
  }
  ClipVisionConfig c = read_clip_vision_config(dir + "/config.json");
  // All shards are read before the encoder is built: whether it has a projection, and its size, is known only
  // from the tensors (a CLIPVisionModel's config names the projection size of the model it came from but
  // holds none; a CLIPConfig may leave the size out). The files' bytes are held meanwhile.
  std::vector<std::pair<std::string, io::SafetensorsFile>> files;
  files.reserve(shards.size());  // `projection` points into them
  const io::TensorBytes* projection = nullptr;
  for (const auto& shard : shards) {
    files.emplace_back(shard, io::read_safetensors(shard));
    const auto it = files.back().second.tensors.find(kProjection);
    if (it != files.back().second.tensors.end()) projection = &it->second;
  }
  if (!projection) c.projection_dim = 0;
  else if (c.projection_dim == 0 && projection->shape.size() == 2) c.projection_dim = static_cast<int>(projection->shape[0]);
  ClipVision model(c);
  auto state = model->named_parameters();
  ClipLoadReport r;
  std::set<std::string> filled;
  torch::NoGradGuard ng;
  for (const auto& [path, file] : files) {
    for (const auto& [name, tb] : file.tensors) {
      std::string target;
      if (name.rfind(kPrefix, 0) == 0) target = name.substr(std::strlen(kPrefix));
      else if (name == kProjection && c.projection_dim > 0) target = "visual_projection.weight";
      if (target.empty() || !state.contains(target)) {
        // The text tower, logit_scale, position_ids buffers: not the image encoder's. A name under
        // vision_model. that the encoder lacks is one a different architecture has.
        if (!target.empty() && target.find("position_ids") == std::string::npos)
          fail(path, "tensor '" + name + "' is not part of a CLIP vision encoder as config.json describes it");
        ++r.tensors_ignored;
        continue;
      }
      torch::Dtype dtype;
      if (tb.dtype == "F32") dtype = torch::kFloat;
      else if (tb.dtype == "F16") dtype = torch::kHalf;
      else if (tb.dtype == "BF16") dtype = torch::kBFloat16;
      else fail(path, "tensor '" + name + "' has dtype " + tb.dtype + " (F32, F16 or BF16 expected)");
      auto& dst = state[target];
      if (tb.shape != dst.sizes().vec())
        fail(path, "tensor '" + name + "' has shape " + shape_text(tb.shape) + ", config.json implies " + shape_text(dst.sizes()));
      const auto src = torch::from_blob(const_cast<std::uint8_t*>(tb.data.data()), tb.shape, dtype).to(torch::kFloat);
      if (!torch::isfinite(src).all().item<bool>()) fail(path, "tensor '" + name + "' holds values that are not numbers");
      dst.copy_(src);
      filled.insert(target);
      ++r.tensors_loaded;
    }
  }
  for (const auto& p : state)
    if (!filled.count(p.key())) fail(dir, "the checkpoint lacks '" + (p.key() == "visual_projection.weight" ? p.key() : kPrefix + p.key()) + "'");
  if (report) *report = r;
  model->eval();
  return model;
}

void save_clip_vision_bundle(const std::string& dir, ClipVision& model, const std::string& model_card, bool half) {
  std::filesystem::create_directories(dir);
  io::SafetensorsFile f;
  for (const auto& p : model->named_parameters()) {
    const auto t = p.value().detach().to(torch::kCPU).to(half ? torch::kHalf : torch::kFloat).contiguous();
    io::TensorBytes b;
    b.dtype = half ? "F16" : "F32";
    b.shape = t.sizes().vec();
    b.data.resize(static_cast<std::size_t>(t.numel() * t.element_size()));
    std::memcpy(b.data.data(), t.data_ptr(), b.data.size());
    f.tensors[p.key() == "visual_projection.weight" ? p.key() : kPrefix + p.key()] = std::move(b);
  }
  io::write_safetensors(dir + "/model.safetensors", f);
  io::write_file_atomic(dir + "/config.json", model->config().to_json().dump(2) + "\n");
  io::write_file_atomic(dir + "/MODEL_CARD.md", model_card);
  io::write_sha256sums(dir, {"config.json", "model.safetensors", "MODEL_CARD.md"});
}

}  // namespace unipose::vision
