#include "core/nn/language_model.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/nn/visual_projector.h"
#include "core/io/json_fields.h"

namespace unipose::nn {
namespace F = torch::nn::functional;

std::string LmConfig::to_json() const {
  nlohmann::ordered_json j;
  j["architecture"] = grounded ? "unipose.language_model/2" : "unipose.language_model/1";
  j["text_vocab"] = text_vocab;
  j["pose_codes"] = pose_codes;
  j["pose_tokens"] = pose_tokens;
  j["dim"] = dim;
  j["layers"] = layers;
  j["heads"] = heads;
  j["kv_heads"] = kv_heads;
  j["hidden"] = hidden;
  j["max_positions"] = max_positions;
  j["rope_theta"] = rope_theta;
  j["norm_eps"] = norm_eps;
  j["mixed_attention"] = mixed_attention;
  if (grounded) {
    j["pose_levels"] = pose_levels;
    j["code_dim"] = code_dim;
  }
  return j.dump(2);
}

LmConfig LmConfig::from_json(const std::string& text, const std::string& where) {
  const nlohmann::json j = io::parse_json(text, where);
  const std::string architecture = j.is_object() ? io::json_string(j, "architecture", "", where) : "";
  if (architecture != "unipose.language_model/1" && architecture != "unipose.language_model/2") fail(where, "not a language model config");
  LmConfig c;
  c.grounded = architecture == "unipose.language_model/2";
  auto get = [&](const char* key, int lo, int hi) { return io::json_int(j, key, lo, hi, where); };
  c.text_vocab = get("text_vocab", 1, 1 << 22);
  c.pose_codes = get("pose_codes", 1, 1 << 20);
  c.pose_tokens = get("pose_tokens", 1, 4096);
  c.dim = get("dim", 8, 65536);
  c.layers = get("layers", 1, 512);
  c.heads = get("heads", 1, 1024);
  c.kv_heads = get("kv_heads", 1, 1024);
  c.hidden = get("hidden", 1, 1 << 20);
  c.max_positions = get("max_positions", 16, 1 << 20);
  c.rope_theta = io::json_real(j, "rope_theta", 10000.0, 2, 1e9, where);  // rotary base: 1 or less turns every position alike
  c.norm_eps = io::json_real(j, "norm_eps", 1e-5, 1e-12, 0.1, where);
  c.mixed_attention = io::json_bool(j, "mixed_attention", true, where);
  if (c.grounded) {
    c.pose_levels = get("pose_levels", 1, 64);
    c.code_dim = get("code_dim", 1, 8192);
    if (c.pose_tokens % c.pose_levels) fail(where, "pose_tokens must be a multiple of pose_levels");
  }
  if (c.dim % c.heads || c.heads % c.kv_heads || (c.dim / c.heads) % 2)
    fail(where, "dim must split into heads of even size, and heads into kv_heads groups");
  // A sequence holds at least a pose (in and out for an edit) and a few words.
  const int least = 2 * (c.pose_positions() + 2) + 16;
  if (c.max_positions < least)
    fail(where, "'max_positions' = " + std::to_string(c.max_positions) + " is too small: two poses and a short prompt need " + std::to_string(least));
  c.check_size(where);
  return c;
}

void LmConfig::check_size(const std::string& where) const {
  const int64_t n = parameter_count();
  const double gib = static_cast<double>(n) * 4 / (1 << 30);
  std::ostringstream asked;
  asked.precision(3);
  asked << "the sizes ask for " << n / 1000000 << " million parameters (" << gib << " GiB of weights)";
  if (n > kMaxParameters) fail(where, asked.str() + ", more than the " + std::to_string(kMaxParameters / 1000000) + " million this program builds");
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  const double memory = pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 0;
  if (memory > 0 && static_cast<double>(n) * 4 > memory) {
    asked << ", more than this machine's " << memory / (1 << 30) << " GiB of memory";
    fail(where, asked.str());
  }
}

int64_t LmConfig::parameter_count() const {
  const int64_t d = dim, head_dim = dim / std::max(1, heads);
  const int64_t per_layer = 2 * d * d + 2 * d * head_dim * kv_heads + 3 * d * int64_t{hidden} + 2 * d;
  int64_t n = 2 * int64_t{vocab()} * d + int64_t{layers} * per_layer + d + int64_t{pose_positions()} * d;
  if (grounded) {
    const int64_t io = int64_t{pose_levels} * code_dim;
    n += int64_t{pose_levels} * pose_codes * code_dim + 2 * io * d + io + d + int64_t{pose_positions()} * d + int64_t{pose_levels} * (pose_codes + 1);
  }
  return n;
}

at::Tensor mixed_attention_mask(const std::vector<int>& spans, bool mixed) {
  const int64_t t = static_cast<int64_t>(spans.size());
  auto allowed = torch::ones({t, t}, torch::kBool).tril();
  if (!mixed) return allowed;
  auto acc = allowed.accessor<bool, 2>();
  for (int64_t i = 0; i < t; ++i)
    if (spans[i] > 0)
      for (int64_t j = i + 1; j < t && spans[j] == spans[i]; ++j) acc[i][j] = true;
  return allowed;
}

RmsNormImpl::RmsNormImpl(int dim, double eps_) : eps(eps_) { weight = register_parameter("weight", torch::ones({dim})); }

torch::Tensor RmsNormImpl::forward(const torch::Tensor& x) {
  const auto xf = x.to(torch::kFloat);
  return (xf * torch::rsqrt(xf.pow(2).mean(-1, true) + eps)).to(x.dtype()) * weight;
}

namespace {
// Rotary embedding, Hugging Face's layout: the two halves of each head rotate as (x1, x2) pairs.
torch::Tensor rotate(const torch::Tensor& x, const torch::Tensor& positions, double theta) {
  const int64_t d = x.size(-1), half = d / 2;
  const auto inv = torch::pow(theta, -torch::arange(0, half, torch::TensorOptions().dtype(torch::kFloat).device(x.device())) * 2.0 / d);
  const auto ang = torch::outer(positions.to(torch::kFloat), inv);  // [T, half]
  const auto cos = torch::cat({ang.cos(), ang.cos()}, -1).to(x.dtype()), sin = torch::cat({ang.sin(), ang.sin()}, -1).to(x.dtype());
  const auto x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);
  return x * cos + torch::cat({-x2, x1}, -1) * sin;
}
}  // namespace

