#include "core/nn/retrieval.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/body/axis_angle.h"
#include "core/error.h"
#include "core/io/json_fields.h"
#include "core/io/files.h"
#include "core/io/safetensors.h"
#include "core/nn/module_io.h"
#include "core/pose/frame.h"
#include "core/text/words.h"

namespace unipose::nn {
namespace F = torch::nn::functional;

std::string RetrievalConfig::to_json() const {
  nlohmann::ordered_json j;
  j["architecture"] = "unipose.retrieval/1";
  j["kind"] = kind;
  j["feature_dim"] = feature_dim;
  j["pose_width"] = pose_width;
  j["pose_blocks"] = pose_blocks;
  j["text_width"] = text_width;
  j["text_layers"] = text_layers;
  j["text_heads"] = text_heads;
  j["max_words"] = max_words;
  j["vocab_size"] = static_cast<int>(vocabulary.size());
  return j.dump(2);
}

RetrievalConfig RetrievalConfig::from_json(const std::string& text, const std::string& where) {
  const nlohmann::json j = io::parse_json(text, where);
  if (!j.is_object() || io::json_string(j, "architecture", "", where) != "unipose.retrieval/1") fail(where, "not a retrieval model config");
  RetrievalConfig c;
  c.kind = io::json_string(j, "kind", "", where);
  if (c.kind != "pose_text" && c.kind != "pair_text") fail(where, "'kind' must be pose_text or pair_text");
  auto get = [&](const char* key, int lo, int hi) { return io::json_int(j, key, lo, hi, where); };
  c.feature_dim = get("feature_dim", 1, 8192);
  c.pose_width = get("pose_width", 1, 8192);
  c.pose_blocks = get("pose_blocks", 0, 64);
  c.text_width = get("text_width", 1, 8192);
  c.text_layers = get("text_layers", 1, 64);
  c.text_heads = get("text_heads", 1, 64);
  c.max_words = get("max_words", 1, 4096);
  if (c.text_width % c.text_heads) fail(where, "'text_width' must be a multiple of 'text_heads'");
  c.vocabulary.resize(get("vocab_size", 2, 1 << 20));
  return c;
}

std::vector<std::string> build_vocabulary(const std::vector<std::string>& texts, int min_count) {
  std::map<std::string, int> counts;
  for (const auto& t : texts)
    for (const auto& w : text::tokenize_words(t)) ++counts[w];
  std::vector<std::string> v{"<pad>", "<unk>"};
  for (const auto& [w, c] : counts)
    if (c >= min_count) v.push_back(w);
  return v;
}

std::vector<int64_t> encode_words(const RetrievalConfig& config, const std::string& text) {
  // A lookup table per vocabulary, built once (vocabularies are a few hundred to a few thousand words).
  thread_local const std::vector<std::string>* cached_for = nullptr;
  thread_local size_t cached_size = 0;
  thread_local std::unordered_map<std::string, int64_t> lookup;
  if (cached_for != &config.vocabulary || cached_size != config.vocabulary.size()) {
    lookup.clear();
    for (size_t i = 0; i < config.vocabulary.size(); ++i) lookup.emplace(config.vocabulary[i], static_cast<int64_t>(i));
    cached_for = &config.vocabulary;
    cached_size = config.vocabulary.size();
  }
  std::vector<int64_t> ids;
  for (const auto& w : text::tokenize_words(text)) {
    if (static_cast<int>(ids.size()) >= config.max_words) break;
    const auto it = lookup.find(w);
    ids.push_back(it == lookup.end() ? 1 : it->second);
  }
  return ids;
}

torch::Tensor encode_texts(const RetrievalConfig& config, const std::vector<std::string>& texts) {
  std::vector<std::vector<int64_t>> all;
  size_t longest = 1;
  for (const auto& t : texts) {
    all.push_back(encode_words(config, t));
    longest = std::max(longest, all.back().size());
  }
  auto ids = torch::zeros({static_cast<int64_t>(texts.size()), static_cast<int64_t>(longest)}, torch::kLong);
  auto acc = ids.accessor<int64_t, 2>();
  for (size_t i = 0; i < all.size(); ++i)
    for (size_t k = 0; k < all[i].size(); ++k) acc[i][k] = all[i][k];
  return ids;
}

PoseEncoderImpl::PoseEncoderImpl(int width, int num_blocks, int out_dim) {
  in = register_module("in", torch::nn::Linear(22 * 6, width));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int b = 0; b < num_blocks; ++b)
    blocks->push_back(torch::nn::Sequential(torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})), torch::nn::Linear(width, width),
                                            torch::nn::GELU(), torch::nn::Linear(width, width)));
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
  out = register_module("out", torch::nn::Linear(width, out_dim));
}

