// The pose tokenizer (VQ-VAE): 22 joints x 6D rotations -> Lp discrete tokens -> 22 x 6D. A 1D-conv encoder
// stretches the joint axis to Lp positions, residual dilated conv blocks, a nearest-codebook quantiser with
// EMA updates and dead-code reset, and a mirror decoder (DESIGN.md "Models").
#pragma once

#include <string>

#include <torch/nn.h>

namespace unipose::nn {

struct VqVaeConfig {
  int joints = 22;            // root + 21 body joints
  int tokens = 80;            // Lp
  int codebook_size = 2048;
  int code_dim = 256;
  int width = 512;
  int blocks = 3;             // residual blocks (dilations 1, 3, 9, ...)
  // Residual quantisation depth R: the encoder gives tokens / R latent positions, each quantised by R
  // codebooks in turn (each one codes what the previous left), so a pose is still `tokens` ids in
  // [0, codebook_size), position-major. R = 1 is the plain VQ-VAE of the paper.
  int residual_levels = 1;
  double ema_decay = 0.99;
  double dead_code_threshold = 1.0;  // EMA usage below this gets a code reset to a recent encoder output

  static VqVaeConfig paper();  // Lp 80, codebook 2048, code dim 256, width 512
  static VqVaeConfig small();  // the shipped CPU-trainable default
  int positions() const { return tokens / residual_levels; }
  std::string to_json() const;
  static VqVaeConfig from_json(const std::string& text, const std::string& where);
};

struct ResBlockImpl : torch::nn::Module {
  ResBlockImpl(int width, int dilation);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Conv1d conv1{nullptr}, conv2{nullptr};
};
TORCH_MODULE(ResBlock);

// Nearest-neighbour quantiser; the codebook follows exponential moving averages of its assigned vectors.
struct QuantizerImpl : torch::nn::Module {
  QuantizerImpl(int codebook_size, int code_dim, double decay, double dead_threshold);
  struct Output {
    torch::Tensor quantized;   // straight-through [N, D]
    torch::Tensor indices;     // [N]
    torch::Tensor commitment;  // scalar
    torch::Tensor perplexity;  // scalar
  };
  Output forward(const torch::Tensor& z);  // z [N, D]
  torch::Tensor lookup(const torch::Tensor& indices);  // [N] -> [N, D]
  torch::Tensor codebook, cluster_size, embed_sum, initialised;
  double decay, dead_threshold;
};
TORCH_MODULE(Quantizer);

struct PoseVqVaeImpl : torch::nn::Module {
  explicit PoseVqVaeImpl(const VqVaeConfig& config);
  struct Output {
    torch::Tensor rot6d;       // [B, J, 6] reconstruction
    torch::Tensor indices;     // [B, Lp]
    torch::Tensor commitment, perplexity;
  };
  Output forward(const torch::Tensor& rot6d);        // [B, J, 6]
  torch::Tensor encode(const torch::Tensor& rot6d);  // -> token ids [B, Lp]
  torch::Tensor decode(const torch::Tensor& ids);    // [B, Lp] -> [B, J, 6]
  // Decoding from a distribution over the codes of every token [B, Lp, K] (rows sum to 1): each token's
  // code vector is the probability-weighted mean of its codebook, so an uncertain token adds the mean of
  // what it might be instead of one guess. One-hot rows give exactly decode(ids).
  torch::Tensor decode_probabilities(const torch::Tensor& probabilities);
  // Every level's codebook [residual_levels, codebook_size, code_dim] (a copy).
  torch::Tensor codebooks();
  // The encoder output before quantisation, one row per latent position [B * P, D] (for tests and analysis).
  torch::Tensor encode_continuous_for_test(const torch::Tensor& rot6d) {
    return encode_continuous(rot6d).permute({0, 2, 1}).reshape({-1, config.code_dim});
  }
  Quantizer level(int l);  // quantiser of residual level l

  VqVaeConfig config;
  torch::nn::Conv1d enc_in{nullptr}, enc_out{nullptr}, dec_in{nullptr}, dec_out{nullptr};
  torch::nn::ModuleList enc_blocks, dec_blocks;
  Quantizer quantizer{nullptr};          // level 0
  torch::nn::ModuleList residual_quantizers;  // levels 1 .. R-1

 private:
  torch::Tensor encode_continuous(const torch::Tensor& rot6d);  // [B, D, Lp]
  torch::Tensor decode_continuous(const torch::Tensor& z);      // [B, D, Lp] -> [B, J, 6]
};
TORCH_MODULE(PoseVqVae);

}  // namespace unipose::nn
