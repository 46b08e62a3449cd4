#include "core/eval/consistency.h"

#include <random>

#include "core/data/transfer_pairs.h"
#include "core/error.h"
#include "core/pose/sampler.h"
#include "core/text/captioner.h"
#include "core/text/paircodes.h"

namespace unipose::eval {

ConsistencyScorer::ConsistencyScorer(nn::RetrievalModel pose_text, nn::RetrievalModel pair_text, int variants, std::uint64_t seed)
    : pose_text_(std::move(pose_text)), pair_text_(std::move(pair_text)), variants_(variants), seed_(seed) {
  if (pose_text_->config.pairs() || !pair_text_->config.pairs()) throw Error("consistency needs a pose-text and a pose-pair-text retrieval model");
  if (variants < 2) throw Error("consistency needs at least two variants");
  pose_text_->eval();
  pair_text_->eval();
  pose::PoseSampler sampler(seed);
  for (int i = 0; i < 4 * variants; ++i) donors_.push_back(sampler.sample().pose);
}

std::vector<pose::Pose> ConsistencyScorer::variants_of(const pose::Pose& pose) const {
  // The same seed every call: the same pose always gets the same score.
  std::mt19937_64 rng(seed_);
  std::uniform_int_distribution<size_t> donor(0, donors_.size() - 1);
  const auto& groups = data::transfer_groups();
  std::uniform_int_distribution<size_t> group(0, groups.size() - 1);
  std::vector<pose::Pose> out;
  for (int k = 0; k < variants_; ++k) out.push_back(data::transfer_limbs(pose, donors_[donor(rng)], groups[group(rng)].second));
  return out;
}

namespace {
// The share of the others' features less similar to the item than the text's is.
double share_below(const torch::Tensor& item, const torch::Tensor& text, const torch::Tensor& others) {
  const double own = (item * text).sum().item<double>();
  return torch::matmul(others, item.reshape({-1})).lt(own).to(torch::kFloat).mean().item<double>();
}
}  // namespace

double ConsistencyScorer::of_description(const pose::Pose& pose, const std::string& text) {
  torch::NoGradGuard ng;
  std::vector<std::string> captions;
  std::uint64_t k = 0;
  for (const auto& v : variants_of(pose)) captions.push_back(text::describe_pose(v, seed_ + k++));
  const auto item = nn::pose_features(pose_text_, nn::heading_normalised_rot6d({pose}));
  return share_below(item[0], nn::text_features(pose_text_, {text})[0], nn::text_features(pose_text_, captions));
}

double ConsistencyScorer::of_instruction(const pose::Pose& a, const pose::Pose& b, const std::string& text) {
  torch::NoGradGuard ng;
  std::vector<std::string> instructions;
  std::uint64_t k = 0;
  for (const auto& v : variants_of(b)) {
    const std::string change = text::instruct(a, v, seed_ + k++);
    if (!change.empty()) instructions.push_back(change);
  }
  if (instructions.empty()) return -1;
  const auto [ra, rb] = nn::heading_normalised_pairs({a}, {b});
  const auto item = nn::pair_features(pair_text_, ra, rb);
  return share_below(item[0], nn::text_features(pair_text_, {text})[0], nn::text_features(pair_text_, instructions));
}

}  // namespace unipose::eval
