// A tiny LLaMA-family checkpoint in Hugging Face's layout, written by tests that load real checkpoints.
#pragma once

#include <torch/torch.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <string>

#include "core/io/files.h"
#include "core/io/safetensors.h"

namespace unipose::testing {

inline unipose::io::TensorBytes bytes_of(const torch::Tensor& t, const std::string& dtype) {
  const auto c = t.to(dtype == "BF16" ? torch::kBFloat16 : dtype == "F16" ? torch::kHalf : torch::kFloat).contiguous();
  unipose::io::TensorBytes b;
  b.dtype = dtype;
  b.shape = c.sizes().vec();
  b.data.resize(c.numel() * c.element_size());
  std::memcpy(b.data.data(), c.data_ptr(), b.data.size());
  return b;
}

// A tiny checkpoint in Hugging Face's LLaMA layout: 2 layers, grouped-query attention, bf16 and f32 tensors over
// two shards. Returns the tensors as written (in float).
inline std::map<std::string, torch::Tensor> write_hf_llama_checkpoint(const std::string& dir, bool with_head, int vocab = 40,
                                                                      int max_positions = 256) {
  std::filesystem::create_directories(dir);
  const int dim = 32, layers = 2, heads = 4, kv = 2, hidden = 48, hd = dim / heads;
  unipose::io::write_file_atomic(dir + "/config.json", "{\"architectures\": [\"LlamaForCausalLM\"], \"vocab_size\": " + std::to_string(vocab) + ", \"hidden_size\": 32, "
                                              "\"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"num_key_value_heads\": 2, "
                                              "\"intermediate_size\": 48, \"max_position_embeddings\": " + std::to_string(max_positions) + ", \"rms_norm_eps\": 1e-6, "
                                              "\"rope_theta\": 10000.0, \"tie_word_embeddings\": " + std::string(with_head ? "false" : "true") + "}");
  torch::manual_seed(12);
  std::map<std::string, torch::Tensor> w;
  auto bf = [](torch::Tensor t) { return t.to(torch::kBFloat16).to(torch::kFloat); };  // values exactly representable in bf16
  w["model.embed_tokens.weight"] = bf(torch::randn({vocab, dim}));
  if (with_head) w["lm_head.weight"] = bf(torch::randn({vocab, dim}));
  w["model.norm.weight"] = torch::rand({dim}) + 0.5;
  for (int l = 0; l < layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    w[p + "self_attn.q_proj.weight"] = bf(torch::randn({heads * hd, dim}) * 0.2);
    w[p + "self_attn.k_proj.weight"] = bf(torch::randn({kv * hd, dim}) * 0.2);
    w[p + "self_attn.v_proj.weight"] = bf(torch::randn({kv * hd, dim}) * 0.2);
    w[p + "self_attn.o_proj.weight"] = bf(torch::randn({dim, heads * hd}) * 0.2);
    w[p + "mlp.gate_proj.weight"] = bf(torch::randn({hidden, dim}) * 0.2);
    w[p + "mlp.up_proj.weight"] = bf(torch::randn({hidden, dim}) * 0.2);
    w[p + "mlp.down_proj.weight"] = bf(torch::randn({dim, hidden}) * 0.2);
    w[p + "input_layernorm.weight"] = torch::rand({dim}) + 0.5;
    w[p + "post_attention_layernorm.weight"] = torch::rand({dim}) + 0.5;
    w[p + "self_attn.rotary_emb.inv_freq"] = torch::rand({hd / 2});
  }
  unipose::io::SafetensorsFile a, b;
  for (const auto& [name, t] : w) {
    const bool second = name.find("layers.1.") != std::string::npos;
    const bool norm = name.find("norm") != std::string::npos || name.find("inv_freq") != std::string::npos;
    (second ? b : a).tensors[name] = bytes_of(t, norm ? "F32" : "BF16");
  }
  unipose::io::write_safetensors(dir + "/model-00001-of-00002.safetensors", a);
  unipose::io::write_safetensors(dir + "/model-00002-of-00002.safetensors", b);
  return w;
}

}  // namespace unipose::testing