LoraImpl::LoraImpl(int in, int out, int rank, double alpha) : scale(alpha / rank) {
  A = register_parameter("A", torch::randn({rank, in}) / std::sqrt(static_cast<double>(in)));
  B = register_parameter("B", torch::zeros({out, rank}));
}

torch::Tensor linear_forward(const torch::Tensor& x, const torch::Tensor& weight) {
  // Measured on the 2-core CI machine kind (dim 256, hidden 688; docs/language_model.md, "Speed"): the BLAS
  // takes 1.1 ms for 111 rows where oneDNN takes 0.5, and 0.07 ms for one row where a matrix-vector product
  // takes 0.04. Below about 16 rows the BLAS is as fast as either.
  constexpr int64_t kOneDnnRows = 16;
  if (torch::GradMode::is_enabled() || !x.device().is_cpu() || x.scalar_type() != torch::kFloat || weight.scalar_type() != torch::kFloat ||
      !weight.is_contiguous() || weight.dim() != 2 || x.dim() < 1 || x.size(-1) != weight.size(1))
    return F::linear(x, weight);
  const int64_t in = weight.size(1), rows = x.numel() / std::max<int64_t>(in, 1);
  auto shape = x.sizes().vec();
  shape.back() = weight.size(0);
  if (rows == 1) return torch::mv(weight, x.reshape({in})).view(shape);
  if (rows >= kOneDnnRows && at::hasMKLDNN())
    return torch::mkldnn_linear(x.reshape({rows, in}).contiguous().to_mkldnn(), weight, {}).to_dense().view(shape);
  return F::linear(x, weight);
}

