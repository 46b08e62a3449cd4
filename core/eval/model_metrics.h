// How good the models are on their own terms, on ground truth: the pose tokenizer's reconstruction error
// and codebook use, and a retrieval model's recall of the true texts (the ceiling any generator is measured
// against). Training validates with these; `unipose eval tokenizer|retrieval` and the model cards report them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <torch/types.h>

#include "core/data/corpus_reader.h"
#include "core/nn/pose_vqvae.h"
#include "core/nn/retrieval.h"
#include "core/pose/pose.h"

namespace unipose::eval {

struct ReconstructionMetrics {
  double mpjpe_mm = 0, pa_mpjpe_mm = 0, perplexity = 0;
  int dead_codes = 0;  // codes no pose of the set used
  int poses = 0;
};
// Encodes and decodes every pose; errors on the 22 body joints of the mannequin skeleton (root rotation kept,
// translation ignored).
ReconstructionMetrics evaluate_reconstruction(nn::PoseVqVae& model, const std::vector<pose::Pose>& poses,
                                              const torch::Device& device = torch::kCPU);

// Ground-truth recall@k both ways and mRecall of a retrieval model on items (rot6d: every corpus pose, [N, 22,
// 6]), plus R-precision top-1/2/3 with each item's first text when there are 32 items or more.
std::map<std::string, double> evaluate_retrieval_items(nn::RetrievalModel& model, const torch::Tensor& rot6d,
                                                       const data::RetrievalItems& items, const torch::Device& device);
// The same on a split of a corpus (the model card's sanity figures).
std::map<std::string, double> evaluate_retrieval(nn::RetrievalModel& model, const data::Corpus& corpus, const std::string& split);

}  // namespace unipose::eval
