#include "core/eval/tasks.h"

#include <gtest/gtest.h>

#include <map>

#include "core/error.h"
#include "test_corpus.h"

namespace unipose::eval {
namespace {

const data::Corpus& corpus() { return unipose::testing::test_corpus("eval_tasks", 700, 700, 9); }

TEST(EvalTasks, NearestNeighbourFindsTrainingItems) {
  const auto& c = corpus();
  const auto& train_ids = c.split("train");
  std::vector<std::string> texts;
  for (int k = 0; k < 10; ++k) texts.push_back(c.captions[train_ids[k]][1]);
  // A training caption's nearest training caption is itself (or a caption of an identical pose).
  auto nn = make_baseline("nearest-neighbour", Task::TextToPose, c, "test");
  const auto poses = nn.text_to_pose(texts);
  const auto err = body_joints(poses) - body_joints(std::vector<pose::Pose>{c.poses[train_ids[0]]});
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
  auto ed = make_baseline("nearest-neighbour", Task::PoseEditing, c, "test");
  const auto& p = c.pairs[chosen];
  const auto b = ed.edit({c.poses[p.a]}, {p.instructions[0]});
  const auto jb = body_joints(b), jt = body_joints(std::vector<pose::Pose>{c.poses[p.b]});
  EXPECT_LT((jb - jt).abs().max().item<double>(), 1e-6);
  // Baselines that do not apply are refused by name.
  EXPECT_THROW(make_baseline("caption-pipeline", Task::TextToPose, c, "test"), Error);
}

}  // namespace
}  // namespace unipose::eval
