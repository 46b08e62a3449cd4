#include "core/nn/language_model.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/error.h"
#include "error_of.h"
#include "tiny_models.h"

namespace unipose::nn {
namespace {

LmConfig tiny(bool mixed = true) {
  auto c = unipose::testing::tiny_lm_config(50, 5, mixed);
  c.layers = 2;
  c.kv_heads = 2;
  c.max_positions = 64;
  return c;
}

TEST(MixedAttention, MaskFollowsTheSpans) {
  // text text | span 1 (3) | text | span 2 (2)
  const std::vector<int> spans{0, 0, 1, 1, 1, 0, 2, 2};
  const auto m = mixed_attention_mask(spans);
  auto allowed = [&](int i, int j) { return m[i][j].item<bool>(); };
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j <= i; ++j) EXPECT_TRUE(allowed(i, j)) << "everything sees what precedes it: " << i << "," << j;
  EXPECT_FALSE(allowed(0, 1));  // text is causal
  EXPECT_TRUE(allowed(2, 4));   // inside a span: both ways
  EXPECT_TRUE(allowed(3, 4));
  EXPECT_FALSE(allowed(4, 5));  // a span never sees what follows it
  EXPECT_FALSE(allowed(2, 6));
  EXPECT_TRUE(allowed(6, 7));
  EXPECT_FALSE(allowed(5, 6));
  // Two adjacent spans with different ids stay apart.
  const auto adj = mixed_attention_mask({1, 1, 2, 2});
  EXPECT_FALSE(adj[1][2].item<bool>());
  EXPECT_TRUE(adj[2][3].item<bool>());
  EXPECT_TRUE(torch::equal(mixed_attention_mask(spans, false), torch::ones({8, 8}, torch::kBool).tril()));
}

// text(4) <p> pose codes (5, span 1) </p> text(2)
LmInput sample(const LmConfig& c) {
  LmInput in;
  for (int64_t t : {3, 17, 8, 21}) in.ids.push_back(t);
  in.ids.push_back(c.pose_begin());
  for (int k : {1, 4, 9, 2, 7}) in.ids.push_back(c.pose_code_id(k));
  in.ids.push_back(c.pose_end());
  in.ids.push_back(11);
  in.ids.push_back(30);
  in.spans = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0};
  return in;
}

torch::Tensor outputs(LanguageModel& m, const LmInput& in) {
  torch::NoGradGuard ng;
  return m->hidden(m->embed({in}), in.spans).squeeze(0);  // [T, D]
}

bool changed(const torch::Tensor& a, const torch::Tensor& b, int pos) { return !torch::allclose(a[pos], b[pos], 1e-5, 1e-6); }

TEST(MixedAttention, InformationFlow) {
  torch::manual_seed(3);
  const auto c = tiny();
  LanguageModel m(c);
  m->eval();
  const auto base = sample(c);
  const auto h = outputs(m, base);
  // A later text token changes nothing before it.
  auto later = base;
  later.ids[12] = 31;
  const auto h1 = outputs(m, later);
  for (int p = 0; p < 12; ++p) EXPECT_FALSE(changed(h, h1, p)) << p;
  EXPECT_TRUE(changed(h, h1, 12));
  // Any pose token of a span changes every output of that span, the first included, and what follows;
  // nothing before the span.
  auto pose = base;
  pose.ids[9] = c.pose_code_id(12);  // the span's last code
  const auto h2 = outputs(m, pose);
  for (int p = 0; p < 5; ++p) EXPECT_FALSE(changed(h, h2, p)) << p;
  for (int p = 5; p < 13; ++p) EXPECT_TRUE(changed(h, h2, p)) << p;
  // The causal configuration of the same weights: the first pose output does not see the last code.
  LanguageModel causal(tiny(false));
  causal->eval();
  {
    torch::NoGradGuard ng;
    const auto src = m->named_parameters();
    for (auto& p : causal->named_parameters()) p.value().copy_(src[p.key()]);
  }
  EXPECT_FALSE(changed(outputs(causal, base), outputs(causal, pose), 5));
  EXPECT_TRUE(changed(outputs(causal, base), outputs(causal, pose), 9));
}

