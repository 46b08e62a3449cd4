#include "core/nn/visual_projector.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/io/files.h"
#include "temp_dir.h"
#include "tiny_models.h"

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

// A prompt's pictures reach the model through LmInput::visual: the rows take the <image> positions, the answer
// depends on them, and a count that disagrees is refused.
TEST(VisualProjector, TheLanguageModelReadsThePicturesOfItsInput) {
  torch::manual_seed(3);
  auto c = unipose::testing::tiny_lm_config(20, 4, true);
  LanguageModel lm(c);
  lm->eval();
  const int64_t image = c.image_token();
  LmInput in = text_input({1, image, image, 2, c.pose_begin()});
  in.visual = torch::randn({2, c.dim});
  const auto e = lm->embed({in});
  EXPECT_TRUE(torch::allclose(e[0][1], in.visual[0]));
  EXPECT_TRUE(torch::allclose(e[0][2], in.visual[1]));
  const auto plain = lm->embed({text_input(in.ids)});
  EXPECT_TRUE(torch::allclose(e[0][0], plain[0][0]));
  EXPECT_FALSE(torch::allclose(e[0][1], plain[0][1]));
  const auto first = lm->pose_code_logits(in);
  LmInput other = in;
  other.visual = torch::randn({2, c.dim});
  EXPECT_FALSE(torch::allclose(first, lm->pose_code_logits(other)));  // another picture, another answer
  EXPECT_TRUE(torch::allclose(first, lm->pose_code_logits(in)));
  EXPECT_EQ(lm->generate_text(in, 3, {}).size(), 3u);
  LmInput wrong = in;
  wrong.visual = torch::randn({3, c.dim});
  EXPECT_THROW(lm->embed({wrong}), Error);
}

TEST(VisualProjector, TheBundleKeepsItsWeightsAndRefusesWhatIsNotOne) {
  const std::string dir = unipose::testing::temp_dir("unipose_visual", "bundle");
  torch::manual_seed(5);
  VisualBranchConfig c;
  c.grid = 4;
  c.language_model_sha256 = std::string(64, 'a');
  c.projector = VisualProjectorConfig{12, 8};
  VisualProjector p(c.projector);
  save_visual_bundle(dir, p, c, "# card\n");
  auto b = load_visual_bundle(dir);
  EXPECT_EQ(b.config.grid, 4);
  EXPECT_TRUE(b.config.pose_encoder);
  EXPECT_EQ(b.config.language_model_sha256, c.language_model_sha256);
  const auto x = torch::randn({1, 3, 12});
  EXPECT_TRUE(torch::allclose(b.projector->forward(x), p->forward(x)));
  // An edited config no longer matches its checksum.
  io::write_file_atomic(dir + "/config.json", io::read_text_file(dir + "/config.json") + " ");
  EXPECT_THROW(load_visual_bundle(dir), Error);
  EXPECT_THROW(load_visual_bundle(dir + "/missing"), Error);
  // Configs that name no encoder, or no language model, are refused by name.
  auto bad = [&](const std::string& text, const std::string& words) {
    try {
      VisualBranchConfig::from_json(text, "config.json");
      FAIL() << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  const std::string lm = "\"language_model_sha256\": \"" + std::string(64, 'b') + "\"";
  bad("{\"format\": \"unipose.visual_branch/1\", \"grid\": 8, \"pose_encoder\": false, \"clip_sha256\": \"\", " + lm +
          ", \"projector\": {\"in_channels\": 4, \"dim\": 4}}",
      "names no encoder");
  bad("{\"format\": \"unipose.visual_branch/1\", \"grid\": 8, \"pose_encoder\": true, \"clip_sha256\": \"\", \"language_model_sha256\": \"ab\", "
      "\"projector\": {\"in_channels\": 4, \"dim\": 4}}",
      "language_model_sha256");
  bad("{\"format\": \"something\"}", "not a visual branch config");
  bad("{\"format\": \"unipose.visual_branch/1\", \"grid\": 0, \"pose_encoder\": true, " + lm + ", \"projector\": {\"in_channels\": 4, \"dim\": 4}}",
      "grid");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace unipose::nn