torch::Tensor project(torch::nn::Linear& linear, Lora& lora, const torch::Tensor& x) {
  auto y = linear_forward(x, linear->weight);
  if (linear->bias.defined()) y = y + linear->bias;
  return lora ? y + lora(x) : y;
}

AttentionImpl::AttentionImpl(const LmConfig& c) : heads(c.heads), kv_heads(c.kv_heads), head_dim(c.dim / c.heads), theta(c.rope_theta) {
  q_proj = register_module("q_proj", torch::nn::Linear(torch::nn::LinearOptions(c.dim, heads * head_dim).bias(false)));
  k_proj = register_module("k_proj", torch::nn::Linear(torch::nn::LinearOptions(c.dim, kv_heads * head_dim).bias(false)));
  v_proj = register_module("v_proj", torch::nn::Linear(torch::nn::LinearOptions(c.dim, kv_heads * head_dim).bias(false)));
  o_proj = register_module("o_proj", torch::nn::Linear(torch::nn::LinearOptions(heads * head_dim, c.dim).bias(false)));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& positions, const torch::Tensor& allowed,
                                     torch::Tensor* cache_k, torch::Tensor* cache_v, int64_t keep_from) {
  const int64_t b = x.size(0), t = x.size(1), tq = t - keep_from;
  auto q = project(q_proj, q_lora, keep_from ? x.narrow(1, keep_from, tq) : x).view({b, tq, heads, head_dim}).transpose(1, 2);
  auto k = project(k_proj, k_lora, x).view({b, t, kv_heads, head_dim}).transpose(1, 2);
  auto v = project(v_proj, v_lora, x).view({b, t, kv_heads, head_dim}).transpose(1, 2);
  q = rotate(q, keep_from ? positions.narrow(0, keep_from, tq) : positions, theta);
  k = rotate(k, positions, theta);
  if (cache_k) {
    if (cache_k->defined()) {
      k = torch::cat({*cache_k, k}, 2);
      v = torch::cat({*cache_v, v}, 2);
    }
    *cache_k = k;
    *cache_v = v;
  }
  if (kv_heads != heads) {  // grouped-query attention: each key/value head serves heads/kv_heads query heads
    k = k.repeat_interleave(heads / kv_heads, 1);
    v = v.repeat_interleave(heads / kv_heads, 1);
  }
  auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(head_dim));
  const auto rules = keep_from ? allowed.narrow(-2, keep_from, tq) : allowed;
  scores = scores.masked_fill(rules.logical_not(), -std::numeric_limits<float>::infinity());
  const auto out = torch::matmul(torch::softmax(scores.to(torch::kFloat), -1).to(v.dtype()), v);
  return project(o_proj, o_lora, out.transpose(1, 2).reshape({b, tq, heads * head_dim}));
}

FeedForwardImpl::FeedForwardImpl(int dim, int hidden) {
  gate_proj = register_module("gate_proj", torch::nn::Linear(torch::nn::LinearOptions(dim, hidden).bias(false)));
  up_proj = register_module("up_proj", torch::nn::Linear(torch::nn::LinearOptions(dim, hidden).bias(false)));
  down_proj = register_module("down_proj", torch::nn::Linear(torch::nn::LinearOptions(hidden, dim).bias(false)));
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& x) {
  return project(down_proj, down_lora, F::silu(project(gate_proj, gate_lora, x)) * project(up_proj, up_lora, x));
}

DecoderLayerImpl::DecoderLayerImpl(const LmConfig& c) {
  self_attn = register_module("self_attn", Attention(c));
  mlp = register_module("mlp", FeedForward(c.dim, c.hidden));
  input_layernorm = register_module("input_layernorm", RmsNorm(c.dim, c.norm_eps));
  post_attention_layernorm = register_module("post_attention_layernorm", RmsNorm(c.dim, c.norm_eps));
}

