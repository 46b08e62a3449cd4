#include "core/train/lm_task.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/data/corpus.h"
#include "core/error.h"
#include "core/nn/module_io.h"
#include "core/nn/pose_vqvae.h"
#include "needs_sentencepiece.h"
#include "temp_dir.h"
#include "lm_fixture.h"
#include "tiny_models.h"

namespace unipose::train {
namespace {

using unipose::testing::Fixture;
using unipose::testing::fixture;
using unipose::testing::grounded_model;
using unipose::testing::lm_config;

nn::LmConfig config(const Fixture& f, bool mixed) { return lm_config(f, mixed); }

TEST(LmTask, BatchLossesEqualTheLossesOfEachSequenceAlone) {
  UNIPOSE_NEEDS_SENTENCEPIECE();
  // The batch runs in length groups and evaluates the output layer only where there are targets; the
  // result must be what each sequence gives on its own through the inference path, averaged over targets.
  const auto& f = fixture();
  for (const bool mixed : {true, false}) {
    torch::manual_seed(3);
    LmTask task(nn::LanguageModel(config(f, mixed)), f.corpus, f.codes, f.tokenizer, f.templates, "instruct",
                {Task::TextToPose, Task::PoseToText, Task::PoseDiff, Task::PoseEditing}, 8);
    std::mt19937_64 rng(5);
    std::vector<nn::LmSequence> batch;
    for (const Task t : {Task::TextToPose, Task::PoseToText, Task::PoseDiff, Task::PoseEditing, Task::PoseEditing, Task::TextToPose})
      batch.push_back(task.example(t, "train", batch.size(), rng));
    std::string long_text;
    for (int i = 0; i < 2; ++i) long_text += f.corpus.captions[0][0] + " ";
    const auto& c = task.model()->config;
    batch.push_back(nn::build_sequence(c, f.tokenizer, "Describe <pose>", {{"<pose>", {"", f.codes[0]}}}, nn::Slot{long_text, {}}));
    size_t shortest = 1 << 30, longest = 0;
    for (const auto& s : batch) shortest = std::min(shortest, s.ids.size()), longest = std::max(longest, s.ids.size());
    ASSERT_GT(longest, shortest + 40);  // more than one length group
    torch::NoGradGuard ng;
    double text = 0, pose = 0, right = 0;
    int64_t text_n = 0, code_n = 0;
    for (const auto& s : batch) {
      const auto h = task.model()->hidden(task.model()->embed({s.input(task.model()->config)}), s.spans).squeeze(0);
      const auto logits = task.model()->logits(h);
      for (size_t i = 0; i < s.ids.size(); ++i) {
        if (s.targets[i] != -100) {
          text -= torch::log_softmax(logits[i], 0)[s.targets[i]].item<double>();
          ++text_n;
        }
        if (s.codes[i] != -100) {
          const auto row = logits[i].narrow(0, c.text_vocab, c.pose_codes);
          pose -= torch::log_softmax(row, 0)[s.codes[i]].item<double>();
          right += row.argmax().item<int64_t>() == s.codes[i];
          ++code_n;
        }
      }
    }
    const auto l = task.losses(batch, torch::kCPU);
    EXPECT_NEAR(l.at("text").item<double>(), text / text_n, 1e-4) << mixed;
    EXPECT_NEAR(l.at("pose").item<double>(), pose / code_n, 1e-4) << mixed;
    EXPECT_NEAR(l.at("code_accuracy").item<double>(), right / code_n, 1e-6) << mixed;
    EXPECT_NEAR(l.at("loss").item<double>(), text / text_n + pose / code_n, 1e-4) << mixed;
  }
}

// 40 steps of all four pose/text tasks: the text losses fall by a fifth, the pose losses fall.
void expect_training_lowers_every_loss(LmTask& task, const std::string& run, const std::string& what) {
  const auto before = task.evaluate(torch::kCPU);
  TrainOptions o;
  o.out_dir = unipose::testing::temp_dir("unipose_lm", run);
  o.steps = 40;
  o.lr = 3e-3;
  o.eval_every = 40;
  o.checkpoint_every = 40;
  const auto r = run_training(task, o);
  EXPECT_LT(r.last_eval.at("pose2text_text_loss"), before.at("pose2text_text_loss") * 0.8) << what;
  EXPECT_LT(r.last_eval.at("posediff_text_loss"), before.at("posediff_text_loss") * 0.8) << what;
  EXPECT_LT(r.last_eval.at("text2pose_pose_loss"), before.at("text2pose_pose_loss")) << what;
  EXPECT_LT(r.last_eval.at("edit_pose_loss"), before.at("edit_pose_loss")) << what;
}

TEST(LmTask, TrainingLowersTheLossOfEveryTask) {
  UNIPOSE_NEEDS_SENTENCEPIECE();
  const auto& f = fixture();
  for (const bool mixed : {true, false}) {
    torch::manual_seed(2);
    LmTask task(nn::LanguageModel(config(f, mixed)), f.corpus, f.codes, f.tokenizer, f.templates, "instruct",
                {Task::TextToPose, Task::PoseToText, Task::PoseDiff, Task::PoseEditing}, 8);
    expect_training_lowers_every_loss(task, mixed ? "mixed" : "causal", mixed ? "mixed" : "causal");
  }
}

TEST(LmTask, GroundedLossesEqualTheLossesOfEachSequenceAlone) {
  UNIPOSE_NEEDS_SENTENCEPIECE();
  const auto& f = fixture();
  torch::manual_seed(4);
  LmTask task(grounded_model(f, true), f.corpus, f.codes, f.tokenizer, f.templates, "instruct",
              {Task::TextToPose, Task::PoseToText, Task::PoseDiff, Task::PoseEditing}, 8);
  std::mt19937_64 rng(6);
  std::vector<nn::LmSequence> batch;
  for (const Task t : {Task::TextToPose, Task::PoseToText, Task::PoseDiff, Task::PoseEditing, Task::PoseEditing, Task::TextToPose})
    batch.push_back(task.example(t, "train", batch.size(), rng));
  torch::NoGradGuard ng;
  const auto& c = task.model()->config;
  double text = 0, pose = 0;
  int64_t text_n = 0, code_n = 0;
  for (const auto& s : batch) {
    const auto in = s.input(c);
    const auto h = task.model()->hidden(task.model()->embed({in}), s.spans).squeeze(0);
    const auto logits = task.model()->logits(h);
    const auto scores = task.model()->pose_scores(h);  // [T, 2, 16]
    for (size_t i = 0; i < s.ids.size(); ++i) {
      if (s.targets[i] != -100) {
        text -= torch::log_softmax(logits[i], 0)[s.targets[i]].item<double>();
        ++text_n;
      }
      for (int l = 0; l < 2; ++l)
        if (s.codes[i * 2 + l] != -100) {
          pose -= torch::log_softmax(scores[i][l], 0)[s.codes[i * 2 + l]].item<double>();
          ++code_n;
        }
    }
  }
  const auto l = task.losses(batch, torch::kCPU);
  EXPECT_NEAR(l.at("text").item<double>(), text / text_n, 1e-4);
  EXPECT_NEAR(l.at("pose").item<double>(), pose / code_n, 1e-4);
  EXPECT_EQ(l.count("joint_mm"), 0u);
  // With the tokenizer's decoder: the joint distance of the decoded answers joins the loss.
  task.set_joint_loss(f.vq, 10);
  const auto lj = task.losses(batch, torch::kCPU);
  ASSERT_EQ(lj.count("joint_mm"), 1u);
  EXPECT_GT(lj.at("joint_mm").item<double>(), 0);
  EXPECT_NEAR(lj.at("loss").item<double>(), lj.at("text").item<double>() + lj.at("pose").item<double>() + 10 * lj.at("joint_mm").item<double>() / 1000,
              1e-4);
  // An ungrounded model has no decoder path.
  LmTask plain(nn::LanguageModel(config(f, true)), f.corpus, f.codes, f.tokenizer, f.templates, "align", {Task::PoseToText}, 8);
  EXPECT_THROW(plain.set_joint_loss(f.vq, 1), Error);
}

TEST(LmTask, GroundedTrainingLowersTheLossOfEveryTask) {
  UNIPOSE_NEEDS_SENTENCEPIECE();
  const auto& f = fixture();
  for (const bool mixed : {true, false}) {
    torch::manual_seed(2);
    LmTask task(grounded_model(f, mixed), f.corpus, f.codes, f.tokenizer, f.templates, "instruct",
                {Task::TextToPose, Task::PoseToText, Task::PoseDiff, Task::PoseEditing}, 8);
    if (mixed) task.set_joint_loss(f.vq, 10);
    expect_training_lowers_every_loss(task, mixed ? "grounded_mixed" : "grounded_causal", mixed ? "grounded mixed" : "grounded causal");
  }
}

TEST(LmTask, TasksWithoutTrainingDataAreRefusedByName) {
  UNIPOSE_NEEDS_SENTENCEPIECE();
  const auto& f = fixture();
  try {
    LmTask task(nn::LanguageModel(config(f, true)), f.corpus, f.codes, f.tokenizer, f.templates, "align", {Task::ImageToText}, 8);
    FAIL() << "image-to-text cannot be trained from poses and texts";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("image-to-text needs the visual branch"), std::string::npos) << e.what();
  }
  EXPECT_THROW(LmTask(nn::LanguageModel(config(f, true)), f.corpus, f.codes, f.tokenizer, f.templates, "stage5", {Task::PoseToText}, 8), Error);
}

}  // namespace
}  // namespace unipose::train