TEST(LanguageModel, CachedDecodingMatchesOneFullPass) {
  torch::manual_seed(5);
  LanguageModel m(tiny());
  m->eval();
  torch::NoGradGuard ng;
  const std::vector<int64_t> ids{3, 9, 27, 4, 44, 12};
  LmInput all = text_input(ids);
  const auto full = m->hidden(m->embed({all}), all.spans);
  KvCache cache;
  LmInput head = text_input({3, 9, 27});
  auto h = m->hidden(m->embed({head}), head.spans, &cache);
  EXPECT_TRUE(torch::allclose(h, full.narrow(1, 0, 3), 1e-5, 1e-5));
  for (size_t i = 3; i < ids.size(); ++i) {
    LmInput one = text_input({ids[i]});
    h = m->hidden(m->embed({one}), one.spans, &cache);
    EXPECT_TRUE(torch::allclose(h.squeeze(1), full.select(1, static_cast<int64_t>(i)), 1e-5, 1e-5)) << i;
  }
  EXPECT_EQ(cache.length(), 6);
}

TEST(LanguageModel, InferenceKernelsMatchTorchLinear) {
  // Inference picks the kernel by the number of rows (one row, a few, dozens: docs/language_model.md, "Speed");
  // each must give torch's linear, for 2-D and 3-D inputs and for a weight that is a row slice (the pose-code
  // rows of lm_head).
  torch::manual_seed(11);
  const auto w = torch::randn({40, 24});
  for (const int64_t rows : {1, 2, 8, 15, 16, 17, 111}) {
    const auto x = torch::randn({rows, 24});
    const auto want = torch::nn::functional::linear(x, w);
    torch::NoGradGuard ng;
    EXPECT_TRUE(torch::allclose(linear_forward(x, w), want, 1e-4, 1e-5)) << rows;
    EXPECT_TRUE(torch::allclose(linear_forward(x.view({1, rows, 24}), w), want.view({1, rows, 40}), 1e-4, 1e-5)) << rows;
    EXPECT_TRUE(torch::allclose(linear_forward(x, w.narrow(0, 10, 20)), want.narrow(1, 10, 20), 1e-4, 1e-5)) << rows;
  }
  // A non-contiguous input (every other row) and training mode (gradients flow) take their own paths.
  const auto x = torch::randn({64, 24});
  {
    torch::NoGradGuard ng;
    const auto strided = x.slice(0, 0, 64, 2);
    EXPECT_TRUE(torch::allclose(linear_forward(strided, w), torch::nn::functional::linear(strided, w), 1e-4, 1e-5));
  }
  const auto wg = w.clone().requires_grad_(true);
  linear_forward(x, wg).sum().backward();
  ASSERT_TRUE(wg.grad().defined());
  EXPECT_TRUE(torch::allclose(wg.grad(), x.sum(0).expand({40, 24}), 1e-4, 1e-4));
}

TEST(LanguageModel, KeptPositionsMatchTheFullPass) {
  // keep_from skips the last layer's work for positions nobody reads; what comes back, and the cache, must be
  // those of the full pass. 40 positions, so the inference kernels for many rows run too.
  torch::manual_seed(13);
  LanguageModel m(tiny());
  m->eval();
  torch::NoGradGuard ng;
  LmInput in;
  for (int i = 0; i < 40; ++i) {
    in.ids.push_back(i < 30 ? (i * 7) % 50 : -(i - 30) % 5 - 1);
    in.spans.push_back(i < 30 ? 0 : 1);
  }
  const auto e = m->embed({in});
  const auto full = m->hidden(e, in.spans);
  EXPECT_TRUE(torch::allclose(m->hidden(e, in.spans, nullptr, 30), full.narrow(1, 30, 10), 1e-4, 1e-5));
  KvCache kept, all;
  const auto last = m->hidden(e, in.spans, &kept, 39);
  m->hidden(e, in.spans, &all);
  EXPECT_TRUE(torch::allclose(last, full.narrow(1, 39, 1), 1e-4, 1e-5));
  ASSERT_EQ(kept.length(), 40);
  for (size_t l = 0; l < kept.keys.size(); ++l) {
    EXPECT_TRUE(torch::allclose(kept.keys[l], all.keys[l], 1e-4, 1e-5)) << l;
    EXPECT_TRUE(torch::allclose(kept.values[l], all.values[l], 1e-4, 1e-5)) << l;
  }
  EXPECT_THROW(m->hidden(e, in.spans, nullptr, 40), Error);
  EXPECT_THROW(m->hidden(e, in.spans, nullptr, -1), Error);
}

