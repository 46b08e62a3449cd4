#include "core/data/transfer_pairs.h"

#include <random>

#include "core/error.h"
#include "core/pose/frame.h"
#include "core/pose/sampler.h"
#include "core/text/paircodes.h"

namespace unipose::data {

const std::vector<std::pair<std::string, std::vector<int>>>& transfer_groups() {
  using namespace body;
  static const std::vector<std::pair<std::string, std::vector<int>>> groups = {
      {"left_arm", {kLeftCollar, kLeftShoulder, kLeftElbow, kLeftWrist, kLeftHand}},
      {"right_arm", {kRightCollar, kRightShoulder, kRightElbow, kRightWrist, kRightHand}},
      {"arms", {kLeftCollar, kLeftShoulder, kLeftElbow, kLeftWrist, kLeftHand, kRightCollar, kRightShoulder, kRightElbow, kRightWrist, kRightHand}},
      {"left_leg", {kLeftHip, kLeftKnee, kLeftAnkle, kLeftFoot}},
      {"right_leg", {kRightHip, kRightKnee, kRightAnkle, kRightFoot}},
      {"head", {kNeck, kHead}},
  };
  return groups;
}

pose::Pose transfer_limbs(const pose::Pose& b, const pose::Pose& c, const std::vector<int>& group) {
  pose::Pose a = b;
  bool leg = false;
  for (const int j : group) {
    if (j <= 0 || j >= body::kNumJoints) throw Error("transfer: joint " + std::to_string(j) + " is not a body joint");
    a.rotations[j] = c.rotations[j];
    leg = leg || j == body::kLeftHip || j == body::kRightHip;
  }
  if (leg) pose::place_on_floor(a);
  return a;
}

int add_transfer_pairs(Corpus& corpus, const std::string& split, int count, std::uint64_t seed, int instructions_per_pair) {
  if (count <= 0) return 0;
  const std::vector<int> members = corpus.split(split);
  if (members.size() < 2) return 0;
  // Arms first: they are what people ask to move most.
  const std::vector<double> weights = {3, 3, 2, 1.5, 1.5, 1};
  std::mt19937_64 rng(seed ^ 0x7A2Full);
  std::uniform_int_distribution<size_t> any(0, members.size() - 1);
  std::discrete_distribution<int> group_of(weights.begin(), weights.end());
  int added = 0;
  for (int attempt = 0; added < count && attempt < 20 * count; ++attempt) {
    const int b = members[any(rng)], c = members[any(rng)];
    if (b == c) continue;
    const auto& group = transfer_groups()[group_of(rng)].second;
    const pose::Pose a = transfer_limbs(corpus.poses[b], corpus.poses[c], group);
    if (pose::self_penetration(a) > pose::kMaxPenetration) continue;
    const auto codes = text::extract_paircodes(a, corpus.poses[b]);
    if (codes.empty()) continue;
    CorpusPair pair;
    pair.a = corpus.add_pose(a);
    pair.b = b;
    pair.split = split;
    pair.instructions = text::render_instructions(codes, seed * 104729ull + static_cast<std::uint64_t>(attempt), instructions_per_pair, 4);
    corpus.pairs.push_back(std::move(pair));
    ++added;
  }
  return added;
}

int replace_pairs_with_transfer_pairs(Corpus& corpus, const std::string& split, int count, std::uint64_t seed) {
  std::vector<CorpusPair> kept;
  for (auto& p : corpus.pairs)
    if (p.split != split) kept.push_back(std::move(p));
  corpus.pairs = std::move(kept);
  return add_transfer_pairs(corpus, split, count, seed);
}

}  // namespace unipose::data
