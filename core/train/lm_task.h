// Training sequences and the training task of the language model (stages 2 "align" and 4 "instruct") for the
// four pose/text tasks. A sequence is: <bos>, the request (an instruction template with its placeholders
// filled: pose slots become <p> codes </p> spans, text slots the caption or instruction), the answer marker,
// then the answer. Text answers are learned by next-token cross-entropy and end with <eos>; pose answers are
// <p> followed by the Lp learned pose queries, each trained to give its pose code (mixed attention), or, in the
// causal configuration, <p> and the codes one by one, each position predicting the next code. Codes are always
// learned by cross-entropy over the code range only.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/data/corpus_reader.h"
#include "core/nn/language_model.h"
#include "core/text/instruction_templates.h"
#include "core/text/text_tokenizer.h"
#include "core/train/trainer.h"

namespace unipose::train {

// A placeholder's content: a text or a pose (its Lp codes).
struct Slot {
  std::string text;
  std::vector<int64_t> codes;
  bool pose() const { return !codes.empty(); }
};

struct LmSequence {
  std::vector<int64_t> ids;      // token ids; -(q+1) = pose query q
  std::vector<int> spans;        // 0 text, k > 0 the k-th pose span
  std::vector<int64_t> targets;  // next-token target per position, -100 where none
  std::vector<int64_t> codes;    // pose-code target per position (query positions), -100 where none
  size_t prompt_length = 0;      // positions up to and including the answer marker
};

// The text "Answer:" that separates request and answer.
inline constexpr const char* kAnswerMarker = " Answer:";

// Builds one sequence; `answer` absent gives the prompt only (for generation). Unknown placeholders or slots
// missing from `slots` throw.
LmSequence build_sequence(const nn::LmConfig& config, const text::TextTokenizer& tokenizer, const std::string& request_template,
                          const std::map<std::string, Slot>& slots, const std::optional<Slot>& answer);

// The task's key in the instruction templates: text2pose -> text_to_pose, ...
std::string template_task(const std::string& task);

class LmTask : public TrainTask {
 public:
  // `codes[i]`: the pose tokenizer's codes of corpus pose i. stage "align" uses each task's first template,
  // "instruct" a random template each time. `tasks` from text2pose, pose2text, posediff, edit.
  LmTask(nn::LanguageModel model, const data::Corpus& corpus, std::vector<std::vector<int64_t>> codes, text::TextTokenizer tokenizer,
         text::InstructionTemplates templates, std::string stage, std::vector<std::string> tasks, int batch);
  torch::nn::Module& module() override { return *model_; }
  std::map<std::string, torch::Tensor> step(std::mt19937_64& rng, const torch::Device& device) override;
  std::map<std::string, double> evaluate(const torch::Device& device) override;
  std::int64_t items_per_step() const override { return batch_; }
  nn::LanguageModel& model() { return model_; }

  // Losses of a batch of sequences: "text" (next-token CE), "pose" (code CE at the queries), "loss" (sum),
  // and "code_accuracy".
  std::map<std::string, torch::Tensor> losses(const std::vector<LmSequence>& batch, const torch::Device& device);
  LmSequence example(const std::string& task, const std::string& split, size_t index, std::mt19937_64& rng) const;

 private:
  nn::LanguageModel model_{nullptr};
  const data::Corpus& corpus_;
  std::vector<std::vector<int64_t>> codes_;
  text::TextTokenizer tokenizer_;
  text::InstructionTemplates templates_;
  std::string stage_;
  std::vector<std::string> tasks_;
  int batch_;
  std::map<std::string, std::vector<int>> poses_, pairs_;  // per split: captioned poses, pairs with instructions
};

}  // namespace unipose::train
