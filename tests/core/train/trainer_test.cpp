#include "core/train/trainer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <cstring>
#include <random>
#include <filesystem>

#include <ATen/autocast_mode.h>

#include "core/data/corpus.h"
#include "core/data/corpus_reader.h"
#include "core/error.h"
#include "core/io/files.h"
#include "core/nn/module_io.h"
#include "core/pose/pose_io.h"
#include "core/train/tensorboard.h"
#include "core/train/tokenizer_task.h"
#include "temp_dir.h"
#include "tiny_models.h"

namespace unipose::train {
namespace {

namespace fs = std::filesystem;

std::string temp_dir(const std::string& name) { return unipose::testing::temp_dir("unipose_train", name); }
nn::VqVaeConfig tiny() { return unipose::testing::tiny_vqvae_config(); }

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
  // metrics.csv holds each step once: the rows the killed run logged after its checkpoint (step 6) went.
  const std::string csv = io::read_text_file(run_b + "/metrics.csv");
  size_t rows_at_6 = 0;
  for (size_t at = csv.find("\n6,loss,"); at != std::string::npos; at = csv.find("\n6,loss,", at + 1)) ++rows_at_6;
  EXPECT_EQ(rows_at_6, 1u) << csv;
  EXPECT_EQ(csv.rfind("step,key,value\n", 0), 0u);
  // The resumed run says so to TensorBoard: a SessionLog START at step 5 (checkpoint 4 + 1) purges step 6 of the
  // killed run's event file. Event{step(2) = 5, session_log(7){status(1) = START}}.
  bool session_start = false;
  for (const auto& e : fs::directory_iterator(run_b)) {
    if (e.path().filename().string().rfind("events.out.tfevents.", 0) != 0) continue;
    const std::string bytes = io::read_text_file(e.path().string());
    session_start = session_start || bytes.find(std::string("\x10\x05\x3a\x02\x08\x01", 6)) != std::string::npos;
  }
  EXPECT_TRUE(session_start);
  // A checkpoint past --steps is refused, naming both.
  TokenizerTask d(tiny(), corpus(), 8);
  auto shorter = options(run_b);
  shorter.resume = true;
  shorter.steps = 3;
  try {
    run_training(d, shorter);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is at step 12, past --steps 3"), std::string::npos) << e.what();
  }
}

// Sends itself SIGTERM at a given step, as a scheduler ending a job would.
class Terminated : public TrainTask {
 public:
  explicit Terminated(int at) : at_(at) { torch::manual_seed(1); }
  torch::nn::Module& module() override { return *net_; }
  std::map<std::string, torch::Tensor> step(std::mt19937_64&, const torch::Device&) override {
    if (++calls_ == at_) std::raise(SIGTERM);
    return {{"loss", net_(torch::randn({8, 4})).pow(2).mean()}};
  }
  std::map<std::string, double> evaluate(const torch::Device&) override { return {}; }
  std::int64_t items_per_step() const override { return 8; }
  torch::nn::Linear net_{4, 4};
  int at_, calls_ = 0;
};

TEST(Trainer, SigtermCheckpointsLikeCtrlC) {
  const std::string run = temp_dir("sigterm");
  Terminated task(5);
  auto o = options(run);
  o.checkpoint_every = 100;
  const auto r = run_training(task, o);
  EXPECT_TRUE(r.interrupted);
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_EQ(r.step, 5);
  EXPECT_TRUE(fs::exists(run + "/checkpoint.pt"));
  for (const auto& e : fs::directory_iterator(run)) EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  Terminated again(-1);
  o.resume = true;
  const auto done = run_training(again, o);
  EXPECT_FALSE(done.interrupted);
  EXPECT_EQ(done.signal, 0);
  EXPECT_EQ(done.step, 12);
}

TEST(TokenizerTask, StartsFromAModelAndTrainsOnRealMotion) {
  // Starting from a trained model: the same codes before any step.
  TokenizerTask a(tiny(), corpus(), 8, 1);
  TokenizerTask b(tiny(), corpus(), 8, 2);
  const auto x = nn::poses_to_rot6d(data::load_corpus_split(corpus(), "val"));
  auto codes = [&x](TokenizerTask& t) {
    torch::NoGradGuard ng;
    t.model()->eval();
    return t.model()->encode(x);
  };
  ASSERT_FALSE(torch::equal(codes(a), codes(b)));
  b.start_from(a.model());
  EXPECT_TRUE(torch::equal(codes(a), codes(b)));
  nn::VqVaeConfig other = tiny();
  other.width = 24;
  nn::PoseVqVae wrong(other);
  EXPECT_THROW(b.start_from(wrong), Error);
  // Real motion: a batch made of it alone trains; shares outside 0..1 and no frames are refused.
  const auto bvh = pose::read_poses("/usr/share/assimp/models/BVH/01_01.bvh").frames;
  const std::vector<pose::Pose> frames(bvh.begin(), bvh.begin() + 40);
  EXPECT_THROW(b.add_real_motion(frames, 1.5), Error);
  EXPECT_THROW(b.add_real_motion({}, 0.5), Error);
  b.add_real_motion(frames, 1.0);
  b.model()->train();
  std::mt19937_64 rng(3);
  const auto losses = b.step(rng, torch::kCPU);
  EXPECT_TRUE(std::isfinite(losses.at("loss").item<double>()));
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

// Records the dtype its forward pass computed in.
class DtypeProbe : public TrainTask {
 public:
  DtypeProbe() { torch::manual_seed(1); }
  torch::nn::Module& module() override { return *net_; }
  std::map<std::string, torch::Tensor> step(std::mt19937_64&, const torch::Device&) override {
    const auto y = net_(torch::randn({8, 4}));
    seen = y.scalar_type();
    return {{"loss", y.to(torch::kFloat).pow(2).mean()}};
  }
  std::map<std::string, double> evaluate(const torch::Device&) override { return {}; }
  std::int64_t items_per_step() const override { return 8; }
  torch::nn::Linear net_{4, 4};
  torch::ScalarType seen = torch::kDouble;
};

TEST(Trainer, Bf16AutocastForTheForwardPassOnly) {
  for (const std::string precision : {"bf16", "fp32", "auto"}) {
    DtypeProbe task;
    const auto before = task.net_->weight.clone();
    TrainOptions o = options(temp_dir("precision_" + precision));
    o.steps = 3;
    o.precision = precision;
    run_training(task, o);
    EXPECT_EQ(task.seen, precision == "bf16" ? torch::kBFloat16 : torch::kFloat) << precision << " (auto = fp32 on CPU)";
    EXPECT_EQ(task.net_->weight.scalar_type(), torch::kFloat) << "weights stay fp32";
    EXPECT_FALSE(torch::equal(before, task.net_->weight)) << precision;
  }
  EXPECT_FALSE(at::autocast::is_cpu_enabled()) << "autocast is off again after training";
  // The tokenizer trains under bf16 too (its quantiser, body model and losses run in fp32 inside).
  TokenizerTask tok(tiny(), corpus(), 8);
  TrainOptions o = options(temp_dir("precision_tokenizer"));
  o.steps = 4;
  o.precision = "bf16";
  const auto r = run_training(tok, o);
  EXPECT_TRUE(std::isfinite(r.last_eval.at("MPJPE_mm")));
  TrainOptions bad = options(temp_dir("precision_bad"));
  bad.precision = "fp8";
  EXPECT_THROW(run_training(tok, bad), Error);
}

TEST(TensorBoard, Crc32cCheckValue) {
  // The standard check value of CRC-32C (RFC 3720): "123456789" -> 0xE3069283.
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
}

// Reads a TFRecord file back: checks both CRCs of every record, returns the payloads.
std::vector<std::string> read_records(const std::string& path) {
  const auto bytes = io::read_binary_file(path);
  std::vector<std::string> out;
  size_t at = 0;
  while (at + 12 <= bytes.size()) {
    std::uint64_t len;
    std::uint32_t len_crc, data_crc;
    std::memcpy(&len, bytes.data() + at, 8);
    std::memcpy(&len_crc, bytes.data() + at + 8, 4);
    EXPECT_EQ(len_crc, masked_crc32c(bytes.data() + at, 8));
    std::string data(reinterpret_cast<const char*>(bytes.data()) + at + 12, len);
    std::memcpy(&data_crc, bytes.data() + at + 12 + len, 4);
    EXPECT_EQ(data_crc, masked_crc32c(data.data(), data.size()));
    out.push_back(data);
    at += 12 + len + 4;
  }
  EXPECT_EQ(at, bytes.size());
  return out;
}

TEST(TensorBoard, TrainingWritesScalarEvents) {
  DtypeProbe task;
  TrainOptions o = options(temp_dir("tensorboard"));
  o.steps = 6;
  o.log_every = 3;
  run_training(task, o);
  std::string file;
  for (const auto& e : fs::directory_iterator(o.out_dir))
    if (e.path().filename().string().rfind("events.out.tfevents.", 0) == 0) file = e.path().string();
  ASSERT_FALSE(file.empty());
  const auto records = read_records(file);
  ASSERT_GE(records.size(), 1u + 2 * 3);  // version + (loss, lr, items/s) at steps 3 and 6
  EXPECT_NE(records[0].find("brain.Event:2"), std::string::npos);
  // Event{wall_time(1), step(2) = 6, summary(5){value(1){tag(1) "train/loss", simple_value(2)}}}: find the
  // last loss record and decode its step and value by hand.
  const std::string& last_loss = [&]() -> const std::string& {
    for (auto it = records.rbegin(); it != records.rend(); ++it)
      if (it->find("train/loss") != std::string::npos) return *it;
    return records[0];
  }();
  ASSERT_NE(last_loss.find("train/loss"), std::string::npos);
  EXPECT_EQ(static_cast<unsigned char>(last_loss[9]), 0x10);  // field 2, varint
  EXPECT_EQ(static_cast<unsigned char>(last_loss[10]), 6);    // step 6
  const size_t tag = last_loss.find("train/loss");
  EXPECT_EQ(static_cast<unsigned char>(last_loss[tag + 10]), 0x15);  // field 2, 32-bit
  float value;
  std::memcpy(&value, last_loss.data() + tag + 11, 4);
  EXPECT_TRUE(std::isfinite(value));
  EXPECT_GT(value, 0.0f);
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

}  // namespace
}  // namespace unipose::train
