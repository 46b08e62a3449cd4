#include "core/vision/visual_encoders.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/engine/engine.h"
#include "core/error.h"

namespace unipose::vision {
namespace {

ClipVision tiny_clip() {
  ClipVisionConfig c;
  c.image_size = 32, c.patch_size = 8, c.dim = 16, c.hidden = 24, c.layers = 1, c.heads = 2;
  torch::manual_seed(4);
  return ClipVision(c);
}

std::shared_ptr<const BlazePose> blazepose() {
  static const auto bp = std::make_shared<const BlazePose>(engine::Engine::models_dir() + "/blazepose_detector", engine::Engine::models_dir() + "/blazepose_full");
  return bp;
}

image::Image grey(int w, int h) {
  image::Image p;
  p.width = w, p.height = h;
  p.rgb.assign(static_cast<size_t>(w) * h * 3, 128);
  return p;
}

TEST(VisualEncoders, GridsAreResizedToTheTokenGrid) {
  const auto f = torch::arange(2 * 8 * 8, torch::kFloat).view({2, 8, 8});
  EXPECT_TRUE(torch::equal(to_token_grid(f, 8), f));
  const auto four = to_token_grid(f, 4);
  EXPECT_EQ(four.sizes(), (std::vector<int64_t>{2, 4, 4}));
  EXPECT_FLOAT_EQ(four[0][0][0].item<float>(), (0 + 1 + 8 + 9) / 4.0f);  // area-averaged
  EXPECT_EQ(to_token_grid(torch::ones({3, 2, 2}), 8).sizes(), (std::vector<int64_t>{3, 8, 8}));
  EXPECT_TRUE(torch::allclose(to_token_grid(torch::ones({3, 2, 2}), 8), torch::ones({3, 8, 8})));
  EXPECT_THROW(to_token_grid(torch::ones({2, 2}), 8), Error);
  EXPECT_THROW(to_token_grid(f, 0), Error);
}

TEST(VisualEncoders, CLIPChannelsThenBlazePosesOnOneGrid) {
  const VisualEncoders clip_only(tiny_clip(), nullptr, 4);
  const auto a = clip_only.encode(grey(50, 40));
  EXPECT_EQ(a.tokens.sizes(), (std::vector<int64_t>{16, 16}));
  EXPECT_FALSE(a.person_found);
  EXPECT_THROW(VisualEncoders(nullptr, nullptr, 8), Error);
  EXPECT_THROW(clip_only.encode(image::Image{}), Error);

  // Nobody in a grey picture: BlazePose's part comes from the whole picture.
  const VisualEncoders both(tiny_clip(), blazepose(), 8);
  EXPECT_EQ(both.channels(), 16 + 288);
  const auto g = both.encode(grey(64, 48));
  EXPECT_EQ(g.tokens.sizes(), (std::vector<int64_t>{64, 16 + 288}));
  EXPECT_FALSE(g.person_found);
  EXPECT_TRUE(torch::isfinite(g.tokens).all().item<bool>());

  const std::string photo = std::string(UNIPOSE_SOURCE_DIR) + "/../shared/data/photos/mpii_004645041.jpg";
  if (!std::filesystem::exists(photo)) GTEST_SKIP() << "../shared/data/photos is absent: no real photo for the pose encoder's person";
  const auto picture = image::read_image(photo);
  const auto p = both.encode(picture);
  EXPECT_TRUE(p.person_found);
  // The CLIP part is the same whichever encoders are beside it; BlazePose's part differs from the grey picture's.
  EXPECT_TRUE(torch::allclose(p.tokens.narrow(1, 0, 16), VisualEncoders(tiny_clip(), nullptr, 8).encode(picture).tokens, 1e-5, 1e-5));
  EXPECT_FALSE(torch::allclose(p.tokens.narrow(1, 16, 288), g.tokens.narrow(1, 16, 288)));
  const VisualEncoders pose_only(nullptr, blazepose(), 8);
  EXPECT_TRUE(torch::allclose(pose_only.encode(picture).tokens, p.tokens.narrow(1, 16, 288)));
}

}  // namespace
}  // namespace unipose::vision
