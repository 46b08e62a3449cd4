#include "core/eval/consistency.h"

#include <gtest/gtest.h>

#include "core/pose/sampler.h"
#include "core/text/captioner.h"
#include "core/text/paircodes.h"

namespace unipose::eval {
namespace {

ConsistencyScorer shipped() {
  const std::string models = std::string(UNIPOSE_SOURCE_DIR) + "/models";
  return ConsistencyScorer(nn::load_retrieval_bundle(models + "/retrieval_pose_text"), nn::load_retrieval_bundle(models + "/retrieval_pair_text"));
}

// The pipeline's own words fit a pose (a change) far better than another pose's (change's) words.
TEST(Consistency, TrueWordsFitBetterThanAnotherPosesWords) {
  auto scorer = shipped();
  pose::PoseSampler sampler(5);
  double own = 0, other = 0, own_change = 0, other_change = 0;
  const int n = 12;
  for (int i = 0; i < n; ++i) {
    const auto p = sampler.sample().pose, q = sampler.sample().pose, r = sampler.sample().pose;
    own += scorer.of_description(p, text::describe_pose(p, i));
    other += scorer.of_description(p, text::describe_pose(q, i));
    own_change += scorer.of_instruction(p, q, text::instruct(p, q, i));
    other_change += scorer.of_instruction(p, q, text::instruct(p, r, i));
  }
  EXPECT_GT(own / n, 0.7);
  EXPECT_LT(other / n, 0.4);
  EXPECT_GT(own_change / n, other_change / n + 0.2);
  // The same question, the same answer.
  const auto p = sampler.sample().pose;
  const auto caption = text::describe_pose(p, 1);
  EXPECT_EQ(scorer.of_description(p, caption), scorer.of_description(p, caption));
}

}  // namespace
}  // namespace unipose::eval
