#include "core/data/transfer_pairs.h"

#include <gtest/gtest.h>

#include <set>

#include "core/data/corpus.h"
#include "core/error.h"
#include "core/pose/sampler.h"
#include "temp_dir.h"

namespace unipose::data {
namespace {

const Corpus& small_corpus() {
  static const Corpus c = [] {
    const std::string dir = unipose::testing::temp_dir("unipose_transfer", "corpus");
    CorpusOptions o;
    o.poses = 120;
    o.pairs = 20;
    o.seed = 13;
    make_corpus(dir, o);
    return read_corpus(dir);
  }();
  return c;
}

std::set<int> changed_joints(const pose::Pose& a, const pose::Pose& b) {
  std::set<int> out;
  for (int j = 0; j < body::kNumJoints; ++j)
    if ((a.rotations[j] - b.rotations[j]).norm() > 0) out.insert(j);
  return out;
}

TEST(TransferPairs, MoveOneLimbGroupOnly) {
  const auto& corpus = small_corpus();
  const auto& b = corpus.poses[0];
  const auto& c = corpus.poses[1];
  const auto& groups = transfer_groups();
  for (const auto& [name, joints] : groups) {
    const auto a = transfer_limbs(b, c, joints);
    const std::set<int> allowed(joints.begin(), joints.end());
    for (const int j : changed_joints(a, b)) EXPECT_TRUE(allowed.count(j)) << name << " changed joint " << j;
    for (const int j : joints) EXPECT_EQ(a.rotations[j], c.rotations[j]) << name;
    if (name.find("arm") != std::string::npos || name == "head") EXPECT_EQ(a.transl, b.transl) << name << ": only a leg moves the body";
  }
  EXPECT_THROW(transfer_limbs(b, c, {0}), Error);
}

TEST(TransferPairs, AddedToTheSplitWithInstructionsAndNoCaptions) {
  Corpus corpus = small_corpus();
  const size_t poses = corpus.poses.size(), pairs = corpus.pairs.size();
  const auto train_before = corpus.split("train");
  const int added = add_transfer_pairs(corpus, "train", 30, 5);
  ASSERT_EQ(added, 30);
  ASSERT_EQ(corpus.poses.size(), poses + 30);
  ASSERT_EQ(corpus.captions.size(), poses + 30);
  ASSERT_EQ(corpus.pairs.size(), pairs + 30);
  EXPECT_EQ(corpus.split("train"), train_before) << "starting poses join no split";
  const std::set<int> train(train_before.begin(), train_before.end());
  std::set<std::string> groups_seen;
  for (size_t i = pairs; i < corpus.pairs.size(); ++i) {
    const auto& p = corpus.pairs[i];
    EXPECT_EQ(p.split, "train");
    EXPECT_GE(p.a, static_cast<int>(poses));
    EXPECT_TRUE(corpus.captions[p.a].empty());
    EXPECT_TRUE(train.count(p.b));
    ASSERT_EQ(p.instructions.size(), 3u);
    for (const auto& t : p.instructions) EXPECT_EQ(t.back(), '.') << t;
    EXPECT_LE(pose::self_penetration(corpus.poses[p.a]), pose::kMaxPenetration);
    // A differs from B in the joints of exactly one group.
    const auto changed = changed_joints(corpus.poses[p.a], corpus.poses[p.b]);
    ASSERT_FALSE(changed.empty());
    bool inside_one = false;
    for (const auto& [name, joints] : transfer_groups()) {
      const std::set<int> g(joints.begin(), joints.end());
      bool all = true;
      for (const int j : changed) all = all && g.count(j);
      if (all) {
        inside_one = true;
        groups_seen.insert(name);
        break;
      }
    }
    EXPECT_TRUE(inside_one);
  }
  EXPECT_GE(groups_seen.size(), 3u) << "arms, legs and the head all move in 30 pairs";
  // Deterministic for a seed, different for another.
  Corpus again = small_corpus(), other = small_corpus();
  add_transfer_pairs(again, "train", 30, 5);
  add_transfer_pairs(other, "train", 30, 6);
  EXPECT_EQ(again.pairs.back().instructions, corpus.pairs.back().instructions);
  EXPECT_EQ(again.poses.back(), corpus.poses.back());
  EXPECT_FALSE(other.poses.back() == corpus.poses.back());
  EXPECT_EQ(add_transfer_pairs(again, "train", 0, 5), 0);
}

}  // namespace
}  // namespace unipose::data
