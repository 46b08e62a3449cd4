#include "core/nn/visual_projector.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace unipose::nn {
namespace {

TEST(VisualProjector, MapsTheEncodersChannelsToTheModelsWidth) {
  torch::manual_seed(1);
  VisualProjector p(VisualProjectorConfig{20, 8});
  const auto out = p->forward(torch::randn({2, 5, 20}));
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{2, 5, 8}));
  // The norm in front: a token scaled by 1000 gives (almost) the same output.
  const auto x = torch::randn({1, 1, 20});
  EXPECT_TRUE(torch::allclose(p->forward(x), p->forward(x * 1000), 1e-3, 1e-3));
  EXPECT_THROW(p->forward(torch::randn({1, 5, 19})), Error);
  const auto back = VisualProjectorConfig::from_json(p->config.to_json(), "config.json");
  EXPECT_EQ(back.in_channels, 20);
  EXPECT_EQ(back.dim, 8);
  EXPECT_THROW(VisualProjectorConfig::from_json("{\"in_channels\": 0, \"dim\": 8}", "config.json"), Error);
}

TEST(VisualProjector, VisualTokensTakeTheImagePositionsInOrderAndCarryGradients) {
  const int64_t image = 9;
  std::vector<LmInput> batch = {text_input({1, image, image, 2, image, 3}), text_input({1, 2, 3, 4, 5, 6})};
  const auto emb = torch::zeros({2, 6, 4});
  auto v0 = torch::arange(12, torch::kFloat).view({3, 4}).set_requires_grad(true);
  const auto out = with_visual_tokens(emb, batch, image, {v0, torch::Tensor()});
  EXPECT_TRUE(torch::equal(out[0][1], v0[0].detach()));
  EXPECT_TRUE(torch::equal(out[0][2], v0[1].detach()));
  EXPECT_TRUE(torch::equal(out[0][4], v0[2].detach()));
  EXPECT_EQ(out[0][3].abs().sum().item<float>(), 0.f);
  EXPECT_EQ(out[1].abs().sum().item<float>(), 0.f);
  out.sum().backward();
  EXPECT_TRUE(torch::equal(v0.grad(), torch::ones({3, 4})));
  // Counts that disagree are refused, naming both.
  try {
    with_visual_tokens(emb, batch, image, {torch::zeros({2, 4}), torch::Tensor()});
    FAIL() << "two tokens for three positions were accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("3 <image> positions, 2 visual tokens"), std::string::npos) << e.what();
  }
  EXPECT_THROW(with_visual_tokens(emb, batch, image, {torch::zeros({3, 5}), torch::Tensor()}), Error);  // wrong width
  EXPECT_THROW(with_visual_tokens(emb, batch, image, {torch::zeros({3, 4})}), Error);                  // one set per sequence
}

}  // namespace
}  // namespace unipose::nn
