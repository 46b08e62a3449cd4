// The UniPose language model (DESIGN.md "Language model"): a decoder-only transformer in the LLaMA style
// (RMSNorm, rotary positions, SwiGLU) over one vocabulary of text pieces, pose codes and special tokens, with
// *mixed attention*: text attends causally; the positions of a pose span (pose codes, or the Lp learned pose
// queries) attend to each other in both directions and to everything before the span, never after it.
// Pose generation appends the Lp queries after `<p>` and reads all Lp codes from one forward pass. The causal
// configuration (mixed_attention = false) is the ablation that generates pose codes one by one.
//
// Parameter names follow Hugging Face's LLaMA layout (embed_tokens, layers.N.self_attn.q_proj, ..., norm,
// lm_head) so real checkpoints map onto the module by name.
//
// Two ways of reading and writing poses. Architecture 1 (the paper's): each of the Lp pose codes is a token of
// the vocabulary with an embedding learned from scratch, and the output layer scores them. Architecture 2,
// "grounded": one position per latent position of the pose tokenizer, embedded from the tokenizer's own
// codebook vectors of all its residual levels (so a pose means its geometry from the first step), and pose
// answers scored per level against those codebooks; an edit's queries start from the input pose, so what the
// words leave alone is there to copy (docs/language_model.md, "Grounded pose tokens").
#pragma once

#include <string>
#include <vector>

#include <torch/nn.h>

namespace unipose::nn {

struct LmConfig {
  int text_vocab = 1000;     // text pieces: ids [0, text_vocab)
  int pose_codes = 512;      // pose codes: ids [text_vocab, text_vocab + pose_codes)
  int pose_tokens = 80;      // Lp: codes per pose, and learned pose queries
  int dim = 256, layers = 4, heads = 4, kv_heads = 4, hidden = 688;
  int max_positions = 1024;
  double rope_theta = 10000, norm_eps = 1e-5;
  bool mixed_attention = true;
  bool grounded = false;  // architecture 2
  int pose_levels = 1;    // grounded: residual levels of the pose tokenizer (codes per position)
  int code_dim = 0;       // grounded: its code vector size

  // Positions of a pose in a sequence (and pose queries): one per code, or one per latent position.
  int pose_positions() const { return pose_tokens / pose_levels; }
  // Pose codes as tokens of the vocabulary (architecture 1 only).
  int code_ids() const { return grounded ? 0 : pose_codes; }
  // Grounded pose positions in a sequence carry this id plus their position (their codes ride beside).
  static constexpr int64_t kPosePosition = -(int64_t{1} << 40);
  // Special tokens after the text (and, architecture 1, the pose codes).
  int pose_begin() const { return text_vocab + code_ids(); }  // <p>
  int pose_end() const { return pose_begin() + 1; }           // </p>
  int image_token() const { return pose_begin() + 2; }        // <image> placeholder
  int vocab() const { return pose_begin() + 3; }
  int pose_code_id(int code) const { return text_vocab + code; }

  // Parameters a model of this config holds (embeddings, layers, head, grounded pose layers and the
  // codebooks they read).
  int64_t parameter_count() const;
  // The most parameters this program builds (64 Gi, more than LLaMA-65B).
  static constexpr int64_t kMaxParameters = int64_t{1} << 36;
  // Refuses, before any memory is taken, a config of more than kMaxParameters or whose float weights would
  // not fit in this machine's memory; `where` names the file.
  void check_size(const std::string& where) const;

