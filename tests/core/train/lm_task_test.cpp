#include "core/train/lm_task.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/data/corpus.h"
#include "core/error.h"
#include "core/nn/module_io.h"
#include "core/nn/pose_vqvae.h"
#include "temp_dir.h"

namespace unipose::train {
namespace {

struct Fixture {
  data::Corpus corpus;
  text::TextTokenizer tokenizer;
  std::vector<std::vector<int64_t>> codes;
  text::InstructionTemplates templates;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture x;
    const std::string dir = unipose::testing::temp_dir("unipose_lm", "corpus");
    data::CorpusOptions o;
    o.poses = 200;
    o.pairs = 200;
    o.seed = 11;
    data::make_corpus(dir, o);
    x.corpus = data::read_corpus(dir);
    x.templates = text::load_instruction_templates(text::resources_dir() + "/text/instruction_templates.json");
    {
      std::ofstream f(dir + "/text.txt");
      for (const auto& c : x.corpus.captions)
        for (const auto& t : c) f << t << "\n";
      for (const auto& p : x.corpus.pairs)
        for (const auto& t : p.instructions) f << t << "\n";
      for (const auto& [task, list] : x.templates)
        for (const auto& t : list) f << t << "\n";
    }
    text::TextTokenizer::train(dir + "/text.txt", dir + "/tok", 400);
    x.tokenizer = text::TextTokenizer::load(dir + "/tok.model");
    // Codes from a small untrained pose tokenizer: a fixed function of the pose, which is what matters here.
    nn::VqVaeConfig vc;
    vc.tokens = 6;
    vc.codebook_size = 16;
    vc.code_dim = 8;
    vc.width = 16;
    vc.blocks = 1;
    vc.residual_levels = 2;
    torch::manual_seed(1);
    nn::PoseVqVae vq(vc);
    vq->forward(nn::poses_to_rot6d(x.corpus.poses));  // codebooks start on the data
    vq->eval();
    torch::NoGradGuard ng;
    const auto ids = vq->encode(nn::poses_to_rot6d(x.corpus.poses)).contiguous();
    for (int64_t i = 0; i < ids.size(0); ++i) x.codes.emplace_back(ids[i].data_ptr<int64_t>(), ids[i].data_ptr<int64_t>() + 6);
    return x;
  }();
  return f;
}

nn::LmConfig config(const Fixture& f, bool mixed) {
  nn::LmConfig c;
  c.text_vocab = f.tokenizer.vocab_size();
  c.pose_codes = 16;
  c.pose_tokens = 6;
  c.dim = 48;
  c.layers = 2;
  c.heads = 4;
  c.kv_heads = 4;
  c.hidden = 96;
  c.max_positions = 256;
  c.mixed_attention = mixed;
  return c;
}

TEST(LmSequences, LayoutOfPromptsAndAnswers) {
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

TEST(LmTask, BatchLossesEqualTheLossesOfEachSequenceAlone) {
  // The batch runs in length groups and evaluates the output layer only where there are targets; the
  // result must be what each sequence gives on its own through the inference path, averaged over targets.
  const auto& f = fixture();
  for (const bool mixed : {true, false}) {
    torch::manual_seed(3);
    LmTask task(nn::LanguageModel(config(f, mixed)), f.corpus, f.codes, f.tokenizer, f.templates, "instruct",
                {"text2pose", "pose2text", "posediff", "edit"}, 8);
    std::mt19937_64 rng(5);
    std::vector<LmSequence> batch;
    for (const std::string t : {"text2pose", "pose2text", "posediff", "edit", "edit", "text2pose"}) batch.push_back(task.example(t, "train", batch.size(), rng));
    std::string long_text;
    for (int i = 0; i < 2; ++i) long_text += f.corpus.captions[0][0] + " ";
    const auto& c = task.model()->config;
    batch.push_back(build_sequence(c, f.tokenizer, "Describe <pose>", {{"<pose>", {"", f.codes[0]}}}, Slot{long_text, {}}));
    size_t shortest = 1 << 30, longest = 0;
    for (const auto& s : batch) shortest = std::min(shortest, s.ids.size()), longest = std::max(longest, s.ids.size());
    ASSERT_GT(longest, shortest + 40);  // more than one length group
    torch::NoGradGuard ng;
    double text = 0, pose = 0, right = 0;
    int64_t text_n = 0, code_n = 0;
    for (const auto& s : batch) {
      const auto h = task.model()->hidden(task.model()->embed({nn::LmInput{s.ids, s.spans}}), s.spans).squeeze(0);
      const auto logits = task.model()->logits(h);
      for (size_t i = 0; i < s.ids.size(); ++i) {
        if (s.targets[i] != -100) {
          text -= torch::log_softmax(logits[i], 0)[s.targets[i]].item<double>();
          ++text_n;
        }
        if (s.codes[i] != -100) {
          const auto row = logits[i].narrow(0, c.text_vocab, c.pose_codes);
          pose -= torch::log_softmax(row, 0)[s.codes[i]].item<double>();
          right += row.argmax().item<int64_t>() == s.codes[i];
          ++code_n;
        }
      }
    }
    const auto l = task.losses(batch, torch::kCPU);
    EXPECT_NEAR(l.at("text").item<double>(), text / text_n, 1e-4) << mixed;
    EXPECT_NEAR(l.at("pose").item<double>(), pose / code_n, 1e-4) << mixed;
    EXPECT_NEAR(l.at("code_accuracy").item<double>(), right / code_n, 1e-6) << mixed;
    EXPECT_NEAR(l.at("loss").item<double>(), text / text_n + pose / code_n, 1e-4) << mixed;
  }
}

TEST(LmTask, TrainingLowersTheLossOfEveryTask) {
  const auto& f = fixture();
  for (const bool mixed : {true, false}) {
    torch::manual_seed(2);
    LmTask task(nn::LanguageModel(config(f, mixed)), f.corpus, f.codes, f.tokenizer, f.templates, "instruct",
                {"text2pose", "pose2text", "posediff", "edit"}, 8);
    const auto before = task.evaluate(torch::kCPU);
    TrainOptions o;
    o.out_dir = unipose::testing::temp_dir("unipose_lm", mixed ? "mixed" : "causal");
    o.steps = 40;
    o.lr = 3e-3;
    o.eval_every = 40;
    o.checkpoint_every = 40;
    const auto r = run_training(task, o);
    EXPECT_LT(r.last_eval.at("pose2text_text_loss"), before.at("pose2text_text_loss") * 0.8) << mixed;
    EXPECT_LT(r.last_eval.at("posediff_text_loss"), before.at("posediff_text_loss") * 0.8) << mixed;
    EXPECT_LT(r.last_eval.at("text2pose_pose_loss"), before.at("text2pose_pose_loss")) << mixed;
    EXPECT_LT(r.last_eval.at("edit_pose_loss"), before.at("edit_pose_loss")) << mixed;
  }
}

}  // namespace
}  // namespace unipose::train