torch::Tensor PoseEncoderImpl::forward(const torch::Tensor& rot6d) {
  auto x = in(rot6d.reshape({rot6d.size(0), -1}));
  for (const auto& b : *blocks) x = x + b->as<torch::nn::Sequential>()->forward(x);
  return out(torch::gelu(norm(x)));
}

TextEncoderImpl::TextEncoderImpl(int vocab, int width, int layers, int heads, int max_words, int out_dim) {
  words = register_module("words", torch::nn::Embedding(torch::nn::EmbeddingOptions(vocab, width).padding_idx(0)));
  positions = register_module("positions", torch::nn::Embedding(max_words, width));
  encoder = register_module("encoder", torch::nn::TransformerEncoder(torch::nn::TransformerEncoderOptions(
      torch::nn::TransformerEncoderLayerOptions(width, heads).dim_feedforward(2 * width).dropout(0.1).activation(torch::kGELU), layers)));
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
  out = register_module("out", torch::nn::Linear(width, out_dim));
}

torch::Tensor TextEncoderImpl::forward(const torch::Tensor& ids) {
  const int64_t len = std::min<int64_t>(ids.size(1), positions->weight.size(0));
  const auto x_ids = ids.narrow(1, 0, len);
  const auto pad = x_ids.eq(0);  // [B, L], true where padding
  auto x = words(x_ids) + positions(torch::arange(len, ids.options())).unsqueeze(0);
  // A text with no words at all keeps one (padding) position visible so attention stays defined.
  auto key_pad = pad.clone();
  key_pad.select(1, 0).fill_(false);
  x = encoder->forward(x.transpose(0, 1), torch::Tensor(), key_pad).transpose(0, 1);  // [B, L, W]
  const auto keep = (~key_pad).unsqueeze(-1).to(x.dtype());
  const auto mean = (norm(x) * keep).sum(1) / keep.sum(1).clamp_min(1);
  return out(mean);
}

RetrievalModelImpl::RetrievalModelImpl(const RetrievalConfig& c) : config(c) {
  if (c.vocabulary.size() < 2) throw Error("retrieval model: the vocabulary is empty");
  pose = register_module("pose", PoseEncoder(c.pose_width, c.pose_blocks, c.pairs() ? c.pose_width : c.feature_dim));
  if (c.pairs())
    fuse = register_module("fuse", torch::nn::Sequential(torch::nn::Linear(3 * c.pose_width, c.pose_width), torch::nn::GELU(),
                                                         torch::nn::Linear(c.pose_width, c.feature_dim)));
  text = register_module("text", TextEncoder(static_cast<int>(c.vocabulary.size()), c.text_width, c.text_layers, c.text_heads,
                                             c.max_words, c.feature_dim));
  log_scale = register_parameter("log_scale", torch::full({1}, std::log(10.0)));
}

torch::Tensor RetrievalModelImpl::encode_poses(const torch::Tensor& rot6d) {
  if (config.pairs()) throw Error("this retrieval model encodes pose pairs, not single poses");
  return F::normalize(pose(rot6d), F::NormalizeFuncOptions().dim(-1));
}

torch::Tensor RetrievalModelImpl::encode_pairs(const torch::Tensor& a, const torch::Tensor& b) {
  if (!config.pairs()) throw Error("this retrieval model encodes single poses, not pairs");
  const auto fa = pose(a), fb = pose(b);
  return F::normalize(fuse->forward(torch::cat({fa, fb, fb - fa}, -1)), F::NormalizeFuncOptions().dim(-1));
}

torch::Tensor RetrievalModelImpl::encode_texts(const torch::Tensor& ids) {
  return F::normalize(text(ids), F::NormalizeFuncOptions().dim(-1));
}

torch::Tensor contrastive_loss(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& log_scale) {
  const auto logits = log_scale.clamp(0, std::log(100.0)).exp() * torch::matmul(a, b.t());
  const auto target = torch::arange(a.size(0), torch::TensorOptions().dtype(torch::kLong).device(a.device()));
  return 0.5 * (F::cross_entropy(logits, target) + F::cross_entropy(logits.t(), target));
}