TEST(LanguageModel, GenerationShapesAndStops) {
  torch::manual_seed(7);
  const auto c = tiny();
  LanguageModel m(c);
  m->eval();
  const std::vector<int64_t> prompt{3, 9, 27, c.pose_begin()};
  const auto codes = m->generate_pose(prompt);
  ASSERT_EQ(codes.size(), 5u);
  for (auto k : codes) EXPECT_TRUE(k >= 0 && k < c.pose_codes);
  // The scores behind the codes: one row per pose token over the pose codes; their argmax is the answer.
  const auto scores = m->pose_code_logits(prompt);
  ASSERT_EQ(scores.sizes(), (std::vector<int64_t>{5, c.pose_codes}));
  for (int q = 0; q < 5; ++q) EXPECT_EQ(scores[q].argmax().item<int64_t>(), codes[q]);
  LanguageModel causal(tiny(false));
  causal->eval();
  const auto causal_codes = causal->generate_pose(prompt);
  EXPECT_EQ(causal_codes.size(), 5u);
  const auto causal_scores = causal->pose_code_logits(prompt);
  for (int q = 0; q < 5; ++q) EXPECT_EQ(causal_scores[q].argmax().item<int64_t>(), causal_codes[q]);
  EXPECT_THROW(m->generate_pose({3, 9}), Error);
  // Greedy text is deterministic; a stop token ends it (and is returned).
  const auto a = m->generate_text({3, 9}, 10, {});
  EXPECT_EQ(a.size(), 10u);
  EXPECT_EQ(m->generate_text({3, 9}, 10, {}), a);
  const auto stopped = m->generate_text({3, 9}, 10, {a[2]});
  EXPECT_LE(stopped.size(), 3u);
  EXPECT_EQ(stopped.back(), a[2]);
  // Sampling with a seed repeats; nucleus 0 is greedy.
  EXPECT_EQ(m->generate_text({3, 9}, 6, {}, 1.0, 0.9, 42), m->generate_text({3, 9}, 6, {}, 1.0, 0.9, 42));
  EXPECT_EQ(m->generate_text({3, 9}, 6, {}, 1.0, 0.0, 1), std::vector<int64_t>(a.begin(), a.begin() + 6));
  // Too long for the model: a clear error.
  EXPECT_THROW(m->generate_text(std::vector<int64_t>(80, 3), 2, {}), Error);
}

// ------------------------------------------------------------------ grounded pose tokens (architecture 2)

// 5 latent positions of 2 levels of 16 codes of 6 dimensions.
LmConfig grounded(bool mixed = true) {
  auto c = tiny(mixed);
  c.grounded = true;
  c.pose_tokens = 10;
  c.pose_levels = 2;
  c.code_dim = 6;
  return c;
}

LanguageModel grounded_model(bool mixed = true) {
  torch::manual_seed(21);
  LanguageModel m(grounded(mixed));
  m->set_codebooks(torch::randn({2, 16, 6}));
  m->eval();
  return m;
}

// text(3) <p> 5 pose positions (span 1, 2 codes each) </p> text(1)
LmInput grounded_sample(const LmConfig& c, int64_t first_code = 3) {
  LmInput in = text_input({3, 17, 8});
  in.codes.assign(3 * 2, -1);
  in.ids.push_back(c.pose_begin());
  in.spans.push_back(0);
  in.codes.insert(in.codes.end(), {-1, -1});
  for (int p = 0; p < 5; ++p) {
    in.ids.push_back(LmConfig::kPosePosition + p);
    in.spans.push_back(1);
    in.codes.insert(in.codes.end(), {p == 0 ? first_code : p, (p * 5) % 16});
  }
  in.ids.push_back(c.pose_end());
  in.spans.push_back(0);
  in.codes.insert(in.codes.end(), {-1, -1});
  in.ids.push_back(11);
  in.spans.push_back(0);
  in.codes.insert(in.codes.end(), {-1, -1});
  return in;
}

