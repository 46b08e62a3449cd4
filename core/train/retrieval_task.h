// Training the retrieval models (pose-text, pose-pair-text) on a corpus: batches of (pose or pair, one of its
// texts), the symmetric contrastive loss with the learned scale; left/right mirroring as augmentation (the
// pose mirrored, "left" and "right" swapped in its text, which the corpus generator guarantees is exact).
// Validation: recall@k both ways on the val split and their mean (mRecall).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/data/corpus_reader.h"
#include "core/nn/retrieval.h"
#include "core/train/trainer.h"

namespace unipose::train {

// Items of one split as the retrieval models see them: the pose (or pair) index and its texts.
struct RetrievalItems {
  std::vector<int> a, b;                       // pose indices (b only for pairs)
  std::vector<std::vector<std::string>> texts; // captions or instructions of each item
};
RetrievalItems retrieval_items(const data::Corpus& corpus, const std::string& split, bool pairs);

// Unit features of poses, pairs and texts, computed in batches without gradients.
torch::Tensor pose_features(nn::RetrievalModel& model, const torch::Tensor& rot6d);
torch::Tensor pair_features(nn::RetrievalModel& model, const torch::Tensor& rot6d_a, const torch::Tensor& rot6d_b);
torch::Tensor text_features(nn::RetrievalModel& model, const std::vector<std::string>& texts);

// Recall@k (k = 1, 5, 10, 20) pose->text and text->pose of items with several texts each, and mRecall (the
// mean of the eight). Keys: "R@k_pose2text", "R@k_text2pose", "mRecall".
std::map<std::string, double> cross_modal_recall(const torch::Tensor& item_features, const torch::Tensor& text_features,
                                                 const std::vector<int>& text_owner);

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
  RetrievalItems train_, val_;
};

// "left" <-> "right" (whole words, keeping capitals): the text of the mirrored pose.
std::string swap_left_right(const std::string& text);

// Evaluates a retrieval model on a split of a corpus: ground-truth recall@k and mRecall (the model card's
// sanity figures, and the ceiling a generator is measured against), plus R-precision top-1/2/3.
std::map<std::string, double> evaluate_retrieval(nn::RetrievalModel& model, const data::Corpus& corpus, const std::string& split);

}  // namespace unipose::train