torch::Tensor DecoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& positions, const torch::Tensor& allowed,
                                        torch::Tensor* cache_k, torch::Tensor* cache_v, int64_t keep_from) {
  const auto kept = keep_from ? x.narrow(1, keep_from, x.size(1) - keep_from) : x;
  const auto h = kept + self_attn->forward(input_layernorm(x), positions, allowed, cache_k, cache_v, keep_from);
  return h + mlp(post_attention_layernorm(h));
}

LanguageModelImpl::LanguageModelImpl(const LmConfig& c) : config(c) {
  if (c.dim % c.heads || c.heads % c.kv_heads || (c.dim / c.heads) % 2)
    throw Error("language model: dim must split into heads of even size, and heads into kv_heads groups");
  if (c.grounded && (c.pose_levels < 1 || c.code_dim < 1 || c.pose_tokens % c.pose_levels))
    throw Error("language model: a grounded model needs pose_levels dividing pose_tokens and a code_dim");
  embed_tokens = register_module("embed_tokens", torch::nn::Embedding(c.vocab(), c.dim));
  pose_queries = register_parameter("pose_queries", torch::randn({c.pose_positions(), c.dim}) * 0.02);
  if (c.grounded) {
    pose_codebooks = register_buffer("pose_codebooks", torch::zeros({c.pose_levels, c.pose_codes, c.code_dim}));
    pose_in = register_module("pose_in", torch::nn::Linear(c.pose_levels * c.code_dim, c.dim));
    pose_position = register_parameter("pose_position", torch::randn({c.pose_positions(), c.dim}) * 0.02);
    pose_out = register_module("pose_out", torch::nn::Linear(c.dim, c.pose_levels * c.code_dim));
    code_bias = register_parameter("code_bias", torch::zeros({c.pose_levels, c.pose_codes}));
    code_log_scale = register_parameter("code_log_scale", torch::zeros({c.pose_levels}));
  }
  layers = register_module("layers", torch::nn::ModuleList());
  for (int l = 0; l < c.layers; ++l) layers->push_back(DecoderLayer(c));
  norm = register_module("norm", RmsNorm(c.dim, c.norm_eps));
  lm_head = register_module("lm_head", torch::nn::Linear(torch::nn::LinearOptions(c.dim, c.vocab()).bias(false)));
  torch::NoGradGuard ng;
  embed_tokens->weight.normal_(0, 0.02);
}