TEST(GroundedLanguageModel, ConfigRoundTripAndVocabulary) {
  const auto c = grounded();
  const auto back = LmConfig::from_json(c.to_json(), "config.json");
  EXPECT_TRUE(back.grounded);
  EXPECT_EQ(back.pose_levels, 2);
  EXPECT_EQ(back.code_dim, 6);
  EXPECT_EQ(back.pose_positions(), 5);
  EXPECT_NE(c.to_json().find("unipose.language_model/2"), std::string::npos);
  // No pose codes among the tokens: the specials follow the text.
  EXPECT_EQ(c.pose_begin(), c.text_vocab);
  EXPECT_EQ(c.vocab(), c.text_vocab + 3);
  auto odd = c;
  odd.pose_levels = 3;  // 10 codes do not split into 3 levels
  EXPECT_THROW(LanguageModel{odd}, Error);
  EXPECT_THROW(LmConfig::from_json(R"({"architecture": "unipose.language_model/2", "text_vocab": 50, "pose_codes": 16, "pose_tokens": 10,
      "dim": 32, "layers": 1, "heads": 4, "kv_heads": 4, "hidden": 64, "max_positions": 64, "pose_levels": 3, "code_dim": 6})", "c.json"), Error);
}

TEST(GroundedLanguageModel, APoseIsReadThroughTheCodebooks) {
  auto m = grounded_model();
  const auto c = m->config;
  const auto base = grounded_sample(c);
  const auto h = outputs(m, base);
  // Another code at the first pose position changes every position of the span (both ways) and what
  // follows, nothing before.
  const auto h2 = outputs(m, grounded_sample(c, 9));
  for (int p = 0; p < 4; ++p) EXPECT_FALSE(changed(h, h2, p)) << p;
  for (int p = 4; p < 11; ++p) EXPECT_TRUE(changed(h, h2, p)) << p;
  // Two codes whose codebook vectors are the same read the same: the embedding is the geometry, not the id.
  {
    torch::NoGradGuard ng;
    m->pose_codebooks[0][9].copy_(m->pose_codebooks[0][3]);
  }
  EXPECT_TRUE(torch::allclose(outputs(m, base), outputs(m, grounded_sample(c, 9)), 1e-6, 1e-6));
  // A pose position must bring its codes; codes must lie in the codebook.
  auto bare = base;
  bare.codes.clear();
  EXPECT_THROW(m->embed({bare}), Error);
  auto wrong = base;
  wrong.codes[5 * 2] = 16;
  EXPECT_THROW(m->embed({wrong}), Error);
  EXPECT_THROW(m->set_codebooks(torch::zeros({2, 16, 5})), Error);
}

