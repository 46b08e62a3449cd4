#include "core/nn/hf_llama.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>
#include <fstream>

#include "core/error.h"
#include "core/io/files.h"
#include "core/io/safetensors.h"
#include "hf_checkpoint.h"
#include "temp_dir.h"

namespace unipose::nn {
namespace {

TEST(HfLlama, MapsEveryTensorAndExtendsTheVocabulary) {
  const std::string dir = unipose::testing::temp_dir("unipose_hf", "ckpt");
  const auto w = unipose::testing::write_hf_llama_checkpoint(dir, true);
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
  const auto w = unipose::testing::write_hf_llama_checkpoint(dir, false);
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
