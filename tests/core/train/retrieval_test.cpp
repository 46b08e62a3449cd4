#include "core/train/retrieval_task.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "core/data/corpus.h"
#include "core/error.h"
#include "core/eval/tasks.h"
#include "core/io/files.h"
#include "temp_dir.h"

namespace unipose::train {
namespace {

const data::Corpus& corpus() {
  static const data::Corpus c = [] {
    const std::string d = unipose::testing::temp_dir("unipose_retrieval", "corpus");
    data::CorpusOptions o;
    o.poses = 700;
    o.pairs = 700;
    o.seed = 9;
    data::make_corpus(d, o);
    return data::read_corpus(d);
  }();
  return c;
}

nn::RetrievalConfig small(const std::string& kind) {
  nn::RetrievalConfig c;
  c.kind = kind;
  c.feature_dim = 32;
  c.pose_width = 64;
  c.text_width = 32;
  c.text_layers = 1;
  c.vocabulary = {"<pad>", "<unk>", "left", "right", "hand", "up", "down"};
  return c;
}

TEST(Retrieval, LeftRightSwap) {
  EXPECT_EQ(swap_left_right("Left hand up, right foot left of the leftmost"), "Right hand up, left foot right of the leftmost");
}

TEST(Retrieval, PaddingDoesNotChangeAText) {
  torch::manual_seed(1);
  nn::RetrievalModel m(small("pose_text"));
  m->eval();
  torch::NoGradGuard ng;
  const auto one = nn::encode_texts(m->config, {"left hand up"});
  const auto padded = torch::cat({one, torch::zeros({1, 5}, torch::kLong)}, 1);
  EXPECT_TRUE(torch::allclose(m->encode_texts(one), m->encode_texts(padded), 1e-5, 1e-6));
  // Word order matters ("left hand up right hand down" is not its mirror), and features are unit vectors.
  const auto f = m->encode_texts(nn::encode_texts(m->config, {"left hand up right hand down", "right hand up left hand down", ""}));
  EXPECT_GT((f[0] - f[1]).norm().item<double>(), 1e-4);
  EXPECT_NEAR(f.norm(2, 1).min().item<double>(), 1.0, 1e-5);
  // Unknown words map to <unk>; an empty text still encodes.
  EXPECT_EQ(nn::encode_words(m->config, "Left zebra"), (std::vector<int64_t>{2, 1}));
  EXPECT_TRUE(torch::isfinite(f[2]).all().item<bool>());
}

TEST(Retrieval, ContrastiveLossByHand) {
  // Two matching unit vectors, orthogonal to the other pair: logits 10 I -> each row log(1 + e^-10).
  nn::RetrievalModel m(small("pose_text"));
  const auto eye = torch::eye(2);
  EXPECT_NEAR(m->contrastive_loss(eye, eye).item<double>(), std::log1p(std::exp(-10.0)), 1e-6);
  // Swapped texts: each row's positive has logit 0 against 10 -> log(1 + e^10).
  EXPECT_NEAR(m->contrastive_loss(eye, eye.flip(0)).item<double>(), std::log1p(std::exp(10.0)), 1e-4);
}

TEST(Retrieval, BundleRoundTripAndBadFiles) {
  const std::string dir = unipose::testing::temp_dir("unipose_retrieval", "bundle");
  torch::manual_seed(2);
  nn::RetrievalModel m(small("pair_text"));
  m->eval();
  nn::save_retrieval_bundle(dir, m, "# card\n", false);
  auto back = nn::load_retrieval_bundle(dir);
  EXPECT_EQ(back->config.vocabulary, m->config.vocabulary);
  EXPECT_EQ(back->config.kind, "pair_text");
  torch::NoGradGuard ng;
  const auto ids = nn::encode_texts(m->config, {"right hand down"});
  EXPECT_TRUE(torch::allclose(m->encode_texts(ids), back->encode_texts(ids)));
  EXPECT_THROW(back->encode_poses(torch::zeros({1, 22, 6})), Error);
  io::write_file_atomic(dir + "/config.json", "{\"architecture\": \"unipose.retrieval/1\", \"kind\": \"pose_text\"}");
  try {
    nn::load_retrieval_bundle(dir);
    FAIL() << "a modified config must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("config.json"), std::string::npos) << e.what();
  }
}

TEST(Retrieval, TrainingLearnsToMatchPosesAndCaptions) {
  nn::RetrievalConfig config = small("pose_text");
  RetrievalTask task(config, corpus(), 32, 3);
  const double before = task.evaluate(torch::kCPU).at("mRecall");
  TrainOptions o;
  o.out_dir = unipose::testing::temp_dir("unipose_retrieval", "run");
  o.steps = 60;
  o.lr = 2e-3;
  o.eval_every = 60;
  o.checkpoint_every = 60;
  const auto r = run_training(task, o);
  EXPECT_GT(r.last_eval.at("mRecall"), before + 10) << "before " << before;
}

TEST(EvalTasks, NearestNeighbourFindsTrainingItems) {
  const auto& c = corpus();
  const auto& train_ids = c.split("train");
  std::vector<std::string> texts;
  for (int k = 0; k < 10; ++k) texts.push_back(c.captions[train_ids[k]][1]);
  // A training caption's nearest training caption is itself (or a caption of an identical pose).
  auto nn = eval::make_baseline("nearest-neighbour", eval::Task::TextToPose, c, "test");
  const auto poses = nn.text_to_pose(texts);
  const auto err = eval::body_joints(poses) - eval::body_joints(std::vector<pose::Pose>{c.poses[train_ids[0]]});
  EXPECT_LT(err[0].abs().max().item<double>(), 1e-9);
  // Editing with a training pair's own instruction (one no other training pair has) applies exactly that
  // pair's change: A -> B.
  const auto pairs = c.pairs_in("train");
  std::map<std::string, int> uses;
  for (const int i : pairs)
    for (const auto& t : c.pairs[i].instructions) ++uses[t];
  int chosen = -1;
  for (const int i : pairs)
    if (uses[c.pairs[i].instructions[0]] == 1 && chosen < 0) chosen = i;
  ASSERT_GE(chosen, 0);
  auto ed = eval::make_baseline("nearest-neighbour", eval::Task::Edit, c, "test");
  const auto& p = c.pairs[chosen];
  const auto b = ed.edit({c.poses[p.a]}, {p.instructions[0]});
  const auto jb = eval::body_joints(b), jt = eval::body_joints(std::vector<pose::Pose>{c.poses[p.b]});
  EXPECT_LT((jb - jt).abs().max().item<double>(), 1e-6);
  // Baselines that do not apply are refused by name.
  EXPECT_THROW(eval::make_baseline("caption-pipeline", eval::Task::TextToPose, c, "test"), Error);
}

}  // namespace
}  // namespace unipose::train
