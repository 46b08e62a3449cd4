#include "core/train/retrieval_task.h"

#include <gtest/gtest.h>

#include "temp_dir.h"
#include "test_corpus.h"
#include "tiny_models.h"

namespace unipose::train {
namespace {

const data::Corpus& corpus() { return unipose::testing::test_corpus("retrieval", 700, 700, 9); }

TEST(Retrieval, TrainingLearnsToMatchPosesAndCaptions) {
  nn::RetrievalConfig config = unipose::testing::small_retrieval_config("pose_text");
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

}  // namespace
}  // namespace unipose::train