  std::string to_json() const;
  // Checks every field: type, range, the shapes' consistency and the memory the sizes imply; `where` names
  // the file in errors.
  static LmConfig from_json(const std::string& text, const std::string& where);
};

// Attention rule for a sequence whose positions carry span ids: 0 = text (causal), k > 0 = bidirectional span
// k. Returns allowed[i][j] (bool [T, T]): j <= i, or i and j in the same span. With mixed = false, j <= i only.
at::Tensor mixed_attention_mask(const std::vector<int>& span_ids, bool mixed = true);

struct RmsNormImpl : torch::nn::Module {
  RmsNormImpl(int dim, double eps);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight;
  double eps;
};
TORCH_MODULE(RmsNorm);

// Keys and values of earlier positions, per layer, for incremental decoding.
struct KvCache {
  std::vector<torch::Tensor> keys, values;  // per layer [B, kv_heads, T, head_dim]
  int64_t length() const { return keys.empty() || !keys[0].defined() ? 0 : keys[0].size(2); }
};

// LoRA: a low-rank update scale * B A beside a frozen projection (B starts at zero, so a fresh adapter
// changes nothing). Merging folds it into the projection's weight for inference.
struct LoraImpl : torch::nn::Module {
  LoraImpl(int in, int out, int rank, double alpha);
  torch::Tensor forward(const torch::Tensor& x) { return torch::matmul(torch::matmul(x, A.t()), B.t()) * scale; }
  torch::Tensor delta() const { return torch::matmul(B, A) * scale; }  // [out, in]
  torch::Tensor A, B;
  double scale;
};
TORCH_MODULE(Lora);

struct LoraOptions {
  int rank = 8;
  double alpha = 16;
  std::vector<std::string> targets = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
};

// x W^T without a bias. In inference on the CPU (float32, no gradients) it picks the kernel by the number of
// rows: one row (a generation step) as a matrix-vector product, a few dozen rows or more (a prompt, the pose
// queries) through oneDNN when LibTorch has it; otherwise, and always in training, torch's linear.
torch::Tensor linear_forward(const torch::Tensor& x, const torch::Tensor& weight);

// A projection with an optional LoRA adapter.
torch::Tensor project(torch::nn::Linear& linear, Lora& lora, const torch::Tensor& x);

struct AttentionImpl : torch::nn::Module {
  explicit AttentionImpl(const LmConfig& c);
  // x [B, T, D]; positions [T]; allowed [T, T_total] (T_total = cached + T); cache updated when given.
  // Outputs [B, T - keep_from, D]: only positions keep_from.. ask (keys and values still come from all T).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& positions, const torch::Tensor& allowed,
                        torch::Tensor* cache_k, torch::Tensor* cache_v, int64_t keep_from = 0);
  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
  Lora q_lora{nullptr}, k_lora{nullptr}, v_lora{nullptr}, o_lora{nullptr};
  int heads, kv_heads, head_dim;
  double theta;
};
TORCH_MODULE(Attention);

struct FeedForwardImpl : torch::nn::Module {  // SwiGLU
  FeedForwardImpl(int dim, int hidden);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
  Lora gate_lora{nullptr}, up_lora{nullptr}, down_lora{nullptr};
};
TORCH_MODULE(FeedForward);

struct DecoderLayerImpl : torch::nn::Module {
  explicit DecoderLayerImpl(const LmConfig& c);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& positions, const torch::Tensor& allowed,
                        torch::Tensor* cache_k, torch::Tensor* cache_v, int64_t keep_from = 0);
  Attention self_attn{nullptr};
  FeedForward mlp{nullptr};
  RmsNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
};
TORCH_MODULE(DecoderLayer);

// One sequence element: a token id, or (id < 0) the learned pose query number -id-1, or (grounded) pose
// position p, id kPosePosition + p.
struct LmInput {
  std::vector<int64_t> ids;   // token ids; -(q+1) for pose query q
  std::vector<int> spans;     // span id per position (0 text, > 0 a bidirectional span)
  // Grounded only: pose_levels codes per position (-1 where none): a pose position's codes, or the codes a
  // query starts from (an edit's input pose). Empty when there are none.
  std::vector<int64_t> codes;
  // The visual branch's projected tokens [N, D] for the <image> positions, in order (nn/visual_projector.h);
  // undefined: an <image> position keeps the token's own embedding.
  torch::Tensor visual;
};
// Text positions only (no pose span, no codes).
inline LmInput text_input(const std::vector<int64_t>& ids) { return LmInput{ids, std::vector<int>(ids.size(), 0), {}, {}}; }