torch::Tensor RetrievalModelImpl::contrastive_loss(const torch::Tensor& p, const torch::Tensor& t) { return nn::contrastive_loss(p, t, log_scale); }

namespace {
double heading(const pose::Pose& p) { return pose::pose_frame(p).yaw; }
}  // namespace

torch::Tensor heading_normalised_rot6d(const std::vector<pose::Pose>& poses) {
  std::vector<pose::Pose> out;
  out.reserve(poses.size());
  for (const auto& p : poses) out.push_back(pose::turned(p, -heading(p)));
  return poses_to_rot6d(out);
}

std::pair<torch::Tensor, torch::Tensor> heading_normalised_pairs(const std::vector<pose::Pose>& a, const std::vector<pose::Pose>& b) {
  if (a.size() != b.size()) throw Error("pose pairs: as many A poses as B poses are needed");
  std::vector<pose::Pose> na, nb;
  for (size_t i = 0; i < a.size(); ++i) {
    const double yaw = heading(a[i]);
    na.push_back(pose::turned(a[i], -yaw));
    nb.push_back(pose::turned(b[i], -yaw));
  }
  return {poses_to_rot6d(na), poses_to_rot6d(nb)};
}

void save_retrieval_bundle(const std::string& dir, RetrievalModel& model, const std::string& model_card, bool half) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail(dir, "cannot create folder: " + ec.message());
  io::write_file_atomic(dir + "/config.json", model->config.to_json() + "\n");
  io::write_file_atomic(dir + "/vocab.json", nlohmann::json(model->config.vocabulary).dump() + "\n");
  save_weights(*model, dir + "/model.safetensors", half, {{"format", "unipose"}, {"model", "retrieval_" + model->config.kind}});
  io::write_file_atomic(dir + "/MODEL_CARD.md", model_card);
  io::write_sha256sums(dir, {"config.json", "vocab.json", "model.safetensors", "MODEL_CARD.md"});
}

RetrievalModel load_retrieval_bundle(const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) fail(dir, "not a model folder");
  io::verify_sha256sums(dir, {"config.json", "vocab.json", "model.safetensors"});
  auto config = RetrievalConfig::from_json(io::read_text_file(dir + "/config.json"), dir + "/config.json");
  const std::string vocab_path = dir + "/vocab.json";
  const nlohmann::json v = io::read_json_file(vocab_path);
  if (!v.is_array() || v.size() != config.vocabulary.size())
    fail(vocab_path, "expected a list of " + std::to_string(config.vocabulary.size()) + " words (config.json's vocab_size)");
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) fail(vocab_path, "entry " + std::to_string(i) + " is not a word");
    config.vocabulary[i] = v[i].get<std::string>();
  }
  RetrievalModel model(config);
  load_weights(*model, dir + "/model.safetensors");
  model->eval();
  return model;
}

namespace {
torch::Device device_of(RetrievalModel& model) { return model->parameters().front().device(); }
}  // namespace

torch::Tensor pose_features(RetrievalModel& model, const torch::Tensor& rot6d) {
  torch::NoGradGuard ng;
  const auto dev = device_of(model);
  std::vector<torch::Tensor> out;
  for (int64_t s = 0; s < rot6d.size(0); s += 512)
    out.push_back(model->encode_poses(rot6d.narrow(0, s, std::min<int64_t>(512, rot6d.size(0) - s)).to(dev)).cpu());
  return torch::cat(out);
}

torch::Tensor pair_features(RetrievalModel& model, const torch::Tensor& a, const torch::Tensor& b) {
  torch::NoGradGuard ng;
  std::vector<torch::Tensor> out;
  for (int64_t s = 0; s < a.size(0); s += 512) {
    const int64_t n = std::min<int64_t>(512, a.size(0) - s);
    out.push_back(model->encode_pairs(a.narrow(0, s, n).to(device_of(model)), b.narrow(0, s, n).to(device_of(model))).cpu());
  }
  return torch::cat(out);
}

torch::Tensor text_features(RetrievalModel& model, const std::vector<std::string>& texts) {
  torch::NoGradGuard ng;
  std::vector<torch::Tensor> out;
  for (size_t s = 0; s < texts.size(); s += 256) {
    const std::vector<std::string> chunk(texts.begin() + s, texts.begin() + std::min(texts.size(), s + 256));
    out.push_back(model->encode_texts(encode_texts(model->config, chunk).to(device_of(model))).cpu());
  }
  return torch::cat(out);
}

}  // namespace unipose::nn
