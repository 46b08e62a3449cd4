#include "core/nn/lm_prompt.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/pose/sampler.h"
#include "core/text/captioner.h"
#include "needs_sentencepiece.h"
#include "temp_dir.h"
#include "tiny_models.h"

namespace unipose::nn {
namespace {

// A small SentencePiece model trained on captions of sampled poses.
struct Fixture {
  text::TextTokenizer tokenizer;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture x;
    const std::string dir = unipose::testing::temp_dir("unipose_lm_prompt", "tokenizer");
    std::filesystem::create_directories(dir);
    {
      std::ofstream out(dir + "/text.txt");
      pose::PoseSampler sampler(3);
      for (int i = 0; i < 150; ++i) out << text::describe_pose(sampler.sample().pose, i) << "\n";
      out << "How do I go from to? Generate a pose: Describe Answer: arms up Bend your left knee.\n";
    }
    text::TextTokenizer::train(dir + "/text.txt", dir + "/tok", 200);
    x.tokenizer = text::TextTokenizer::load(dir + "/tok.model");
    return x;
  }();
  return f;
}

LmConfig config(const Fixture& f, bool mixed) { return unipose::testing::tiny_lm_config(f.tokenizer.vocab_size(), 6, mixed); }

// A picture's slot: that many <image> positions, one bidirectional span per picture.
TEST(LmSequences, PicturesTakeTheirImagePositionsEachInItsOwnSpan) {
  UNIPOSE_NEEDS_SENTENCEPIECE();
  const auto& f = fixture();
  const auto c = config(f, true);
  Slot a, b;
  a.image_tokens = 4;
  b.image_tokens = 4;
  const auto s = build_sequence(c, f.tokenizer, "How do I go from <image_a> to <image_b>?", {{"<image_a>", a}, {"<image_b>", b}},
                                Slot{"Bend your left knee.", {}});
  std::vector<int> spans;
  for (size_t i = 0; i < s.ids.size(); ++i)
    if (s.ids[i] == c.image_token()) spans.push_back(s.spans[i]);
  EXPECT_EQ(spans, (std::vector<int>{1, 1, 1, 1, 2, 2, 2, 2}));
  Slot huge;
  huge.image_tokens = c.max_positions + 1;
  EXPECT_THROW(build_sequence(c, f.tokenizer, "Describe <image>.", {{"<image>", huge}}, std::nullopt), Error);
}

TEST(LmSequences, LayoutOfPromptsAndAnswers) {
  UNIPOSE_NEEDS_SENTENCEPIECE();
  const auto& f = fixture();
  const auto c = config(f, true);
  const std::vector<int64_t> a{1, 2, 3, 4, 5, 6}, b{6, 5, 4, 3, 2, 1};
  // Pose-diff: two pose spans in the request, a text answer ending with <eos>.
  const auto s = build_sequence(c, f.tokenizer, "How do I go from <pose_a> to <pose_b>?", {{"<pose_a>", {"", a}}, {"<pose_b>", {"", b}}},
                                Slot{"Bend your left knee.", {}});
  EXPECT_EQ(s.ids[0], f.tokenizer.bos_id());
  int pose_spans = 0;
  for (size_t i = 0; i < s.ids.size(); ++i) {
    if (s.ids[i] == c.pose_begin()) {
      ++pose_spans;
      for (int q = 0; q < 6; ++q) EXPECT_EQ(s.spans[i + 1 + q], pose_spans);
      EXPECT_EQ(s.ids[i + 7], c.pose_end());
    }
  }
  EXPECT_EQ(pose_spans, 2);
  // Targets: the last prompt position predicts the first answer piece; the last answer piece predicts <eos>.
  EXPECT_EQ(s.targets[s.prompt_length - 1], s.ids[s.prompt_length]);
  EXPECT_EQ(s.targets.back(), f.tokenizer.eos_id());
  EXPECT_EQ(f.tokenizer.decode(std::vector<int>(s.ids.begin() + static_cast<long>(s.prompt_length), s.ids.end())), "Bend your left knee.");
  // Text-to-pose, mixed: <p> then 6 queries in one span, each with its code target.
  const auto t = build_sequence(c, f.tokenizer, "Generate a pose: <text>", {{"<text>", {"arms up", {}}}}, Slot{"", a});
  EXPECT_EQ(t.targets[t.prompt_length - 1], c.pose_begin());
  for (int q = 0; q < 6; ++q) {
    EXPECT_EQ(t.ids[t.prompt_length + 1 + q], -(q + 1));
    EXPECT_EQ(t.codes[t.prompt_length + 1 + q], a[q]);
  }
  // Causal: the codes are ordinary next tokens, then </p>.
  const auto u = build_sequence(config(f, false), f.tokenizer, "Generate a pose: <text>", {{"<text>", {"arms up", {}}}}, Slot{"", a});
  EXPECT_EQ(u.codes[u.prompt_length], 1);
  EXPECT_EQ(u.ids[u.prompt_length + 1], c.pose_code_id(1));
  EXPECT_EQ(u.targets.back(), c.pose_end());
  EXPECT_THROW(build_sequence(c, f.tokenizer, "Describe <pose>", {}, std::nullopt), Error);
  EXPECT_THROW(build_sequence(c, f.tokenizer, "Describe <pose>", {{"<pose>", {"", {1, 2}}}}, std::nullopt), Error);
}

TEST(LmSequences, GroundedPosesAreOnePositionPerLatentWithTheirCodes) {
  UNIPOSE_NEEDS_SENTENCEPIECE();
  const auto& f = fixture();
  auto c = config(f, true);
  c.grounded = true;
  c.pose_levels = 2;
  c.code_dim = 4;  // 6 codes: 3 positions of 2 levels
  const std::vector<int64_t> a{1, 2, 3, 4, 5, 6}, b{6, 5, 4, 3, 2, 1};
  // Editing: the input pose is 3 positions reading their codes; the answer's 3 queries start from it and
  // are trained to give b's codes, 2 per query.
  const auto s = build_sequence(c, f.tokenizer, "Edit <pose> so that <text>", {{"<pose>", {"", a}}, {"<text>", {"arms up", {}}}},
                                Slot{"", b}, &a);
  ASSERT_EQ(s.input_codes.size(), s.ids.size() * 2);
  ASSERT_EQ(s.codes.size(), s.ids.size() * 2);
  int pose_positions = 0;
  for (size_t i = 0; i < s.ids.size(); ++i)
    if (s.ids[i] >= LmConfig::kPosePosition && s.ids[i] < LmConfig::kPosePosition + 3) {
      const int p = static_cast<int>(s.ids[i] - LmConfig::kPosePosition);
      EXPECT_EQ(p, pose_positions++);
      EXPECT_EQ(s.input_codes[i * 2], a[p * 2]);
      EXPECT_EQ(s.input_codes[i * 2 + 1], a[p * 2 + 1]);
      EXPECT_GT(s.spans[i], 0);
    }
  EXPECT_EQ(pose_positions, 3);
  EXPECT_EQ(s.ids[s.prompt_length], c.pose_begin());
  for (int q = 0; q < 3; ++q) {
    const size_t i = s.prompt_length + 1 + q;
    EXPECT_EQ(s.ids[i], -(q + 1));
    EXPECT_EQ(s.codes[i * 2], b[q * 2]);
    EXPECT_EQ(s.codes[i * 2 + 1], b[q * 2 + 1]);
    EXPECT_EQ(s.input_codes[i * 2], a[q * 2]) << "queries start from the input pose";
  }
  EXPECT_EQ(s.ids.size(), s.prompt_length + 4);
  // Causal: the pose itself, each position predicting the next one's codes, then </p>.
  auto causal = c;
  causal.mixed_attention = false;
  const auto u = build_sequence(causal, f.tokenizer, "Generate a pose: <text>", {{"<text>", {"arms up", {}}}}, Slot{"", b});
  EXPECT_EQ(u.codes[u.prompt_length * 2], b[0]);
  EXPECT_EQ(u.codes[u.prompt_length * 2 + 1], b[1]);
  EXPECT_EQ(u.ids[u.prompt_length + 1], LmConfig::kPosePosition);
  EXPECT_EQ(u.input_codes[(u.prompt_length + 1) * 2], b[0]);
  EXPECT_EQ(u.targets.back(), c.pose_end());
  EXPECT_THROW(build_sequence(causal, f.tokenizer, "Edit <pose> so that <text>", {{"<pose>", {"", a}}, {"<text>", {"x", {}}}}, Slot{"", b}, &a),
               Error);
  const std::vector<int64_t> short_start{1, 2};
  EXPECT_THROW(build_sequence(c, f.tokenizer, "Edit <pose> so that <text>", {{"<pose>", {"", a}}, {"<text>", {"x", {}}}}, Slot{"", b},
                              &short_start),
               Error);
}

}  // namespace
}  // namespace unipose::nn
