#include "core/train/trainer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/data/corpus.h"
#include "core/error.h"
#include "core/eval/metrics.h"
#include "core/io/files.h"
#include "core/nn/module_io.h"
#include "core/train/tokenizer_task.h"
#include "temp_dir.h"

namespace unipose::train {
namespace {

namespace fs = std::filesystem;

std::string temp_dir(const std::string& name) { return unipose::testing::temp_dir("unipose_train", name); }

nn::VqVaeConfig tiny() {
  nn::VqVaeConfig c;
  c.tokens = 8;
  c.codebook_size = 16;
  c.code_dim = 8;
  c.width = 16;
  c.blocks = 1;
  return c;
}

const std::string& corpus() {
  static const std::string dir = [] {
    const std::string d = temp_dir("corpus");
    data::CorpusOptions o;
    o.poses = 60;
    o.pairs = 0;
    o.seed = 2;
    data::make_corpus(d, o);
    return d;
  }();
  return dir;
}

TrainOptions options(const std::string& out) {
  TrainOptions o;
  o.out_dir = out;
  o.steps = 12;
  o.lr = 1e-3;
  o.checkpoint_every = 4;
  o.eval_every = 6;
  o.log_every = 3;
  return o;
}

TEST(Trainer, ResumeAfterAKillContinuesExactly) {
  TokenizerTask a(tiny(), corpus(), 8);
  const auto ra = run_training(a, options(temp_dir("a")));
  EXPECT_EQ(ra.step, 12);
  EXPECT_FALSE(ra.interrupted);

  const std::string run_b = temp_dir("b");
  {
    TokenizerTask b(tiny(), corpus(), 8);
    auto o = options(run_b);
    o.stop_after = 6;  // killed after step 6: the last checkpoint is step 4
    EXPECT_TRUE(run_training(b, o).interrupted);
  }
  TokenizerTask b(tiny(), corpus(), 8);
  auto o = options(run_b);
  o.resume = true;
  const auto rb = run_training(b, o);
  EXPECT_EQ(rb.step, 12);
  const auto sa = nn::named_state(a.module()), sb = nn::named_state(b.module());
  ASSERT_EQ(sa.size(), sb.size());
  for (const auto& [name, t] : sa) EXPECT_TRUE(torch::allclose(t, sb.at(name), 1e-6, 1e-7)) << name;
  // Starting over in a folder with a checkpoint needs --resume.
  TokenizerTask c(tiny(), corpus(), 8);
  EXPECT_THROW(run_training(c, options(run_b)), Error);
}

TEST(Trainer, CorruptCheckpointIsReportedNotCrashed) {
  const std::string run = temp_dir("corrupt");
  {
    TokenizerTask t(tiny(), corpus(), 8);
    auto o = options(run);
    o.steps = 4;
    run_training(t, o);
  }
  const std::string ckpt = run + "/checkpoint.pt";
  fs::resize_file(ckpt, fs::file_size(ckpt) / 2);
  TokenizerTask t(tiny(), corpus(), 8);
  auto o = options(run);
  o.resume = true;
  try {
    run_training(t, o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(ckpt), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("corrupt"), std::string::npos) << e.what();
  }
}

TEST(Trainer, WarmupThenCosine) {
  TrainOptions o;
  o.steps = 1000;
  o.lr = 1.0;
  o.warmup_fraction = 0.1;
  EXPECT_NEAR(learning_rate(o, 0), 0.01, 1e-12);
  EXPECT_NEAR(learning_rate(o, 99), 1.0, 1e-12);
  EXPECT_NEAR(learning_rate(o, 550), 0.5, 1e-3);
  EXPECT_LT(learning_rate(o, 999), 1e-4);
}

TEST(Tokenizer, ResidualLevelsCodeWhatThePreviousLeft) {
  nn::VqVaeConfig c = tiny();
  c.residual_levels = 4;  // 8 tokens = 2 positions x 4 levels
  torch::manual_seed(4);
  nn::PoseVqVae model(c);
  std::vector<pose::Pose> poses(64);
  std::mt19937 rng(3);
  std::normal_distribution<double> n(0, 0.3);
  for (auto& p : poses)
    for (int j = 0; j < 22; ++j) p.rotations[j] = Eigen::Vector3d(n(rng), n(rng), n(rng));
  const auto x = nn::poses_to_rot6d(poses);
  model->forward(x);  // training mode: the codebooks start on the data
  model->eval();
  torch::NoGradGuard ng;
  const auto out = model->forward(x);
  const auto ids = model->encode(x);
  ASSERT_EQ(ids.sizes(), (std::vector<int64_t>{64, 8}));
  EXPECT_TRUE(torch::equal(ids, out.indices));
  EXPECT_TRUE(torch::allclose(model->decode(ids), out.rot6d, 1e-5, 1e-6));
  // Each level shrinks what is left: the error of the summed codes falls level by level.
  const auto z = model->encode_continuous_for_test(x);
  auto residual = z;
  double last = residual.norm().item<double>();
  for (int l = 0; l < 4; ++l) {
    const auto level = ids.view({64 * 2, 4}).select(1, l).contiguous();
    residual = residual - model->level(l)->lookup(level);
    const double now = residual.norm().item<double>();
    EXPECT_LT(now, last) << "level " << l;
    last = now;
  }
  // A config whose tokens do not divide into the levels is refused with a clear message.
  c.residual_levels = 3;
  EXPECT_THROW(nn::PoseVqVae{c}, Error);
}

TEST(TokenizerBundle, RoundTripAndTamperedFiles) {
  nn::PoseVqVae model(tiny());
  model->eval();
  const std::string dir = temp_dir("bundle");
  nn::save_tokenizer_bundle(dir, model, "# test\n", false);
  auto loaded = nn::load_tokenizer_bundle(dir);
  const auto x = nn::poses_to_rot6d({pose::Pose()});
  torch::NoGradGuard ng;
  EXPECT_TRUE(torch::equal(model->encode(x), loaded->encode(x)));
  // Half precision bundles load too.
  nn::save_tokenizer_bundle(dir + "16", model, "# test\n", true);
  EXPECT_NO_THROW(nn::load_tokenizer_bundle(dir + "16"));
  // A changed byte fails the checksum, naming the file.
  auto bytes = io::read_binary_file(dir + "/model.safetensors");
  bytes[bytes.size() - 3] ^= 0x55;
  io::write_file_atomic(dir + "/model.safetensors", bytes.data(), bytes.size());
  try {
    nn::load_tokenizer_bundle(dir);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.safetensors: checksum differs"), std::string::npos) << e.what();
  }
  // Weights of another shape: the tensor is named.
  nn::VqVaeConfig other = tiny();
  other.width = 24;
  nn::PoseVqVae wrong(other);
  nn::save_weights(*wrong, dir + "/other.safetensors", false);
  try {
    nn::load_weights(*model, dir + "/other.safetensors");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("has shape"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
  fs::remove_all(dir + "16");
}

TEST(Metrics, MpjpeAndProcrustes) {
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

}  // namespace
}  // namespace unipose::train