struct LanguageModelImpl : torch::nn::Module {
  explicit LanguageModelImpl(const LmConfig& config);
  // Embeddings of a batch of inputs of equal length [B, T, D] (queries take their learned embedding).
  torch::Tensor embed(const std::vector<LmInput>& batch);
  // Hidden states after the final norm [B, T, D], positions start at `cache->length()` when a cache is given.
  // With keep_from > 0 only positions keep_from..T-1 come back [B, T - keep_from, D]; the last layer then
  // skips the rest (the cache still gets every position).
  torch::Tensor hidden(const torch::Tensor& embeddings, const std::vector<int>& spans, KvCache* cache = nullptr, int64_t keep_from = 0);
  // The same for a batch whose sequences have their own attention rules: allowed [B, T, T] (training).
  torch::Tensor hidden_masked(const torch::Tensor& embeddings, const torch::Tensor& allowed);
  torch::Tensor logits(const torch::Tensor& hidden) { return lm_head(hidden); }
  // Grounded: pose-code scores of hidden states [..., D] -> [..., pose_levels, pose_codes], per level against
  // its codebook (a learned scale and bias per code beside the dot products).
  torch::Tensor pose_scores(const torch::Tensor& hidden);
  // Grounded: the pose tokenizer's codebooks [pose_levels, pose_codes, code_dim] (a copy; frozen).
  void set_codebooks(const torch::Tensor& codebooks);

  // Text continuation: greedy when temperature <= 0, else sampling with temperature and nucleus top_p.
  // Stops at any of `stop` or after max_new tokens; uses the KV cache. Returns the new ids. The prompt's
  // spans are those it was trained with (a pose span attends both ways); a plain id list is all text.
  std::vector<int64_t> generate_text(const LmInput& prompt, int max_new, const std::vector<int64_t>& stop, double temperature = 0,
                                     double top_p = 1, std::uint64_t seed = 0);
  std::vector<int64_t> generate_text(const std::vector<int64_t>& prompt, int max_new, const std::vector<int64_t>& stop,
                                     double temperature = 0, double top_p = 1, std::uint64_t seed = 0) {
    return generate_text(text_input(prompt), max_new, stop, temperature, top_p, seed);
  }
  // Pose codes for a prompt that ends with <p>: mixed attention fills all the queries in one forward pass;
  // the causal configuration generates them one by one with the KV cache. Returns Lp codes in [0, pose_codes),
  // position-major as the pose tokenizer orders them. `start` (grounded, optional): Lp codes the queries
  // start from (an edit's input pose).
  std::vector<int64_t> generate_pose(const LmInput& prompt, const std::vector<int64_t>& start = {});
  std::vector<int64_t> generate_pose(const std::vector<int64_t>& prompt) { return generate_pose(text_input(prompt)); }
  // The same generation, returning the scores over the pose codes of each of the Lp codes [Lp, pose_codes]
  // (float, on the CPU); their argmax is generate_pose's answer.
  torch::Tensor pose_code_logits(const LmInput& prompt, const std::vector<int64_t>& start = {});
  torch::Tensor pose_code_logits(const std::vector<int64_t>& prompt) { return pose_code_logits(text_input(prompt)); }

  // LoRA: adds adapters to the target projections of every layer and freezes everything else (the pose
  // queries stay trainable: they are new to any pretrained model). merge_lora folds them into the weights.
  void add_lora(const LoraOptions& options);
  void merge_lora();
  bool has_lora() const;

  LmConfig config;
  torch::nn::Embedding embed_tokens{nullptr};
  torch::Tensor pose_queries;  // [pose_positions, D]
  // Grounded only.
  torch::Tensor pose_codebooks;         // [levels, codes, code_dim], a buffer
  torch::nn::Linear pose_in{nullptr};   // levels * code_dim -> D
  torch::Tensor pose_position;          // [pose_positions, D]
  torch::nn::Linear pose_out{nullptr};  // D -> levels * code_dim
  torch::Tensor code_bias;              // [levels, codes]
  torch::Tensor code_log_scale;         // [levels]
  torch::nn::ModuleList layers;
  RmsNorm norm{nullptr};
  torch::nn::Linear lm_head{nullptr};
};
TORCH_MODULE(LanguageModel);

}  // namespace unipose::nn
