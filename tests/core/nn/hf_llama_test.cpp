#include "core/nn/hf_llama.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>
#include <fstream>

#include "core/error.h"
#include "core/io/files.h"
#include "core/io/safetensors.h"
#include "temp_dir.h"

namespace unipose::nn {
namespace {

io::TensorBytes bytes_of(const torch::Tensor& t, const std::string& dtype) {
  const auto c = t.to(dtype == "BF16" ? torch::kBFloat16 : dtype == "F16" ? torch::kHalf : torch::kFloat).contiguous();
  io::TensorBytes b;
  b.dtype = dtype;
  b.shape = c.sizes().vec();
  b.data.resize(c.numel() * c.element_size());
  std::memcpy(b.data.data(), c.data_ptr(), b.data.size());
  return b;
}

// A tiny checkpoint in Hugging Face's LLaMA layout, written by the test: 2 layers, grouped-query attention,
// bf16 and f32 tensors over two shards.
std::map<std::string, torch::Tensor> write_checkpoint(const std::string& dir, bool with_head) {
  std::filesystem::create_directories(dir);
  const int vocab = 40, dim = 32, layers = 2, heads = 4, kv = 2, hidden = 48, hd = dim / heads;
  io::write_file_atomic(dir + "/config.json", "{\"architectures\": [\"LlamaForCausalLM\"], \"vocab_size\": 40, \"hidden_size\": 32, "
                                              "\"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"num_key_value_heads\": 2, "
                                              "\"intermediate_size\": 48, \"max_position_embeddings\": 256, \"rms_norm_eps\": 1e-6, "
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
  io::SafetensorsFile a, b;
  for (const auto& [name, t] : w) {
    const bool second = name.find("layers.1.") != std::string::npos;
    const bool norm = name.find("norm") != std::string::npos || name.find("inv_freq") != std::string::npos;
    (second ? b : a).tensors[name] = bytes_of(t, norm ? "F32" : "BF16");
  }
  io::write_safetensors(dir + "/model-00001-of-00002.safetensors", a);
  io::write_safetensors(dir + "/model-00002-of-00002.safetensors", b);
  return w;
}

TEST(HfLlama, MapsEveryTensorAndExtendsTheVocabulary) {
  const std::string dir = unipose::testing::temp_dir("unipose_hf", "ckpt");
  const auto w = write_checkpoint(dir, true);
  HfLoadReport r;
  auto m = load_hf_llama(dir, 16, 5, &r);
  EXPECT_EQ(r.text_vocab, 40);
  EXPECT_EQ(r.tensors_loaded, 3 + 9 * 2);
  EXPECT_EQ(r.tensors_ignored, 2);  // the rotary caches
  const auto& c = m->config;
  EXPECT_EQ(c.vocab(), 40 + 16 + 3);
  EXPECT_EQ(c.kv_heads, 2);
  auto state = m->named_parameters();
  EXPECT_TRUE(torch::equal(state["embed_tokens.weight"].narrow(0, 0, 40), w.at("model.embed_tokens.weight")));
  EXPECT_TRUE(torch::equal(state["lm_head.weight"].narrow(0, 0, 40), w.at("lm_head.weight")));
  EXPECT_TRUE(torch::equal(state["layers.1.self_attn.k_proj.weight"], w.at("model.layers.1.self_attn.k_proj.weight")));
  EXPECT_TRUE(torch::equal(state["layers.0.mlp.down_proj.weight"], w.at("model.layers.0.mlp.down_proj.weight")));
  EXPECT_TRUE(torch::equal(state["layers.0.post_attention_layernorm.weight"], w.at("model.layers.0.post_attention_layernorm.weight")));
  EXPECT_TRUE(torch::equal(state["norm.weight"], w.at("model.norm.weight")));
  // New rows sit near the mean text embedding.
  const auto mean = w.at("model.embed_tokens.weight").mean(0);
  EXPECT_LT((state["embed_tokens.weight"][40] - mean).abs().max().item<double>(), 0.1);
  // The extended model runs: text continuation and one-step pose generation.
  EXPECT_EQ(m->generate_text({1, 5, 7}, 4, {}).size(), 4u);
  EXPECT_EQ(m->generate_pose({1, 5, 7, c.pose_begin()}).size(), 5u);
}

TEST(HfLlama, TiedEmbeddingsAndBrokenCheckpoints) {
  const std::string dir = unipose::testing::temp_dir("unipose_hf", "tied");
  const auto w = write_checkpoint(dir, false);
  auto m = load_hf_llama(dir, 16, 5);
  EXPECT_TRUE(torch::equal(m->named_parameters()["lm_head.weight"].narrow(0, 0, 40), w.at("model.embed_tokens.weight")));
  // A missing shard: the absent tensor is named.
  std::filesystem::remove(dir + "/model-00002-of-00002.safetensors");
  try {
    load_hf_llama(dir, 16, 5);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.layers.1."), std::string::npos) << e.what();
  }
  io::write_file_atomic(dir + "/config.json", "{\"vocab_size\": 40}");
  EXPECT_THROW(load_hf_llama(dir, 16, 5), Error);
  EXPECT_THROW(load_hf_llama(dir + "/nothing", 16, 5), Error);
}

}  // namespace
}  // namespace unipose::nn
