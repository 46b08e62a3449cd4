// Does a text say what a pose is (or what changes between two poses)? The retrieval models' answer, made
// readable: the text is held against the caption pipeline's words for near variants of the same pose (its
// arms, legs or head as other poses have them), and the score is the share of those that fit the pose less
// well than the text does. 1: the text fits better than every variant's description; near 0.5 or below: it
// fits no better than words about a different pose. The engine attaches it to describe and diff, so that a
// wrong sentence is not shown as fact.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/nn/retrieval.h"
#include "core/pose/pose.h"

namespace unipose::eval {

class ConsistencyScorer {
 public:
  // `variants` near variants per call, their limbs taken from poses of the pose sampler.
  ConsistencyScorer(nn::RetrievalModel pose_text, nn::RetrievalModel pair_text, int variants = 48, std::uint64_t seed = 1);
  double of_description(const pose::Pose& pose, const std::string& text);
  double of_instruction(const pose::Pose& a, const pose::Pose& b, const std::string& text);

 private:
  std::vector<pose::Pose> variants_of(const pose::Pose& pose) const;
  nn::RetrievalModel pose_text_, pair_text_;
  std::vector<pose::Pose> donors_;  // poses whose limbs make the variants
  int variants_;
  std::uint64_t seed_;
};

}  // namespace unipose::eval
