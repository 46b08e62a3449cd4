#include "core/nn/pose_vqvae.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io/json_fields.h"
#include "core/nn/precision.h"

namespace unipose::nn {

namespace F = torch::nn::functional;

VqVaeConfig VqVaeConfig::paper() { return VqVaeConfig{}; }

VqVaeConfig VqVaeConfig::small() {
  // Measured on the 20k corpus, 1500 CPU steps (docs/conventions.md): residual quantisation over 20 positions
  // x 4 levels reaches 26 mm val MPJPE where plain VQ over 80 positions reaches 65 mm, at a third of the cost;
  // width 256 and lr 1e-3 each take off a few more mm.
  VqVaeConfig c;
  c.codebook_size = 512;
  c.code_dim = 64;
  c.width = 256;
  c.blocks = 2;
  c.residual_levels = 4;
  return c;
}

std::string VqVaeConfig::to_json() const {
  nlohmann::ordered_json j;
  j["architecture"] = "unipose.pose_vqvae/1";
  j["joints"] = joints;
  j["tokens"] = tokens;
  j["codebook_size"] = codebook_size;
  j["code_dim"] = code_dim;
  j["width"] = width;
  j["blocks"] = blocks;
  j["residual_levels"] = residual_levels;
  j["ema_decay"] = ema_decay;
  j["dead_code_threshold"] = dead_code_threshold;
  return j.dump(2);
}

VqVaeConfig VqVaeConfig::from_json(const std::string& text, const std::string& where) {
  const nlohmann::json j = io::parse_json(text, where);
  if (!j.is_object() || io::json_string(j, "architecture", "", where) != "unipose.pose_vqvae/1") fail(where, "not a pose tokenizer config");
  VqVaeConfig c;
  auto get = [&](const char* key, int lo, int hi) { return io::json_int(j, key, lo, hi, where); };
  c.joints = get("joints", 22, 22);
  c.tokens = get("tokens", 1, 4096);
  c.codebook_size = get("codebook_size", 2, 1 << 20);
  c.code_dim = get("code_dim", 1, 8192);
  c.width = get("width", 1, 8192);
  c.blocks = get("blocks", 0, 64);
  c.residual_levels = io::json_int(j, "residual_levels", 1, 1, 64, where);
  if (c.tokens % c.residual_levels) fail(where, "'tokens' must be a multiple of 'residual_levels'");
  c.ema_decay = io::json_real(j, "ema_decay", 0.99, 0, 1, where);
  c.dead_code_threshold = io::json_real(j, "dead_code_threshold", 1.0, 0, 1e9, where);
  // The memory the sizes imply: codebooks with their running sums, and the convolution stacks.
  const double w = c.width, floats = c.residual_levels * (2.0 * c.codebook_size * c.code_dim + c.codebook_size) + 2.0 * (c.blocks + 2) * 4 * w * w * 3 +
                                     2.0 * w * (c.joints * 6 + c.code_dim) * 3;
  if (floats > 1e9)
    fail(where, "the sizes ask for about " + std::to_string(static_cast<long long>(floats * 4 / (1 << 30))) + " GiB of weights (" +
                    std::to_string(static_cast<long long>(floats / 1e6)) + " million floats), more than the 1000 million this program builds");
  return c;
}

ResBlockImpl::ResBlockImpl(int width, int dilation) {
  conv1 = register_module("conv1", torch::nn::Conv1d(torch::nn::Conv1dOptions(width, width, 3).dilation(dilation).padding(dilation)));
  conv2 = register_module("conv2", torch::nn::Conv1d(torch::nn::Conv1dOptions(width, width, 1)));
}

torch::Tensor ResBlockImpl::forward(const torch::Tensor& x) { return x + conv2(torch::relu(conv1(torch::relu(x)))); }

QuantizerImpl::QuantizerImpl(int k, int d, double decay_, double dead) : decay(decay_), dead_threshold(dead) {
  codebook = register_buffer("codebook", torch::randn({k, d}) * 0.01);
  cluster_size = register_buffer("cluster_size", torch::zeros({k}));
  embed_sum = register_buffer("embed_sum", codebook.clone());
  initialised = register_buffer("initialised", torch::zeros({1}));
}

torch::Tensor QuantizerImpl::lookup(const torch::Tensor& indices) { return codebook.index_select(0, indices.reshape({-1})); }

QuantizerImpl::Output QuantizerImpl::forward(const torch::Tensor& z) {
  const int64_t k = codebook.size(0);
  if (is_training() && initialised.item<float>() == 0) {
    // Start the codebook on encoder outputs, so every code begins where the data is.
    torch::NoGradGuard ng;
    const auto pick = torch::randint(z.size(0), {k}, torch::TensorOptions().dtype(torch::kLong).device(z.device()));
    codebook.copy_(z.detach().index_select(0, pick));
    embed_sum.copy_(codebook);
    cluster_size.fill_(1.0);
    initialised.fill_(1.0);
  }
  const auto d = z.pow(2).sum(1, true) - 2 * torch::matmul(z, codebook.t()) + codebook.pow(2).sum(1).unsqueeze(0);
  const auto idx = d.argmin(1);
  const auto zq = codebook.index_select(0, idx);
  Output out;
  const auto onehot = F::one_hot(idx, k).to(z.dtype());
  const auto usage = onehot.mean(0);
  out.perplexity = torch::exp(-(usage * torch::log(usage + 1e-10)).sum());
  if (is_training()) {
    torch::NoGradGuard ng;
    cluster_size.mul_(decay).add_(onehot.sum(0), 1 - decay);
    embed_sum.mul_(decay).add_(torch::matmul(onehot.t(), z.detach()), 1 - decay);
    const auto n = cluster_size.sum();
    const auto smoothed = (cluster_size + 1e-5) / (n + k * 1e-5) * n;
    codebook.copy_(embed_sum / smoothed.unsqueeze(1));
    // Dead codes: move them onto random encoder outputs of this batch.
    const auto dead = (cluster_size < dead_threshold).nonzero().reshape({-1});
    if (dead.numel() > 0) {
      const auto pick = torch::randint(z.size(0), {dead.size(0)}, torch::TensorOptions().dtype(torch::kLong).device(z.device()));
      const auto fresh = z.detach().index_select(0, pick);
      codebook.index_copy_(0, dead, fresh);
      embed_sum.index_copy_(0, dead, fresh);
      cluster_size.index_fill_(0, dead, 1.0);
    }
  }
  out.commitment = F::mse_loss(z, zq.detach());
  out.quantized = z + (zq - z).detach();
  out.indices = idx;
  return out;
}

PoseVqVaeImpl::PoseVqVaeImpl(const VqVaeConfig& c) : config(c) {
  if (c.residual_levels < 1 || c.tokens % c.residual_levels)
    throw Error("pose tokenizer: tokens (" + std::to_string(c.tokens) + ") must be a multiple of residual_levels (" +
                std::to_string(c.residual_levels) + ")");
  enc_in = register_module("enc_in", torch::nn::Conv1d(torch::nn::Conv1dOptions(6, c.width, 3).padding(1)));
  enc_out = register_module("enc_out", torch::nn::Conv1d(torch::nn::Conv1dOptions(c.width, c.code_dim, 1)));
  dec_in = register_module("dec_in", torch::nn::Conv1d(torch::nn::Conv1dOptions(c.code_dim, c.width, 3).padding(1)));
  dec_out = register_module("dec_out", torch::nn::Conv1d(torch::nn::Conv1dOptions(c.width, 6, 3).padding(1)));
  int dilation = 1;
  for (int b = 0; b < c.blocks; ++b, dilation *= 3) {
    enc_blocks->push_back(ResBlock(c.width, dilation));
    dec_blocks->push_back(ResBlock(c.width, dilation));
  }
  register_module("enc_blocks", enc_blocks);
  register_module("dec_blocks", dec_blocks);
  quantizer = register_module("quantizer", Quantizer(c.codebook_size, c.code_dim, c.ema_decay, c.dead_code_threshold));
  for (int l = 1; l < c.residual_levels; ++l)
    residual_quantizers->push_back(Quantizer(c.codebook_size, c.code_dim, c.ema_decay, c.dead_code_threshold));
  if (c.residual_levels > 1) register_module("residual_quantizers", residual_quantizers);
}

Quantizer PoseVqVaeImpl::level(int l) {
  return l == 0 ? quantizer : Quantizer(residual_quantizers->ptr<QuantizerImpl>(l - 1));
}

torch::Tensor PoseVqVaeImpl::encode_continuous(const torch::Tensor& rot6d) {
  auto x = enc_in(rot6d.permute({0, 2, 1}));  // [B, W, J]
  x = F::interpolate(x, F::InterpolateFuncOptions().size(std::vector<int64_t>{config.positions()}).mode(torch::kLinear).align_corners(true));
  for (const auto& block : *enc_blocks) x = block->as<ResBlock>()->forward(x);
  return enc_out(torch::relu(x));  // [B, D, P]
}

torch::Tensor PoseVqVaeImpl::decode_continuous(const torch::Tensor& z) {
  auto x = dec_in(z);
  for (const auto& block : *dec_blocks) x = block->as<ResBlock>()->forward(x);
  x = F::interpolate(torch::relu(x), F::InterpolateFuncOptions().size(std::vector<int64_t>{config.joints}).mode(torch::kLinear).align_corners(true));
  return dec_out(x).permute({0, 2, 1});  // [B, J, 6]
}

PoseVqVaeImpl::Output PoseVqVaeImpl::forward(const torch::Tensor& rot6d) {
  const auto z = encode_continuous(rot6d);  // [B, D, P]
  const int64_t b = z.size(0), p = config.positions();
  Output out;
  torch::Tensor quantized;
  {
    Fp32Scope fp32;  // nearest-code search and codebook statistics in full precision
    const auto flat = z.permute({0, 2, 1}).reshape({-1, config.code_dim}).to(torch::kFloat);
    // Residual quantisation: level l codes what levels < l left; the straight-through estimate passes the
    // decoder's gradient to the encoder output once.
    auto residual = flat;
    auto sum = torch::zeros_like(flat);
    std::vector<torch::Tensor> ids;
    out.commitment = torch::zeros({}, flat.options());
    out.perplexity = torch::zeros({}, flat.options());
    for (int l = 0; l < config.residual_levels; ++l) {
      const auto q = level(l)->forward(residual);
      const auto zq = q.quantized.detach();  // its value is the chosen code
      sum = sum + zq;
      residual = residual - zq;
      ids.push_back(q.indices);
      out.commitment = out.commitment + q.commitment;
      out.perplexity = out.perplexity + q.perplexity / config.residual_levels;
    }
    quantized = flat + (sum - flat).detach();
    out.indices = torch::stack(ids, 1).reshape({b, config.tokens});  // [B*P, R] -> position-major
  }
  out.rot6d = decode_continuous(quantized.reshape({b, p, config.code_dim}).permute({0, 2, 1}));
  return out;
}

torch::Tensor PoseVqVaeImpl::encode(const torch::Tensor& rot6d) {
  const auto z = encode_continuous(rot6d);
  auto residual = z.permute({0, 2, 1}).reshape({-1, config.code_dim});
  std::vector<torch::Tensor> ids;
  for (int l = 0; l < config.residual_levels; ++l) {
    const auto cb = level(l)->codebook;
    const auto d = residual.pow(2).sum(1, true) - 2 * torch::matmul(residual, cb.t()) + cb.pow(2).sum(1).unsqueeze(0);
    const auto idx = d.argmin(1);
    residual = residual - cb.index_select(0, idx);
    ids.push_back(idx);
  }
  return torch::stack(ids, 1).reshape({z.size(0), config.tokens});
}

torch::Tensor PoseVqVaeImpl::decode(const torch::Tensor& ids) {
  if ((ids < 0).any().item<bool>() || (ids >= config.codebook_size).any().item<bool>())
    throw Error("token ids must lie in [0, " + std::to_string(config.codebook_size) + ")");
  const int64_t b = ids.size(0), p = config.positions();
  const auto per_level = ids.reshape({b * p, config.residual_levels});
  auto zq = torch::zeros({b * p, config.code_dim}, quantizer->codebook.options());
  for (int l = 0; l < config.residual_levels; ++l) zq = zq + level(l)->lookup(per_level.select(1, l).contiguous());
  return decode_continuous(zq.reshape({b, p, config.code_dim}).permute({0, 2, 1}));
}

torch::Tensor PoseVqVaeImpl::codebooks() {
  std::vector<torch::Tensor> out;
  for (int l = 0; l < config.residual_levels; ++l) out.push_back(level(l)->codebook.detach().clone());
  return torch::stack(out);
}

torch::Tensor PoseVqVaeImpl::decode_probabilities(const torch::Tensor& probs) {
  if (probs.dim() != 3 || probs.size(1) != config.tokens || probs.size(2) != config.codebook_size)
    throw Error("code probabilities must be [B, " + std::to_string(config.tokens) + ", " + std::to_string(config.codebook_size) + "]");
  const int64_t b = probs.size(0), p = config.positions();
  const auto per_level = probs.to(quantizer->codebook.dtype()).reshape({b * p, config.residual_levels, config.codebook_size});
  auto zq = torch::zeros({b * p, config.code_dim}, quantizer->codebook.options());
  for (int l = 0; l < config.residual_levels; ++l) zq = zq + torch::matmul(per_level.select(1, l), level(l)->codebook);
  return decode_continuous(zq.reshape({b, p, config.code_dim}).permute({0, 2, 1}));
}

}  // namespace unipose::nn