void LanguageModelImpl::add_lora(const LoraOptions& o) {
  if (o.rank < 1) throw Error("LoRA rank must be at least 1");
  auto wants = [&](const std::string& name) { return std::find(o.targets.begin(), o.targets.end(), name) != o.targets.end(); };
  for (const std::string& name : o.targets) {
    static const std::vector<std::string> known{"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
    if (std::find(known.begin(), known.end(), name) == known.end()) throw Error("unknown LoRA target '" + name + "'");
  }
  for (auto& p : parameters()) p.set_requires_grad(false);
  // New to any pretrained model: the pose queries and (grounded) the pose input and output layers.
  pose_queries.set_requires_grad(true);
  if (config.grounded) {
    for (auto& p : pose_in->parameters()) p.set_requires_grad(true);
    for (auto& p : pose_out->parameters()) p.set_requires_grad(true);
    for (auto* t : {&pose_position, &code_bias, &code_log_scale}) t->set_requires_grad(true);
  }
  for (const auto& layer_module : *layers) {
    auto* layer = layer_module->as<DecoderLayerImpl>();
    auto* a = layer->self_attn.get();
    auto* m = layer->mlp.get();
    auto attach = [&](torch::nn::Module& owner, const std::string& name, torch::nn::Linear& linear, Lora& lora) {
      if (!wants(name) || lora) return;
      lora = owner.register_module(name + "_lora", Lora(static_cast<int>(linear->weight.size(1)), static_cast<int>(linear->weight.size(0)), o.rank, o.alpha));
      lora->to(linear->weight.device());
    };
    attach(*a, "q_proj", a->q_proj, a->q_lora);
    attach(*a, "k_proj", a->k_proj, a->k_lora);
    attach(*a, "v_proj", a->v_proj, a->v_lora);
    attach(*a, "o_proj", a->o_proj, a->o_lora);
    attach(*m, "gate_proj", m->gate_proj, m->gate_lora);
    attach(*m, "up_proj", m->up_proj, m->up_lora);
    attach(*m, "down_proj", m->down_proj, m->down_lora);
  }
}

bool LanguageModelImpl::has_lora() const {
  for (const auto& p : named_parameters())
    if (p.key().find("_lora.") != std::string::npos) return true;
  return false;
}

void LanguageModelImpl::merge_lora() {
  torch::NoGradGuard ng;
  for (const auto& layer_module : *layers) {
    auto* layer = layer_module->as<DecoderLayerImpl>();
    auto* a = layer->self_attn.get();
    auto* m = layer->mlp.get();
    auto fold = [](torch::nn::Module& owner, const std::string& name, torch::nn::Linear& linear, Lora& lora) {
      if (!lora) return;
      linear->weight.add_(lora->delta().to(linear->weight.dtype()));
      lora = nullptr;
      owner.unregister_module(name + "_lora");
    };
    fold(*a, "q_proj", a->q_proj, a->q_lora);
    fold(*a, "k_proj", a->k_proj, a->k_lora);
    fold(*a, "v_proj", a->v_proj, a->v_lora);
    fold(*a, "o_proj", a->o_proj, a->o_lora);
    fold(*m, "gate_proj", m->gate_proj, m->gate_lora);
    fold(*m, "up_proj", m->up_proj, m->up_lora);
    fold(*m, "down_proj", m->down_proj, m->down_lora);
  }
  for (auto& p : parameters()) p.set_requires_grad(true);
}

void LanguageModelImpl::set_codebooks(const torch::Tensor& codebooks) {
  if (!config.grounded) throw Error("language model: only a grounded model reads the pose tokenizer's codebooks");
  if (codebooks.dim() != 3 || codebooks.size(0) != config.pose_levels || codebooks.size(1) != config.pose_codes ||
      codebooks.size(2) != config.code_dim)
    throw Error("language model: codebooks of shape [" + std::to_string(config.pose_levels) + ", " + std::to_string(config.pose_codes) + ", " +
                std::to_string(config.code_dim) + "] expected");
  torch::NoGradGuard ng;
  pose_codebooks.copy_(codebooks);
  // Scores start as distances: s (u . c - |c|^2 / 2) is -s/2 |u - c|^2 up to a constant, with s set so that
  // a typical gap between codes is worth a few units of logit.
  for (int l = 0; l < config.pose_levels; ++l) {
    const auto cb = codebooks[l].to(torch::kFloat);
    const double spread = (cb - cb.mean(0, true)).pow(2).sum(1).mean().item<double>();
    const double scale = 4.0 / std::max(spread, 1e-8);
    code_log_scale[l].fill_(std::log(scale));
    code_bias[l].copy_(-0.5 * scale * cb.pow(2).sum(1));
  }
}

torch::Tensor LanguageModelImpl::pose_scores(const torch::Tensor& h) {
  if (!config.grounded) throw Error("language model: pose_scores is for grounded models");
  auto shape = h.sizes().vec();
  shape.pop_back();
  const int64_t n = h.numel() / config.dim;
  const auto u = pose_out(h.reshape({n, config.dim})).view({n, config.pose_levels, config.code_dim}).to(torch::kFloat);
  // [n, L, D] x [L, K, D] -> [n, L, K]
  const auto dots = torch::einsum("nld,lkd->nlk", {u, pose_codebooks.to(torch::kFloat)});
  auto out = dots * code_log_scale.exp().view({1, -1, 1}) + code_bias.unsqueeze(0);
  shape.push_back(config.pose_levels);
  shape.push_back(config.pose_codes);
  return out.view(shape);
}

torch::Tensor LanguageModelImpl::embed(const std::vector<LmInput>& batch) {
  if (batch.empty()) throw Error("language model: empty batch");
  const size_t t = batch[0].ids.size();
  const int levels = config.grounded ? config.pose_levels : 1;
  const int64_t positions = config.pose_positions();
  std::vector<int64_t> ids, queries, pose_rows, pose_at, code_rows, codes;
  int64_t row = 0;
  for (const auto& in : batch) {
    if (in.ids.size() != t || in.spans.size() != t) throw Error("language model: inputs of a batch must have one length and one span id per position");
    if (!in.codes.empty() && (!config.grounded || in.codes.size() != t * levels))
      throw Error("language model: codes beside the ids are for grounded models, " + std::to_string(levels) + " per position");
    for (size_t i = 0; i < t; ++i, ++row) {
      const int64_t id = in.ids[i];
      const bool pose_position = config.grounded && id >= LmConfig::kPosePosition && id < LmConfig::kPosePosition + positions;
      if (id >= config.vocab() || (id < -positions && !pose_position))
        throw Error("language model: id " + std::to_string(id) + " is outside the vocabulary");
      ids.push_back(std::max<int64_t>(id, 0));
      queries.push_back(id < 0 && !pose_position ? -id - 1 : -1);
      if (pose_position) {
        pose_rows.push_back(row);
        pose_at.push_back(id - LmConfig::kPosePosition);
      }
      if (!in.codes.empty() && in.codes[i * levels] >= 0) {
        for (int l = 0; l < levels; ++l) {
          const int64_t k = in.codes[i * levels + l];
          if (k < 0 || k >= config.pose_codes) throw Error("language model: pose code " + std::to_string(k) + " is outside the codebook");
          codes.push_back(k);
        }
        code_rows.push_back(row);
      } else if (pose_position) {
        throw Error("language model: a pose position needs its codes");
      }
    }
  }
  const auto dev = embed_tokens->weight.device();
  auto e = embed_tokens(torch::tensor(ids, torch::kLong).to(dev));  // [B*T, D]
  const auto q = torch::tensor(queries, torch::kLong);
  const auto is_query = q.ge(0);
  if (is_query.any().item<bool>()) {
    const auto where = is_query.nonzero().squeeze(1);
    const auto which = q.index_select(0, where).to(dev);
    auto rows = pose_queries.index_select(0, which);
    if (config.grounded) rows = rows + pose_position.index_select(0, which);
    e = e.index_copy(0, where.to(dev), rows);
  }
  if (!pose_rows.empty())
    e = e.index_copy(0, torch::tensor(pose_rows, torch::kLong).to(dev), pose_position.index_select(0, torch::tensor(pose_at, torch::kLong).to(dev)));
  if (!code_rows.empty()) {
    // Each level's code vector, side by side, through one projection: the pose as the tokenizer sees it.
    const int64_t n = static_cast<int64_t>(code_rows.size());
    const auto k = torch::tensor(codes, torch::kLong).view({n, levels}).to(dev);
    std::vector<torch::Tensor> parts;
    for (int l = 0; l < levels; ++l) parts.push_back(pose_codebooks[l].index_select(0, k.select(1, l)));
    const auto vectors = torch::cat(parts, 1).to(e.dtype());
    const auto at = torch::tensor(code_rows, torch::kLong).to(dev);
    e = e.index_add(0, at, pose_in(vectors).to(e.dtype()));
  }
  e = e.view({static_cast<int64_t>(batch.size()), static_cast<int64_t>(t), config.dim});
  // Pictures: the projected visual tokens take the <image> positions (every sequence of the batch then needs
  // its own, as many as it has <image> positions).
  if (std::any_of(batch.begin(), batch.end(), [](const LmInput& in) { return in.visual.defined(); })) {
    std::vector<torch::Tensor> visual;
    for (const auto& in : batch) visual.push_back(in.visual);
    e = with_visual_tokens(e, batch, config.image_token(), visual);
  }
  return e;
}

torch::Tensor LanguageModelImpl::hidden(const torch::Tensor& x, const std::vector<int>& spans, KvCache* cache, int64_t keep_from) {
  const int64_t t = x.size(1);
  if (static_cast<int64_t>(spans.size()) != t) throw Error("language model: one span id per position is needed");
  if (keep_from < 0 || keep_from >= t) throw Error("language model: keep_from must name one of the input positions");
  const int64_t past = cache ? cache->length() : 0;
  if (past + t > config.max_positions)
    throw Error("the input is too long: " + std::to_string(past + t) + " positions, the model takes " + std::to_string(config.max_positions));
  const auto positions = torch::arange(past, past + t, torch::TensorOptions().dtype(torch::kLong).device(x.device()));
  // New positions see every cached one (they all precede them) and each other by the mixed rule.
  auto allowed = mixed_attention_mask(spans, config.mixed_attention).to(x.device());
  if (past > 0) allowed = torch::cat({torch::ones({t, past}, allowed.options()), allowed}, 1);
  if (cache && cache->keys.empty()) {
    cache->keys.resize(config.layers);
    cache->values.resize(config.layers);
  }
  auto h = x;
  for (int l = 0; l < config.layers; ++l)
    h = layers[l]->as<DecoderLayer>()->forward(h, positions, allowed, cache ? &cache->keys[l] : nullptr, cache ? &cache->values[l] : nullptr,
                                               l + 1 == config.layers ? keep_from : 0);
  return norm(h);
}

torch::Tensor LanguageModelImpl::hidden_masked(const torch::Tensor& x, const torch::Tensor& allowed) {
  const int64_t t = x.size(1);
  if (t > config.max_positions)
    throw Error("the input is too long: " + std::to_string(t) + " positions, the model takes " + std::to_string(config.max_positions));
  if (allowed.dim() != 3 || allowed.size(0) != x.size(0) || allowed.size(1) != t || allowed.size(2) != t)
    throw Error("language model: the attention rules must be [B, T, T]");
  const auto positions = torch::arange(t, torch::TensorOptions().dtype(torch::kLong).device(x.device()));
  const auto rules = allowed.unsqueeze(1);  // one rule for every head
  auto h = x;
  for (int l = 0; l < config.layers; ++l) h = layers[l]->as<DecoderLayer>()->forward(h, positions, rules, nullptr, nullptr);
  return norm(h);
}

std::vector<int64_t> LanguageModelImpl::generate_text(const LmInput& in, int max_new, const std::vector<int64_t>& stop, double temperature,
                                                      double top_p, std::uint64_t seed) {
  if (in.ids.empty()) throw Error("language model: empty prompt");
  torch::NoGradGuard ng;
  std::mt19937_64 rng(seed);
  KvCache cache;
  std::vector<int64_t> out;
  auto h = hidden(embed({in}), in.spans, &cache, static_cast<int64_t>(in.ids.size()) - 1);  // only the last position speaks
  for (int step = 0; step < max_new; ++step) {
    auto logits = linear_forward(h.select(1, h.size(1) - 1), lm_head->weight).squeeze(0).to(torch::kFloat).cpu();  // [V]
    // Text positions never emit the pose-query range; pose codes come from generate_pose.
    int64_t next;
    if (temperature <= 0) {
      next = logits.argmax().item<int64_t>();
    } else {
      auto p = torch::softmax(logits / temperature, 0);
      const auto sorted = p.sort(0, true);
      const auto probs = std::get<0>(sorted), order = std::get<1>(sorted);
      const auto cum = probs.cumsum(0);
      // Nucleus: the smallest set of tokens whose probability reaches top_p.
      const int64_t keep = std::max<int64_t>(1, (cum < top_p).sum().item<int64_t>() + 1);
      const auto kept = probs.narrow(0, 0, keep) / probs.narrow(0, 0, keep).sum();
      std::uniform_real_distribution<double> u(0, 1);
      double r = u(rng), acc = 0;
      int64_t pick = keep - 1;
      auto ka = kept.accessor<float, 1>();
      for (int64_t i = 0; i < keep; ++i) {
        acc += ka[i];
        if (r <= acc) {
          pick = i;
          break;
        }
      }
      next = order[pick].item<int64_t>();
    }
    out.push_back(next);
    if (std::find(stop.begin(), stop.end(), next) != stop.end()) break;
    if (cache.length() + 1 > config.max_positions) break;
    const LmInput step_in = text_input({next});
    h = hidden(embed({step_in}), step_in.spans, &cache);
  }
  return out;
}

std::vector<int64_t> LanguageModelImpl::generate_pose(const LmInput& prompt, const std::vector<int64_t>& start) {
  const auto codes = pose_code_logits(prompt, start).argmax(-1).contiguous();
  return std::vector<int64_t>(codes.data_ptr<int64_t>(), codes.data_ptr<int64_t>() + codes.numel());
}

torch::Tensor LanguageModelImpl::pose_code_logits(const LmInput& prompt_input, const std::vector<int64_t>& start) {
  const auto& prompt = prompt_input.ids;
  if (prompt.empty() || prompt.back() != config.pose_begin()) throw Error("language model: a pose prompt must end with <p>");
  if (prompt_input.spans.size() != prompt.size()) throw Error("language model: one span id per prompt position is needed");
  if (!start.empty() && (!config.grounded || static_cast<int>(start.size()) != config.pose_tokens))
    throw Error("language model: a start pose is for grounded models, " + std::to_string(config.pose_tokens) + " codes");
  torch::NoGradGuard ng;
  const int positions = config.pose_positions(), levels = config.grounded ? config.pose_levels : 1;
  // Scores over the codes of hidden states [..., D] -> [..., levels, K].
  auto code_scores = [&](const torch::Tensor& h) {
    if (config.grounded) return pose_scores(h);
    return linear_forward(h, lm_head->weight.narrow(0, config.text_vocab, config.pose_codes)).to(torch::kFloat).unsqueeze(-2);
  };
  auto with_codes = [&](LmInput in) {  // grounded inputs carry a codes row per position
    if (config.grounded && in.codes.empty()) in.codes.assign(in.ids.size() * levels, -1);
    return in;
  };
  if (config.mixed_attention) {
    LmInput in = with_codes(prompt_input);
    const int span = 1 + *std::max_element(in.spans.begin(), in.spans.end());
    for (int q = 0; q < positions; ++q) {
      in.ids.push_back(-(q + 1));
      in.spans.push_back(span);
      if (config.grounded)
        for (int l = 0; l < levels; ++l) in.codes.push_back(start.empty() ? -1 : start[q * levels + l]);
    }
    const auto h = hidden(embed({in}), in.spans, nullptr, static_cast<int64_t>(prompt.size()));  // the query positions
    return code_scores(h).squeeze(0).reshape({positions * levels, config.pose_codes}).cpu();
  }
  // Causal ablation: one pose position per forward step, its best codes fed back.
  KvCache cache;
  const LmInput first = with_codes(prompt_input);
  auto h = hidden(embed({first}), first.spans, &cache, static_cast<int64_t>(prompt.size()) - 1);
  std::vector<torch::Tensor> rows;
  for (int q = 0; q < positions; ++q) {
    rows.push_back(code_scores(h.select(1, h.size(1) - 1)).squeeze(0));  // [levels, K]
    if (q + 1 == positions) break;
    const auto best = rows.back().argmax(-1);
    LmInput step;
    step.spans = {0};
    if (config.grounded) {
      step.ids = {LmConfig::kPosePosition + q};
      for (int l = 0; l < levels; ++l) step.codes.push_back(best[l].item<int64_t>());
    } else {
      step.ids = {config.pose_code_id(static_cast<int>(best[0].item<int64_t>()))};
    }
    h = hidden(embed({step}), step.spans, &cache);
  }
  return torch::stack(rows).reshape({positions * levels, config.pose_codes}).cpu();
}

}  // namespace unipose::nn
