#include "core/train/clip_task.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/data/corpus.h"
#include "core/data/render.h"
#include "core/error.h"
#include "temp_dir.h"

namespace unipose::train {
namespace {

// A corpus with 120 rendered pictures of 48 pixels, made once.
const std::string& picture_corpus() {
  static const std::string dir = [] {
    const std::string d = unipose::testing::temp_dir("unipose_clip", "corpus");
    data::CorpusOptions o;
    o.poses = 200;
    o.pairs = 40;
    o.seed = 6;
    data::make_corpus(d, o);
    data::ImageSetOptions io;
    io.count = 120;
    io.size = 48;
    io.seed = 2;
    data::render_corpus_images(d, io);
    return d;
  }();
  return dir;
}

ClipTrainConfig tiny() {
  ClipTrainConfig c;
  c.vision.image_size = 32;
  c.vision.patch_size = 8;
  c.vision.dim = 32;
  c.vision.hidden = 64;
  c.vision.layers = 1;
  c.vision.heads = 2;
  c.vision.projection_dim = 16;
  c.text_width = 32;
  c.text_layers = 1;
  c.text_heads = 2;
  return c;
}

TEST(ClipTraining, PicturesComeWithTheirPosesCaptions) {
  const auto train = read_captioned_pictures(picture_corpus(), "train", 32);
  ASSERT_GT(train.size(), 50);
  EXPECT_EQ(train.rgb.sizes(), (std::vector<std::int64_t>{train.size(), 32, 32, 3}));
  EXPECT_EQ(train.texts.size(), static_cast<std::size_t>(train.size()));
  for (const auto& t : train.texts) EXPECT_FALSE(t.empty());
  // A split without pictures, and a folder without any, are errors naming images.jsonl.
  const std::string bare = unipose::testing::temp_dir("unipose_clip", "bare");
  data::CorpusOptions o;
  o.poses = 20;
  o.pairs = 5;
  data::make_corpus(bare, o);
  try {
    read_captioned_pictures(bare, "train", 32);
    FAIL() << "a corpus without pictures was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("images.jsonl"), std::string::npos) << e.what();
  }
}

// The model learns which caption goes with which picture: training loss falls well below chance (ln 16).
TEST(ClipTraining, TrainingBringsPicturesAndCaptionsTogether) {
  auto train = read_captioned_pictures(picture_corpus(), "train", 32);
  auto val = read_captioned_pictures(picture_corpus(), "val", 32);
  ClipTask task(tiny(), train, val, 16, 3);
  std::mt19937_64 rng(1);
  const double first = task.step(rng, torch::kCPU).at("loss").item<double>();
  EXPECT_NEAR(first, std::log(16.0), 0.5);
  TrainOptions o;
  o.out_dir = unipose::testing::temp_dir("unipose_clip", "run");
  o.steps = 120;
  o.lr = 3e-3;
  o.eval_every = 120;
  o.checkpoint_every = 120;
  o.log_every = 10;
  o.tensorboard = false;
  const auto r = run_training(task, o);
  double sum = 0;
  int n = 0;
  for (int i = 0; i < 10; ++i, ++n) sum += task.step(rng, torch::kCPU).at("loss").item<double>();
  EXPECT_LT(sum / n, first - 0.5) << "chance is " << std::log(16.0);
  EXPECT_TRUE(r.last_eval.count("mRecall"));
  EXPECT_TRUE(r.last_eval.count("R@1_image2text"));
  // A picture set of another size than the encoder's is refused.
  EXPECT_THROW(ClipTask(tiny(), read_captioned_pictures(picture_corpus(), "train", 16), {}, 8), Error);
}

}  // namespace
}  // namespace unipose::train
