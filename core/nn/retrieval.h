// Retrieval models, used only to measure the generators (DESIGN.md "Retrieval model"): a pose encoder (or a
// pose-pair encoder) and a text encoder map into one space of unit vectors; trained with a batch contrastive
// loss whose temperature is learned (a logit scale initialised at 10).
//
// Poses enter as root + 21 body joints in 6D, facing +z as the corpus does (see heading_normalised_rot6d).
// Text enters as lower-case words (text::tokenize_words) through the model's own word vocabulary.
#pragma once

#include <string>
#include <vector>

#include <torch/nn.h>

#include "core/pose/pose.h"

namespace unipose::nn {

struct RetrievalConfig {
  std::string kind = "pose_text";  // "pose_text" or "pair_text"
  int feature_dim = 512;
  int pose_width = 512, pose_blocks = 2;
  int text_width = 256, text_layers = 2, text_heads = 4, max_words = 96;
  std::vector<std::string> vocabulary;  // index 0 = <pad>, 1 = <unk>

  std::string to_json() const;  // everything but the vocabulary (vocab.json)
  static RetrievalConfig from_json(const std::string& text, const std::string& where);
  bool pairs() const { return kind == "pair_text"; }
};

// Word ids of a text (unknown words -> 1), at most max_words.
std::vector<int64_t> encode_words(const RetrievalConfig& config, const std::string& text);
// A batch of texts -> ids [B, L] padded with 0, L = the longest (at least 1).
torch::Tensor encode_texts(const RetrievalConfig& config, const std::vector<std::string>& texts);
// The vocabulary of a set of texts: <pad>, <unk>, then words seen at least `min_count` times, sorted.
std::vector<std::string> build_vocabulary(const std::vector<std::string>& texts, int min_count = 1);

struct PoseEncoderImpl : torch::nn::Module {
  PoseEncoderImpl(int width, int blocks, int out_dim);
  torch::Tensor forward(const torch::Tensor& rot6d);  // [B, 22, 6] -> [B, out]
  torch::nn::Linear in{nullptr}, out{nullptr};
  torch::nn::ModuleList blocks;
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(PoseEncoder);

struct TextEncoderImpl : torch::nn::Module {
  TextEncoderImpl(int vocab, int width, int layers, int heads, int max_words, int out_dim);
  torch::Tensor forward(const torch::Tensor& ids);  // [B, L] (0 = padding) -> [B, out], mean over words
  torch::nn::Embedding words{nullptr}, positions{nullptr};
  torch::nn::TransformerEncoder encoder{nullptr};
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear out{nullptr};
};
TORCH_MODULE(TextEncoder);

struct RetrievalModelImpl : torch::nn::Module {
  explicit RetrievalModelImpl(const RetrievalConfig& config);
  torch::Tensor encode_poses(const torch::Tensor& rot6d);                            // pose_text: [B, D] unit
  torch::Tensor encode_pairs(const torch::Tensor& rot6d_a, const torch::Tensor& rot6d_b);  // pair_text
  torch::Tensor encode_texts(const torch::Tensor& ids);                               // [B, D] unit
  // Symmetric cross-entropy of scale * cosine similarities over the batch (matching rows are positives).
  torch::Tensor contrastive_loss(const torch::Tensor& pose_features, const torch::Tensor& text_features);

  RetrievalConfig config;
  PoseEncoder pose{nullptr};
  torch::nn::Sequential fuse{nullptr};  // pair_text: [f_a, f_b, f_b - f_a] -> D
  TextEncoder text{nullptr};
  torch::Tensor log_scale;
};
TORCH_MODULE(RetrievalModel);

// CLIP's symmetric contrastive loss: cross-entropy of exp(log_scale) (the scale kept within 1..100) times the
// cosine similarities of unit features a [B, D] and b [B, D], both ways; row i of a and of b belong together.
torch::Tensor contrastive_loss(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& log_scale);

// Poses -> [B, 22, 6] with each pose's heading removed (facing +z, as the corpus and the models expect).
torch::Tensor heading_normalised_rot6d(const std::vector<pose::Pose>& poses);
// Pairs: both poses turned by A's heading, so a turn from A to B survives.
std::pair<torch::Tensor, torch::Tensor> heading_normalised_pairs(const std::vector<pose::Pose>& a, const std::vector<pose::Pose>& b);

// Bundle: config.json, vocab.json, model.safetensors, MODEL_CARD.md, SHA256SUMS.
void save_retrieval_bundle(const std::string& dir, RetrievalModel& model, const std::string& model_card, bool half);
RetrievalModel load_retrieval_bundle(const std::string& dir);

// Unit features of poses [N, 22, 6], pairs and texts, computed in batches without gradients on the model's
// device and returned on the CPU.
torch::Tensor pose_features(RetrievalModel& model, const torch::Tensor& rot6d);
torch::Tensor pair_features(RetrievalModel& model, const torch::Tensor& rot6d_a, const torch::Tensor& rot6d_b);
torch::Tensor text_features(RetrievalModel& model, const std::vector<std::string>& texts);

}  // namespace unipose::nn
