#include "core/nn/retrieval.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/io/files.h"
#include "temp_dir.h"
#include "tiny_models.h"

namespace unipose::nn {
namespace {

RetrievalConfig small(const std::string& kind) { return unipose::testing::small_retrieval_config(kind); }

TEST(Retrieval, PaddingDoesNotChangeAText) {
  torch::manual_seed(1);
  RetrievalModel m(small("pose_text"));
  m->eval();
  torch::NoGradGuard ng;
  const auto one = encode_texts(m->config, {"left hand up"});
  const auto padded = torch::cat({one, torch::zeros({1, 5}, torch::kLong)}, 1);
  EXPECT_TRUE(torch::allclose(m->encode_texts(one), m->encode_texts(padded), 1e-5, 1e-6));
  // Word order matters ("left hand up right hand down" is not its mirror), and features are unit vectors.
  const auto f = m->encode_texts(encode_texts(m->config, {"left hand up right hand down", "right hand up left hand down", ""}));
  EXPECT_GT((f[0] - f[1]).norm().item<double>(), 1e-4);
  EXPECT_NEAR(f.norm(2, 1).min().item<double>(), 1.0, 1e-5);
  // Unknown words map to <unk>; an empty text still encodes.
  EXPECT_EQ(encode_words(m->config, "Left zebra"), (std::vector<int64_t>{2, 1}));
  EXPECT_TRUE(torch::isfinite(f[2]).all().item<bool>());
}

TEST(Retrieval, ContrastiveLossByHand) {
  // Two matching unit vectors, orthogonal to the other pair: logits 10 I -> each row log(1 + e^-10).
  RetrievalModel m(small("pose_text"));
  const auto eye = torch::eye(2);
  EXPECT_NEAR(m->contrastive_loss(eye, eye).item<double>(), std::log1p(std::exp(-10.0)), 1e-6);
  // Swapped texts: each row's positive has logit 0 against 10 -> log(1 + e^10).
  EXPECT_NEAR(m->contrastive_loss(eye, eye.flip(0)).item<double>(), std::log1p(std::exp(10.0)), 1e-4);
}

TEST(Retrieval, BundleRoundTripAndBadFiles) {
  const std::string dir = unipose::testing::temp_dir("unipose_retrieval", "bundle");
  torch::manual_seed(2);
  RetrievalModel m(small("pair_text"));
  m->eval();
  save_retrieval_bundle(dir, m, "# card\n", false);
  auto back = load_retrieval_bundle(dir);
  EXPECT_EQ(back->config.vocabulary, m->config.vocabulary);
  EXPECT_EQ(back->config.kind, "pair_text");
  torch::NoGradGuard ng;
  const auto ids = encode_texts(m->config, {"right hand down"});
  EXPECT_TRUE(torch::allclose(m->encode_texts(ids), back->encode_texts(ids)));
  EXPECT_THROW(back->encode_poses(torch::zeros({1, 22, 6})), Error);
  io::write_file_atomic(dir + "/config.json", "{\"architecture\": \"unipose.retrieval/1\", \"kind\": \"pose_text\"}");
  try {
    load_retrieval_bundle(dir);
    FAIL() << "a modified config must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("config.json"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace unipose::nn
