// Training the retrieval models (pose-text, pose-pair-text) on a corpus: batches of (pose or pair, one of its
// texts), the symmetric contrastive loss with the learned scale; left/right mirroring as augmentation (the
// pose mirrored, "left" and "right" swapped in its text, which the corpus generator guarantees is exact).
// Validation: recall@k both ways on the val split and their mean (mRecall; eval/model_metrics.h).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/data/corpus_reader.h"
#include "core/nn/retrieval.h"
#include "core/train/trainer.h"

namespace unipose::train {

class RetrievalTask : public TrainTask {
 public:
  // config.vocabulary is built here from the train split's texts.
  RetrievalTask(nn::RetrievalConfig config, const data::Corpus& corpus, int batch, std::uint64_t seed = 1);
  torch::nn::Module& module() override { return *model_; }
  std::map<std::string, torch::Tensor> step(std::mt19937_64& rng, const torch::Device& device) override;
  std::map<std::string, double> evaluate(const torch::Device& device) override;
  std::int64_t items_per_step() const override { return batch_; }
  nn::RetrievalModel& model() { return model_; }

 private:
  nn::RetrievalModel model_{nullptr};
  int batch_;
  torch::Tensor rot6d_, mirrored_;  // every corpus pose, and its mirror image
  data::RetrievalItems train_, val_;
};

}  // namespace unipose::train
