// The picture tasks' evaluation set (the rendered pictures of a split, seen as the pose tasks' items) and the
// engine's visual branch refusing what does not belong to its language model.
#include "core/engine/evaluation.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/data/corpus.h"
#include "core/data/render.h"
#include "core/error.h"
#include "core/image/image.h"
#include "core/nn/visual_projector.h"
#include "temp_dir.h"

namespace unipose::engine {
namespace {

const std::string kSource = UNIPOSE_SOURCE_DIR;

TEST(PicturedSplit, TheSplitHoldsThePicturedPosesAndThePicturePairs) {
  const std::string dir = unipose::testing::temp_dir("unipose_pictured", "corpus");
  data::CorpusOptions o;
  o.poses = 60;
  o.pairs = 40;
  o.seed = 3;
  data::make_corpus(dir, o);
  data::ImageSetOptions io;
  io.count = 16;
  io.size = 48;
  io.split = "train";
  data::render_corpus_images(dir, io);
  const auto set = pictured_split(dir, "train");
  const auto images = data::read_rendered_images(dir);
  ASSERT_EQ(set.poses.size(), set.files.size());
  ASSERT_EQ(set.corpus.split("train").size(), set.poses.size());
  EXPECT_LE(set.poses.size(), images.size());
  for (size_t i = 0; i < set.poses.size(); ++i) {
    EXPECT_TRUE(set.corpus.poses[set.corpus.split("train")[i]] == set.poses[i]);
    EXPECT_TRUE(std::filesystem::exists(set.files[i]));
    EXPECT_EQ(set.picture_of(set.poses[i]), set.files[i]);
  }
  // The train split's pairs are exactly the picture pairs, both poses pictured.
  const auto pairs = data::read_rendered_image_pairs(dir, images.size());
  size_t train_pairs = 0;
  for (const auto& p : set.corpus.pairs) {
    if (p.split != "train") continue;
    ++train_pairs;
    const auto& split = set.corpus.split("train");
    EXPECT_NE(std::find(split.begin(), split.end(), p.a), split.end());
    EXPECT_NE(std::find(split.begin(), split.end(), p.b), split.end());
  }
  EXPECT_EQ(train_pairs, pairs.size());
  // A generator answers from each pose's picture.
  auto g = picture_generator(set, "sizes", [](const image::Image& p) { return std::to_string(p.width); },
                             [](const image::Image& a, const image::Image& b) { return std::to_string(a.width + b.height); });
  EXPECT_EQ(g.pose_to_text({set.poses[0]}), std::vector<std::string>{"48"});
  EXPECT_EQ(g.pose_diff({set.poses[0]}, {set.poses[1]}), std::vector<std::string>{"96"});
  EXPECT_THROW(set.picture_of(pose::Pose{}), Error);
  EXPECT_THROW(pictured_split(dir, "test"), Error);  // no pictures there
  std::filesystem::remove_all(dir);
}

TEST(PicturedSplit, TheEngineRefusesAVisualBranchOfAnotherLanguageModel) {
  const std::string dir = unipose::testing::temp_dir("unipose_pictured", "branch");
  nn::VisualBranchConfig c;
  c.grid = 2;
  c.language_model_sha256 = std::string(64, 'a');
  c.projector = nn::VisualProjectorConfig{288, 256};
  nn::VisualProjector p(c.projector);
  nn::save_visual_bundle(dir, p, c, "# card\n");
  Engine e(kSource + "/models/language_model", Engine::pose_tokenizer_of(kSource + "/models/language_model"));
  const bool before = e.has_visual_branch();
  try {
    e.load_visual_branch(dir);
    FAIL() << "a projector of another language model was taken";
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("another language model"), std::string::npos) << err.what();
  }
  EXPECT_EQ(e.has_visual_branch(), before);  // what was there stays
  EXPECT_THROW(e.load_visual_branch(dir + "/missing"), Error);
  std::filesystem::remove_all(dir);
}

// The shipped visual branch answers for a rendered picture: a valid pose (with and without a hint), words, both at once, and a
// hint longer than the model reads is refused with its message.
TEST(PicturedSplit, TheShippedVisualBranchAnswersForAPicture) {
  const std::string dir = unipose::testing::temp_dir("unipose_pictured", "shipped");
  data::CorpusOptions o;
  o.poses = 30;
  o.pairs = 4;
  o.seed = 5;
  data::make_corpus(dir, o);
  data::ImageSetOptions io;
  io.count = 2;
  io.size = 128;
  data::render_corpus_images(dir, io);
  const auto picture = image::read_image(data::read_rendered_images(dir).front().file);
  Engine e(kSource + "/models/language_model", Engine::pose_tokenizer_of(kSource + "/models/language_model"));
  ASSERT_TRUE(e.has_visual_branch()) << "models/visual_branch is shipped for models/language_model";
  const auto plain = e.estimate_image(picture);
  ASSERT_TRUE(plain.pose.has_value());
  plain.pose->validate("estimated pose");
  const auto hinted = e.estimate_image(picture, "the left arm is raised above the head");
  ASSERT_TRUE(hinted.pose.has_value());
  EXPECT_FALSE(*hinted.pose == *plain.pose);  // the words change the answer
  const auto words = e.describe_image(picture);
  EXPECT_FALSE(words.text.empty());
  // One encoding for both: the pose with the hint and the words without it, as the two calls give them.
  const auto both = e.read_image(picture, "the left arm is raised above the head");
  ASSERT_TRUE(both.pose.has_value());
  EXPECT_TRUE(*both.pose == *hinted.pose);
  EXPECT_EQ(both.text, words.text);
  std::string long_hint;
  for (int i = 0; i < 40; ++i) long_hint += "the left arm is raised above the head and ";
  try {
    e.estimate_image(picture, long_hint + "the legs are straight");
    FAIL() << "a hint longer than the model reads was taken";
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("the hint is too long"), std::string::npos) << err.what();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace unipose::engine