TEST(GroundedLanguageModel, ScoresPerLevelAndQueriesThatStartFromAPose) {
  auto m = grounded_model();
  const auto c = m->config;
  // Scores: per level, over that level's codes.
  const auto scores = m->pose_scores(torch::randn({3, c.dim}));
  ASSERT_EQ(scores.sizes(), (std::vector<int64_t>{3, 2, 16}));
  LmInput prompt = text_input({3, 17, c.pose_begin()});
  const auto logits = m->pose_code_logits(prompt);
  ASSERT_EQ(logits.sizes(), (std::vector<int64_t>{10, 16}));
  const auto codes = m->generate_pose(prompt);
  for (int q = 0; q < 10; ++q) EXPECT_EQ(logits[q].argmax().item<int64_t>(), codes[q]);
  // Queries that start from a pose answer otherwise, and a start pose of the wrong size is refused.
  const std::vector<int64_t> start{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_FALSE(torch::allclose(m->pose_code_logits(prompt, start), logits, 1e-5, 1e-6));
  EXPECT_THROW(m->pose_code_logits(prompt, {1, 2}), Error);
  // The causal configuration: one pose position per step, the same shape of answer.
  auto causal = grounded_model(false);
  const auto causal_logits = causal->pose_code_logits(prompt);
  ASSERT_EQ(causal_logits.sizes(), (std::vector<int64_t>{10, 16}));
  // Text still comes out of the text vocabulary.
  for (const auto id : m->generate_text(prompt, 4, {})) EXPECT_LT(id, c.vocab());
}

TEST(LanguageModel, LoraStartsNeutralTrainsAloneAndMerges) {
  torch::manual_seed(9);
  const auto c = tiny();
  LanguageModel m(c);
  m->eval();
  const auto in = sample(c);
  const auto base = outputs(m, in);
  LoraOptions o;
  o.rank = 4;
  o.targets = {"q_proj", "v_proj", "down_proj"};
  m->add_lora(o);
  EXPECT_TRUE(m->has_lora());
  EXPECT_TRUE(torch::allclose(outputs(m, in), base, 1e-6, 1e-6)) << "B = 0: a fresh adapter changes nothing";
  int trainable = 0;
  for (const auto& p : m->named_parameters()) {
    if (!p.value().requires_grad()) continue;
    ++trainable;
    EXPECT_TRUE(p.key().find("_lora.") != std::string::npos || p.key() == "pose_queries") << p.key();
  }
  EXPECT_EQ(trainable, 2 * 3 * c.layers + 1);
  {
    torch::NoGradGuard ng;
    for (auto& p : m->named_parameters())
      if (p.key().find("_lora.B") != std::string::npos) p.value().normal_(0, 0.05);
  }
  const auto adapted = outputs(m, in);
  EXPECT_FALSE(torch::allclose(adapted, base, 1e-4, 1e-4));
  m->merge_lora();
  EXPECT_FALSE(m->has_lora());
  EXPECT_TRUE(torch::allclose(outputs(m, in), adapted, 1e-4, 1e-5)) << "merged weights give the adapted outputs";
  EXPECT_THROW(m->add_lora(LoraOptions{4, 8, {"w_proj"}}), Error);
}

TEST(LanguageModel, ConfigRoundTripAndBadConfigs) {
  const auto c = tiny();
  const auto back = LmConfig::from_json(c.to_json(), "config.json");
  EXPECT_EQ(back.to_json(), c.to_json());
  EXPECT_EQ(back.vocab(), 50 + 16 + 3);
  EXPECT_THROW(LmConfig::from_json("{\"architecture\": \"unipose.language_model/1\", \"dim\": 30}", "x.json"), Error);
  auto bad = c;
  bad.heads = 3;
  EXPECT_THROW(LanguageModel{bad}, Error);
}

// Every config field is checked for its type, its range and the memory the sizes imply, with the file and
// the field named (these configs used to load and then write NaN poses, or end in a c10 stack trace).
TEST(LanguageModel, ConfigFieldsAreCheckedForTypeRangeAndSize) {
  const auto good = nlohmann::json::parse(tiny().to_json());
  auto error_with = [&](const char* key, const nlohmann::json& value, int dim = 0) -> std::string {
    auto j = good;
    j[key] = value;
    if (dim) j["dim"] = dim;
    return unipose::testing::error_of([&] { LmConfig::from_json(j.dump(), "bundle/config.json"); });
  };
  EXPECT_EQ(error_with("rope_theta", 0), "bundle/config.json: 'rope_theta' = 0 is out of range (2 to 1e+09)");
  EXPECT_EQ(error_with("norm_eps", -1), "bundle/config.json: 'norm_eps' = -1 is out of range (1e-12 to 0.1)");
  EXPECT_EQ(error_with("norm_eps", "small"), "bundle/config.json: 'norm_eps' is not a number");
  EXPECT_EQ(error_with("mixed_attention", 1), "bundle/config.json: 'mixed_attention' is not true or false");
  EXPECT_EQ(error_with("dim", "64"), "bundle/config.json: 'dim' is not a whole number");
  EXPECT_EQ(error_with("architecture", 2), "bundle/config.json: 'architecture' is not a string");
  EXPECT_NE(error_with("max_positions", 16).find("'max_positions' = 16 is too small: two poses and a short prompt need"), std::string::npos);
  EXPECT_NE(error_with("text_vocab", 4000000, 16384).find("million parameters"), std::string::npos);
  EXPECT_NE(error_with("layers", 512, 65536).find("million parameters"), std::string::npos);
  EXPECT_NE(error_with("layers", 4294967297LL).find("'layers' = 4294967297 is out of range"), std::string::npos);
  EXPECT_EQ(error_with("rope_theta", 500000.0), "");
  EXPECT_EQ(tiny().parameter_count() > 0, true);
  // The count matches the module's own parameters.
  LanguageModel m(tiny());
  int64_t counted = 0;
  for (const auto& p : m->parameters()) counted += p.numel();
  EXPECT_EQ(tiny().parameter_count(), counted);
  LanguageModel g(grounded());
  counted = 0;
  for (const auto& p : g->parameters()) counted += p.numel();
  counted += g->pose_codebooks.numel();  // a buffer (the tokenizer's codebooks), memory all the same
  EXPECT_EQ(grounded().parameter_count(), counted);
}

}  // namespace
}  // namespace unipose::nn
