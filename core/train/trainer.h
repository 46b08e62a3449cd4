// The training loop every UniPose model uses: AdamW, linear warm-up then cosine decay, gradient clipping,
// seeds, metrics to CSV, validation every N steps, and atomic checkpoints (model, optimiser, step, random
// states) every N steps and on Ctrl+C or SIGTERM, from which --resume continues exactly.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>

#include <torch/nn.h>

#include "core/nn/precision.h"

namespace unipose::train {

struct TrainOptions {
  std::string out_dir;
  std::int64_t steps = 1000;
  double lr = 2e-4;
  double weight_decay = 0.0;
  double warmup_fraction = 0.03;
  double clip_norm = 1.0;
  std::int64_t log_every = 20;
  std::int64_t eval_every = 500;
  std::int64_t checkpoint_every = 100;
  std::uint64_t seed = 1;
  std::string device = "cpu";  // "cpu", "cuda" or "cuda:N"
  // Mixed precision: "auto" (bf16 autocast on CUDA, fp32 on CPU), "fp32", or "bf16" (autocast on any device;
  // weights, optimiser state and gradients stay fp32; bf16 needs no loss scaling).
  std::string precision = "auto";
  bool tensorboard = true;  // also write TensorBoard event files into out_dir (rank 0)
  bool resume = false;
  std::int64_t stop_after = -1;  // for tests: stop (as if killed) after this step, without a final checkpoint
  // Data-parallel: every rank runs this loop on its own batches; gradients are averaged, rank 0's buffers
  // (the codebook's running statistics) and weights are the shared ones; only rank 0 logs and checkpoints.
  int world_size = 1;
  int rank = 0;
  std::string master = "127.0.0.1:29500";
};

// What the loop trains: the module, one batch's losses, and validation.
class TrainTask {
 public:
  virtual ~TrainTask() = default;
  virtual torch::nn::Module& module() = 0;
  // Returns "loss" (optimised) and any other scalars worth logging.
  virtual std::map<std::string, torch::Tensor> step(std::mt19937_64& rng, const torch::Device& device) = 0;
  virtual std::map<std::string, double> evaluate(const torch::Device& device) = 0;
  virtual std::int64_t items_per_step() const = 0;
};

struct TrainResult {
  std::int64_t step = 0;  // steps done in total
  bool interrupted = false;
  int signal = 0;  // the signal that stopped it (SIGINT, SIGTERM), 0 otherwise; the CLI exits 128 + signal
  std::map<std::string, double> last_eval;
  double seconds = 0;
};

using TrainProgress = std::function<void(std::int64_t step, std::int64_t total, const std::string& status)>;

// Learning rate at a step: linear warm-up to `lr`, then cosine decay to zero.
double learning_rate(const TrainOptions& o, std::int64_t step);

TrainResult run_training(TrainTask& task, const TrainOptions& options, const TrainProgress& progress = {});

torch::Device parse_device(const std::string& name);
// Whether the options ask for bf16 autocast on this device.
bool uses_bf16(const TrainOptions& options, const torch::Device& device);

}  // namespace unipose::train
