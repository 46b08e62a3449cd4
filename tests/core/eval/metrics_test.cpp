// Metrics against values computed by hand (worked in the comments) and published worked examples.
#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/eval/metrics.h"
#include "core/eval/retrieval_metrics.h"
#include "core/eval/text_metrics.h"

using namespace unipose;

namespace {
eval::Words w(const std::string& s) { return text::tokenize_words(s); }
// Case-preserving split on spaces, for the published BLEU example (which is case-sensitive).
eval::Words split(const std::string& s) {
  eval::Words out;
  std::string cur;
  for (char c : s) {
    if (c == ' ') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else cur.push_back(c);
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}
}  // namespace

TEST(PoseMetrics, PaMpjpeByHand) {
  // target: (1,0,0), (-1,0,0), (0,0,0); prediction: (1,0,0), (-1,0,0), (0,1,0). Centred prediction:
  // (1,-1/3,0), (-1,-1/3,0), (0,2/3,0); cross-covariance diag(2,0,0) -> rotation about x only (any angle
  // gives the same errors); scale = 2 / (8/3) = 0.75. Aligned: (0.75,-0.25,0), (-0.75,-0.25,0), (0,0.5,0):
  // errors sqrt(0.125), sqrt(0.125), 0.5.
  const auto target = torch::tensor({1.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0}, torch::kDouble).view({1, 3, 3});
  const auto pred = torch::tensor({1.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0, 0.0}, torch::kDouble).view({1, 3, 3});
  EXPECT_NEAR(eval::pa_mpjpe(pred, target).item<double>(), (2 * std::sqrt(0.125) + 0.5) / 3, 1e-9);
  // MPJPE without alignment: 0, 0, 1.
  EXPECT_NEAR(eval::mpjpe(pred, target).item<double>(), 1.0 / 3, 1e-12);
  // Batched: a scaled, rotated, shifted copy aligns exactly, row by row.
  const auto rot = torch::tensor({0.0, -1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0}, torch::kDouble).view({3, 3});
  const auto copy = 2.5 * torch::matmul(target, rot.t()) + 7.0;
  const auto both = eval::pa_mpjpe(torch::cat({pred, copy}), torch::cat({target, target}));
  EXPECT_NEAR(both[1].item<double>(), 0.0, 1e-9);
  EXPECT_NEAR(both[0].item<double>(), (2 * std::sqrt(0.125) + 0.5) / 3, 1e-9);
}

TEST(TextMetrics, BleuPublishedExample) {
  // The worked example of Papineni et al. as NLTK's documentation gives it: corpus BLEU 0.5920778868801042,
  // the first sentence alone 0.5045666840058485 (its counts: 17/18, 10/17, 7/16, 4/15, no brevity penalty).
  const auto hyp1 = split("It is a guide to action which ensures that the military always obeys the commands of the party");
  const auto ref1a = split("It is a guide to action that ensures that the military will forever heed Party commands");
  const auto ref1b = split("It is the guiding principle which guarantees the military forces always being under the command of the Party");
  const auto ref1c = split("It is the practical guide for the army always to heed the directions of the party");
  const auto hyp2 = split("he read the book because he was interested in world history");
  const auto ref2a = split("he was interested in world history because he read the book");
  EXPECT_NEAR(eval::corpus_bleu({hyp1, hyp2}, {{ref1a, ref1b, ref1c}, {ref2a}}), 0.5920778868801042, 1e-12);
  EXPECT_NEAR(eval::corpus_bleu({hyp1}, {{ref1a, ref1b, ref1c}}), 0.5045666840058485, 1e-12);
}

TEST(TextMetrics, BleuByHand) {
  // Identical: 1. Hypothesis "the cat" against "the cat sat on the mat": every precision 1 except that there
  // are no 3- and 4-grams at all -> 0 (no n-grams of that order to score).
  EXPECT_NEAR(eval::corpus_bleu({w("a b c d e")}, {{w("a b c d e")}}), 1.0, 1e-12);
  EXPECT_EQ(eval::corpus_bleu({w("the cat")}, {{w("the cat sat on the mat")}}), 0.0);
  // "a b c d x" vs "a b c d e": p1 = 4/5, p2 = 3/4, p3 = 2/3, p4 = 1/2, lengths equal -> (4/5*3/4*2/3*1/2)^(1/4).
  EXPECT_NEAR(eval::corpus_bleu({w("a b c d x")}, {{w("a b c d e")}}), std::pow(0.8 * 0.75 * (2.0 / 3) * 0.5, 0.25), 1e-12);
  // Brevity: "a b c d" vs "a b c d e f": precisions 1, c = 4, r = 6 -> exp(1 - 6/4).
  EXPECT_NEAR(eval::corpus_bleu({w("a b c d")}, {{w("a b c d e f")}}), std::exp(1 - 1.5), 1e-12);
  // Smoothing: no 4-gram match ("a b c x d" vs "a b c d"): p = 4/5, 2/4, 1/3, 0.1/2.
  EXPECT_NEAR(eval::corpus_bleu({w("a b c x d")}, {{w("a b c d")}}), std::pow(0.8 * 0.5 * (1.0 / 3) * 0.05, 0.25), 1e-12);
}

TEST(TextMetrics, RougeLByHand) {
  // Lin (2004): reference "police killed the gunman"; "police kill the gunman" has LCS 3 -> F = 3/4;
  // "the gunman kill police" has LCS 2 -> F = 1/2.
  const auto ref = w("police killed the gunman");
  EXPECT_NEAR(eval::rouge_l(w("police kill the gunman"), {ref}), 0.75, 1e-12);
  EXPECT_NEAR(eval::rouge_l(w("the gunman kill police"), {ref}), 0.5, 1e-12);
  // Unequal lengths: LCS("a b c", "a x b y c z") = 3, P = 1, R = 1/2 -> F1 = 2/3. The best reference counts.
  EXPECT_NEAR(eval::rouge_l(w("a b c"), {w("q r s"), w("a x b y c z")}), 2.0 / 3, 1e-12);
  EXPECT_NEAR(eval::corpus_rouge_l({w("a b c"), w("q")}, {{w("a x b y c z")}, {w("q")}}), (2.0 / 3 + 1) / 2, 1e-12);
}

TEST(TextMetrics, MeteorByHand) {
  // Identical 6 words: one chunk, penalty 0.5 (1/6)^3.
  EXPECT_NEAR(eval::meteor(w("the cat sat on the mat"), {w("the cat sat on the mat")}), 1 - 0.5 / 216, 1e-12);
  // Same words, scrambled: all 6 match, every match its own chunk -> Fmean 1, penalty 0.5.
  EXPECT_NEAR(eval::meteor(w("the cat sat on the mat"), {w("on the mat sat the cat")}), 0.5, 1e-12);
  // Stems: raises/raised -> rais, arms/arm -> arm: 4 matches in one chunk.
  EXPECT_NEAR(eval::meteor(w("he raises his arms"), {w("he raised his arm")}, eval::MeteorModules::ExactStem), 1 - 0.5 / 64, 1e-12);
  // Exact only: he, his -> P = R = 1/2, Fmean = 0.25 / (0.45 + 0.05) = 0.5, two chunks -> penalty 0.5.
  EXPECT_NEAR(eval::meteor(w("he raises his arms"), {w("he raised his arm")}, eval::MeteorModules::Exact), 0.25, 1e-12);
  EXPECT_EQ(eval::meteor(w("x y"), {w("a b")}), 0.0);
  EXPECT_EQ(eval::porter_stem("raising"), "rais");
  EXPECT_EQ(eval::porter_stem("knees"), "knee");
}

TEST(TextMetrics, MeteorSynonyms) {
  if (!eval::wordnet_available()) GTEST_SKIP() << "WordNet 3.0 (Debian wordnet-base) is not installed";
  EXPECT_TRUE(eval::wordnet_synonyms("lifts", "raises"));  // base forms lift/raise share a synset
  EXPECT_FALSE(eval::wordnet_synonyms("knee", "elbow"));
  // "lifts" vs "raises": a synonym match, so all six words align in one chunk.
  EXPECT_NEAR(eval::meteor(w("the person lifts the left arm"), {w("the person raises the left arm")}), 1 - 0.5 / 216, 1e-12);
  // Without synonyms: 5 of 6 in two chunks: Fmean 5/6, penalty 0.5 (2/5)^3.
  EXPECT_NEAR(eval::meteor(w("the person lifts the left arm"), {w("the person raises the left arm")}, eval::MeteorModules::ExactStem),
              5.0 / 6 * (1 - 0.5 * 0.064), 1e-12);
}

TEST(RetrievalMetrics, RPrecisionByHand) {
  // 32 items on a line: query i at i. Candidates at i + 0.4: each query's own candidate is the nearest.
  // Candidates at i + 0.6: the nearest is the previous item's (0.4 away) except for query 0 -> top-1 = 1/32,
  // top-2 = 1. With exactly 32 items every draw holds all of them, so the numbers are exact.
  const auto q = torch::arange(32, torch::kDouble).unsqueeze(1);
  auto r = eval::r_precision(q, q + 0.4, {1, 2, 3});
  EXPECT_DOUBLE_EQ(r[1], 1.0);
  r = eval::r_precision(q, q + 0.6, {1, 2, 3});
  EXPECT_DOUBLE_EQ(r[1], 1.0 / 32);
  EXPECT_DOUBLE_EQ(r[2], 1.0);
  EXPECT_THROW(eval::r_precision(q.narrow(0, 0, 10), q.narrow(0, 0, 10), {1}), std::exception);
}

TEST(RetrievalMetrics, RecallAtKByHand) {
  // Gallery 0..9 on a line; query at 2.9 with correct item 5 (2.1 away): items 3, 2, 4, 1 are closer (0.1,
  // 0.9, 1.1, 1.9), so 5 is fifth -> hit at k >= 5. Query at 0 with correct items {0, 9} -> first.
  const auto gallery = torch::arange(10, torch::kDouble).unsqueeze(1);
  const auto queries = torch::tensor({2.9, 0.0}, torch::kDouble).unsqueeze(1);
  const auto r = eval::recall_at_k(queries, gallery, {{5}, {0, 9}}, {1, 4, 5});
  EXPECT_DOUBLE_EQ(r.at(1), 0.5);
  EXPECT_DOUBLE_EQ(r.at(4), 0.5);
  EXPECT_DOUBLE_EQ(r.at(5), 1.0);
  // Ties count against: a gallery of identical features ranks every query behind all the others.
  const auto same = torch::zeros({10, 1}, torch::kDouble);
  const auto t = eval::recall_at_k(same.narrow(0, 0, 2), same, {{0}, {1}}, {1, 9, 10});
  EXPECT_DOUBLE_EQ(t.at(1), 0.0);
  EXPECT_DOUBLE_EQ(t.at(9), 0.0);
  EXPECT_DOUBLE_EQ(t.at(10), 1.0);
}

TEST(RetrievalMetrics, FrechetDistanceByHand) {
  // 1-D: {0, 2} (mean 1, variance 2) vs {1, 3, 5} (mean 3, variance 4):
  // (1-3)^2 + 2 + 4 - 2 sqrt(8).
  const auto a = torch::tensor({0.0, 2.0}, torch::kDouble).unsqueeze(1);
  const auto b = torch::tensor({1.0, 3.0, 5.0}, torch::kDouble).unsqueeze(1);
  EXPECT_NEAR(eval::frechet_distance(a, b), 4 + 6 - 2 * std::sqrt(8.0), 1e-9);
  // 2-D: points (+-1, +-2) (zero covariance) vs the same with the axes swapped and shifted by (3, 4).
  const auto c = torch::tensor({-1.0, -2.0, 1.0, 2.0, -1.0, 2.0, 1.0, -2.0}, torch::kDouble).view({4, 2});
  const auto d = torch::stack({c.select(1, 1), c.select(1, 0)}, 1) + torch::tensor({3.0, 4.0}, torch::kDouble);
  // Variances (n - 1 = 3): 4/3 and 16/3, swapped on the other side -> 25 + 2 (4/3 + 16/3) - 2 * 2 sqrt(64/9).
  EXPECT_NEAR(eval::frechet_distance(c, d), 25 + 2 * (20.0 / 3) - 4 * (8.0 / 3), 1e-9);
  EXPECT_NEAR(eval::frechet_distance(c, c), 0.0, 1e-9);
}

TEST(PoseMetrics, MpjpeAndProcrustes) {
  auto target = torch::randn({4, 22, 3}, torch::kDouble);
  EXPECT_NEAR(eval::mpjpe(target + torch::tensor({0.0, 0.3, 0.4}, torch::kDouble), target).mean().item<double>(), 0.5, 1e-12);
  // A rotated, scaled and shifted copy is perfect after alignment, but not before.
  const auto r = torch::tensor({0.0, -1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0}, torch::kDouble).reshape({3, 3});
  const auto moved = 1.7 * torch::matmul(target, r.t()) + 2.0;
  EXPECT_LT(eval::pa_mpjpe(moved, target).max().item<double>(), 1e-9);
  EXPECT_GT(eval::mpjpe(moved, target).min().item<double>(), 0.5);
  // A mirror image is not a rotation: alignment must not reach zero.
  const auto mirrored = target * torch::tensor({-1.0, 1.0, 1.0}, torch::kDouble);
  EXPECT_GT(eval::pa_mpjpe(mirrored, target).min().item<double>(), 0.1);
}
