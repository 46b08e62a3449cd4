#include "core/train/visual_task.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/nn/module_io.h"
#include "core/train/lm_task.h"
#include "lm_fixture.h"
#include "needs_sentencepiece.h"
#include "temp_dir.h"

namespace unipose::train {
namespace {

using unipose::testing::Fixture;
using unipose::testing::fixture;
using unipose::testing::grounded_model;

constexpr int kTokens = 4, kChannels = 24;

// Pictures in memory: the first `count` poses of a split, each with tokens that are a fixed random function of
// its pose (what a frozen encoder gives: the pose is in there, not in the layout the model reads), and pairs of
// neighbouring pictures with an instruction.
VisualPictures pictures_of(const Fixture& f, const std::string& split, int count) {
  VisualPictures p;
  p.dir = "memory";
  p.split = split;
  const auto& ids = f.corpus.split(split);
  count = std::min<int>(count, static_cast<int>(ids.size()));
  std::vector<pose::Pose> poses;
  for (int i = 0; i < count; ++i) {
    data::RenderedImage im;
    im.file = "picture" + std::to_string(i) + ".png";
    im.pose = ids[i];
    im.split = split;
    p.images.push_back(im);
    poses.push_back(f.corpus.poses[ids[i]]);
  }
  torch::Generator g = at::detail::createCPUGenerator(7);
  const auto mix = torch::randn({22 * 6, kTokens * kChannels}, g);
  p.tokens = torch::tanh(torch::matmul(nn::poses_to_rot6d(poses).reshape({count, -1}), mix)).view({count, kTokens, kChannels}).to(torch::kHalf);
  for (int i = 0; i + 1 < count; i += 2) p.pairs.push_back({i, i + 1, split, {"raise the left arm", "move the right leg back"}});
  return p;
}

VisualModel visual_model(const Fixture& f) {
  auto lm = grounded_model(f, true);
  return VisualModel(lm, nn::VisualProjectorConfig{kChannels, lm->config.dim});
}

TEST(VisualTask, TrainingTeachesTheProjectorAndLeavesTheLanguageModelAlone) {
  UNIPOSE_NEEDS_SENTENCEPIECE();
  const auto& f = fixture();
  torch::manual_seed(2);
  auto model = visual_model(f);
  std::map<std::string, torch::Tensor> lm_before;
  for (const auto& [name, t] : nn::named_state(*model->lm)) lm_before[name] = t.clone();
  VisualTask task(model, f.corpus, f.codes, f.tokenizer, f.templates, "align", VisualTask::trainable_tasks(), 8, pictures_of(f, "train", 40),
                  pictures_of(f, "train", 40), false);
  task.set_joint_loss(f.vq, 10);
  const auto before = task.evaluate(torch::kCPU);
  ASSERT_EQ(before.count("image2pose_mpjpe_mm"), 1u);
  TrainOptions o;
  o.out_dir = unipose::testing::temp_dir("unipose_visual", "run");
  o.steps = 60;
  o.lr = 3e-3;
  o.eval_every = 60;
  o.checkpoint_every = 60;
  const auto r = run_training(task, o);
  // The projector alone steers the frozen model towards the pictures' answers (this one's untrained words
  // and pair instructions stay out of its reach: image-diff is left to the run below).
  EXPECT_LT(r.last_eval.at("image2pose_pose_loss"), before.at("image2pose_pose_loss"));
  EXPECT_LT(r.last_eval.at("image2text_text_loss"), before.at("image2text_text_loss"));
  EXPECT_TRUE(std::isfinite(r.last_eval.at("image2pose_mpjpe_mm")));
  for (const auto& [name, t] : nn::named_state(*task.model()->lm)) EXPECT_TRUE(torch::equal(t, lm_before.at(name))) << name;
  // With the language model's weights training too, every task's loss falls.
  torch::manual_seed(2);
  VisualTask both(visual_model(f), f.corpus, f.codes, f.tokenizer, f.templates, "align", VisualTask::trainable_tasks(), 8, pictures_of(f, "train", 40),
                  pictures_of(f, "train", 40), true);
  const auto start = both.evaluate(torch::kCPU);
  o.out_dir = unipose::testing::temp_dir("unipose_visual", "run_lm");
  const auto r2 = run_training(both, o);
  for (const std::string k : {"image2pose_pose_loss", "image2text_text_loss", "imagediff_text_loss"}) EXPECT_LT(r2.last_eval.at(k), start.at(k)) << k;
  // A sequence holds one <image> span per picture, as many positions as the pictures have tokens.
  std::mt19937_64 rng(1);
  std::vector<int64_t> uses;
  const auto diff = task.example(Task::ImageDiff, pictures_of(f, "train", 4), 0, rng, uses);
  EXPECT_EQ(uses, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(std::count(diff.ids.begin(), diff.ids.end(), task.model()->lm->config.image_token()), 2 * kTokens);
}

// Stage 4 with pictures: the pose/text tasks and the picture tasks in every step on one language model; every
// task's loss falls, and the checkpointed module holds the language model and the projector.
TEST(SevenTasks, TrainsThePoseTextAndPictureTasksOnOneModel) {
  UNIPOSE_NEEDS_SENTENCEPIECE();
  const auto& f = fixture();
  torch::manual_seed(3);
  auto model = visual_model(f);
  LmTask words(model->lm, f.corpus, f.codes, f.tokenizer, f.templates, "instruct", LmTask::trainable_tasks(), 4);
  words.set_joint_loss(f.vq, 10);
  VisualTask pictures(model, f.corpus, f.codes, f.tokenizer, f.templates, "instruct", VisualTask::trainable_tasks(), 8, pictures_of(f, "train", 40),
                      pictures_of(f, "train", 40), true);
  pictures.set_joint_loss(f.vq, 10);
  SevenTasks all(words, pictures);
  EXPECT_EQ(all.items_per_step(), 12);
  std::map<std::string, bool> parts;
  for (const auto& [name, t] : nn::named_state(all.module())) parts[name.substr(0, name.find('.'))] = true;
  EXPECT_TRUE(parts.count("lm") && parts.count("projector"));
  const auto start = all.evaluate(torch::kCPU);
  for (const std::string k : {"text2pose_pose_loss", "pose2text_text_loss", "image2pose_pose_loss", "image2text_text_loss"})
    ASSERT_EQ(start.count(k), 1u) << k;
  std::mt19937_64 rng(4);
  const auto one = all.step(rng, torch::kCPU);
  for (const std::string k : {"loss", "words_loss", "pictures_loss"}) ASSERT_EQ(one.count(k), 1u) << k;
  // Weighted by each side's sequences: 4 and 8 of 12.
  EXPECT_NEAR(one.at("loss").item<double>(), (4 * one.at("words_loss").item<double>() + 8 * one.at("pictures_loss").item<double>()) / 12, 1e-4);
  TrainOptions o;
  o.out_dir = unipose::testing::temp_dir("unipose_visual", "seven");
  o.steps = 60;
  o.lr = 3e-3;
  o.eval_every = 60;
  o.checkpoint_every = 60;
  const auto r = run_training(all, o);
  for (const std::string k : {"text2pose_pose_loss", "pose2text_text_loss", "posediff_text_loss", "image2pose_pose_loss", "image2text_text_loss",
                              "imagediff_text_loss"})
    EXPECT_LT(r.last_eval.at(k), start.at(k)) << k;
  // Pose/text tasks of another language model are refused.
  LmTask others(visual_model(f)->lm, f.corpus, f.codes, f.tokenizer, f.templates, "instruct", LmTask::trainable_tasks(), 4);
  EXPECT_THROW(SevenTasks(others, pictures), Error);
}

// A language model with LoRA adapters keeps its base weights frozen when the picture tasks train it.
TEST(VisualTask, LoraAdaptersTrainAndTheBaseWeightsStayFrozen) {
  UNIPOSE_NEEDS_SENTENCEPIECE();
  const auto& f = fixture();
  auto model = visual_model(f);
  model->lm->add_lora(nn::LoraOptions{2, 4});
  VisualTask task(model, f.corpus, f.codes, f.tokenizer, f.templates, "align", {Task::PoseEstimation}, 4, pictures_of(f, "train", 10), {}, true);
  int adapters = 0, frozen = 0;
  for (const auto& p : model->lm->named_parameters()) {
    if (p.key().find("lora") != std::string::npos) adapters += p.value().requires_grad();
    else if (p.key().find("q_proj.weight") != std::string::npos) frozen += !p.value().requires_grad() ? 1 : -1000;
  }
  EXPECT_GT(adapters, 0);
  EXPECT_GT(frozen, 0);
  for (const auto& p : model->projector->parameters()) EXPECT_TRUE(p.requires_grad());
}

TEST(VisualTask, WhatCannotBeTrainedIsRefusedByName) {
  UNIPOSE_NEEDS_SENTENCEPIECE();
  const auto& f = fixture();
  auto refused = [&](const std::function<void()>& make, const std::string& words) {
    try {
      make();
      FAIL() << "accepted: " << words;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  const auto train = pictures_of(f, "train", 10);
  refused([&] { VisualTask(visual_model(f), f.corpus, f.codes, f.tokenizer, f.templates, "align", {Task::PoseToText}, 4, train, {}, false); },
          "not pose-to-text");
  refused(
      [&] {
        auto lm = grounded_model(f, true);
        VisualTask(VisualModel(lm, nn::VisualProjectorConfig{kChannels + 1, lm->config.dim}), f.corpus, f.codes, f.tokenizer, f.templates, "align",
                   {Task::PoseEstimation}, 4, train, {}, false);
      },
      "the projector reads 25");
  refused(
      [&] {
        nn::LanguageModel plain(unipose::testing::lm_config(f, true));
        VisualTask(VisualModel(plain, nn::VisualProjectorConfig{kChannels, plain->config.dim}), f.corpus, f.codes, f.tokenizer, f.templates,
                   "align", {Task::PoseEstimation}, 4, train, {}, false);
      },
      "grounded language model");
  auto no_pairs = train;
  no_pairs.pairs.clear();
  refused([&] { VisualTask(visual_model(f), f.corpus, f.codes, f.tokenizer, f.templates, "align", {Task::ImageDiff}, 4, no_pairs, {}, false); },
          "no picture pairs");
}

}  // namespace
}  // namespace unipose::train
