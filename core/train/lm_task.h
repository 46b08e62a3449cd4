// The training task of the language model (stages 2 "align" and 4 "instruct") for the four pose/text tasks,
// on sequences laid out by nn/lm_prompt.h. Text answers are learned by next-token cross-entropy and end with
// <eos>; pose answers are <p> followed by the Lp learned pose queries, each trained to give its pose code
// (mixed attention), or, in the causal configuration, <p> and the codes one by one, each position predicting
// the next code. Codes are always learned by cross-entropy over the code range only.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/data/corpus_reader.h"
#include "core/nn/language_model.h"
#include "core/nn/lm_prompt.h"
#include "core/nn/pose_vqvae.h"
#include "core/tasks.h"
#include "core/text/instruction_templates.h"
#include "core/text/text_tokenizer.h"
#include "core/train/trainer.h"

namespace unipose::train {

// The request wording of `task`: its first in stage "align", one at random in "instruct".
const std::string& request_wording(const text::InstructionTemplates& templates, Task task, const std::string& stage, std::mt19937_64& rng);
// One of `texts` at random.
const std::string& pick_one(const std::vector<std::string>& texts, std::mt19937_64& rng);

// Joint positions [B, 22, 3] (metres) of rotations [B, 22, 6] (the pose tokenizer's output) on the mannequin skeleton.
torch::Tensor mannequin_joints(const torch::Tensor& rot6d);

// The losses of a batch of sequences (text, pose codes, and with a pose tokenizer and a weight > 0 the joints of
// grounded pose answers): what LmTask::losses returns, for any task that lays out its own sequences (the
// visual branch's too: a sequence's `visual` rows take its <image> positions).
std::map<std::string, torch::Tensor> sequence_losses(nn::LanguageModel& model, const std::vector<nn::LmSequence>& batch, const torch::Device& device,
                                                     nn::PoseVqVae joint_tokenizer = nullptr, double joint_weight = 0);

class LmTask : public TrainTask {
 public:
  // `codes[i]`: the pose tokenizer's codes of corpus pose i (nn/pose_codec.h). stage "align" uses each
  // task's first template, "instruct" a random template each time. `tasks`: those of trainable_tasks() (a
  // task listed twice is drawn twice as often).
  LmTask(nn::LanguageModel model, const data::Corpus& corpus, std::vector<std::vector<int64_t>> codes, text::TextTokenizer tokenizer,
         text::InstructionTemplates templates, std::string stage, std::vector<Task> tasks, int batch);
  // The tasks a corpus of poses and texts trains: text2pose, pose2text, posediff, edit.
  static const std::vector<Task>& trainable_tasks();
  torch::nn::Module& module() override { return *model_; }
  std::map<std::string, torch::Tensor> step(std::mt19937_64& rng, const torch::Device& device) override;
  std::map<std::string, double> evaluate(const torch::Device& device) override;
  std::int64_t items_per_step() const override { return batch_; }
  nn::LanguageModel& model() { return model_; }
  // Grounded models: also learn the pose their code scores mean, decoded by the (frozen) pose tokenizer, by
  // the L1 distance of its joints to the target's, in metres times `weight`.
  void set_joint_loss(nn::PoseVqVae tokenizer, double weight);

  // Losses of a batch of sequences: "text" (next-token CE), "pose" (code CE at the queries), "loss" (sum),
  // and "code_accuracy".
  std::map<std::string, torch::Tensor> losses(const std::vector<nn::LmSequence>& batch, const torch::Device& device);
  nn::LmSequence example(Task task, const std::string& split, size_t index, std::mt19937_64& rng) const;

 private:
  nn::LanguageModel model_{nullptr};
  nn::PoseVqVae pose_tokenizer_{nullptr};
  double joint_weight_ = 0;
  const data::Corpus& corpus_;
  std::vector<std::vector<int64_t>> codes_;
  text::TextTokenizer tokenizer_;
  text::InstructionTemplates templates_;
  std::string stage_;
  std::vector<Task> tasks_;
  int batch_;
  // Per split: captioned poses, described poses, pairs with instructions, the pairs in the pipeline's words.
  std::map<std::string, std::vector<int>> poses_, described_, pairs_, pipeline_pairs_;
};

}  // namespace unipose::train
