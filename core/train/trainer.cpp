#include "core/train/trainer.h"

#include <ATen/autocast_mode.h>

#include <malloc.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <torch/cuda.h>
#include <torch/optim/adamw.h>
#include <torch/serialize.h>

#include <ATen/CPUGeneratorImpl.h>

#include "core/error.h"
#include "core/io/files.h"
#include "core/train/tensorboard.h"
#include "core/nn/module_io.h"
#include "core/train/distributed.h"

namespace unipose::train {
namespace {

// The signal that asked the run to stop (SIGINT from Ctrl+C, SIGTERM from a scheduler or `kill`), or 0.
std::atomic<int> g_interrupt{0};
void on_stop_signal(int signal) { g_interrupt = signal; }

std::string checkpoint_path(const TrainOptions& o) { return o.out_dir + "/checkpoint.pt"; }

torch::Tensor string_tensor(const std::string& s) {
  auto t = torch::empty({static_cast<int64_t>(s.size())}, torch::kUInt8);
  if (!s.empty()) std::memcpy(t.data_ptr(), s.data(), s.size());  // an empty tensor's data may be null
  return t;
}
std::string tensor_string(const torch::Tensor& t) {
  const auto c = t.contiguous();
  return std::string(static_cast<const char*>(c.data_ptr()), static_cast<size_t>(c.numel()));
}

void save_checkpoint(const TrainOptions& o, torch::nn::Module& module, torch::optim::AdamW& optimizer, std::int64_t step,
                     const std::mt19937_64& rng) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive model_archive, optimizer_archive;
  module.save(model_archive);
  optimizer.save(optimizer_archive);
  archive.write("model", model_archive);
  archive.write("optimizer", optimizer_archive);
  archive.write("step", torch::tensor(step));
  std::ostringstream rng_state;
  rng_state << rng;
  archive.write("rng", string_tensor(rng_state.str()));
  archive.write("torch_rng", at::detail::getDefaultCPUGenerator().get_state());
  // Atomic: a kill during the write leaves the previous checkpoint intact.
  const std::string tmp = io::temporary_name(checkpoint_path(o));
  try {
    archive.save_to(tmp);
  } catch (const c10::Error& e) {
    std::filesystem::remove(tmp);
    const std::string msg = e.what();
    fail(checkpoint_path(o), "cannot write the checkpoint (" + msg.substr(0, msg.find('\n')) + "); disk full?");
  }
  io::commit_file(tmp, checkpoint_path(o));
}

std::int64_t load_checkpoint(const TrainOptions& o, torch::nn::Module& module, torch::optim::AdamW& optimizer,
                             std::mt19937_64& rng, const torch::Device& device) {
  const std::string path = checkpoint_path(o);
  torch::serialize::InputArchive archive, model_archive, optimizer_archive;
  try {
    archive.load_from(path, device);
    archive.read("model", model_archive);
    module.load(model_archive);
    archive.read("optimizer", optimizer_archive);
    optimizer.load(optimizer_archive);
    torch::Tensor step, rng_state, torch_rng;
    archive.read("step", step);
    archive.read("rng", rng_state);
    archive.read("torch_rng", torch_rng);
    std::istringstream in(tensor_string(rng_state.cpu()));
    in >> rng;
    auto generator = at::detail::getDefaultCPUGenerator();
    generator.set_state(torch_rng.cpu());
    return step.item<std::int64_t>();
  } catch (const c10::Error& e) {
    std::string msg = e.what();
    msg = msg.substr(0, msg.find('\n'));
    fail(path, "corrupt or incompatible checkpoint (" + msg + "); delete it to start over");
  }
}

// A resumed run redoes the steps after its checkpoint: their rows (logged before the kill) go, so the CSV
// holds each step once. Written atomically; a missing file is fine.
void drop_rows_after(const std::string& csv_path, std::int64_t step) {
  if (!std::filesystem::exists(csv_path)) return;
  std::istringstream in(io::read_text_file(csv_path));
  std::string kept, line;
  bool first = true;
  while (std::getline(in, line)) {
    if (first) {
      first = false;
      if (line.rfind("step,", 0) == 0) {
        kept += line + "\n";
        continue;
      }
    }
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    try {
      if (std::stoll(line.substr(0, comma)) > step) continue;
    } catch (const std::exception&) {
      continue;  // a torn last line from the kill
    }
    kept += line + "\n";
  }
  io::write_file_atomic(csv_path, kept);
}

}  // namespace

torch::Device parse_device(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available()) throw Error("--device " + name + ": this machine or build has no CUDA device");
    return torch::Device(name);
  }
  throw Error("unknown device '" + name + "' (use cpu or cuda)");
}

double learning_rate(const TrainOptions& o, std::int64_t step) {
  const double warmup = std::max<double>(1.0, o.warmup_fraction * o.steps);
  if (step < warmup) return o.lr * (step + 1) / warmup;
  const double t = std::min(1.0, (step - warmup) / std::max(1.0, o.steps - warmup));
  return o.lr * 0.5 * (1 + std::cos(M_PI * t));
}

namespace {
// bf16 autocast around the forward pass (the backward pass follows the recorded dtypes).
class AutocastScope {
 public:
  AutocastScope(bool on, const torch::Device& device) : on_(on), cuda_(device.is_cuda()) {
    if (!on_) return;
    if (cuda_) {
      was_ = at::autocast::is_enabled();
      at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
      at::autocast::set_enabled(true);
    } else {
      was_ = at::autocast::is_cpu_enabled();
      at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
      at::autocast::set_cpu_enabled(true);
    }
    at::autocast::increment_nesting();
  }
  ~AutocastScope() {
    if (!on_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    if (cuda_) at::autocast::set_enabled(was_);
    else at::autocast::set_cpu_enabled(was_);
  }
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool on_, cuda_, was_ = false;
};
}  // namespace

bool uses_bf16(const TrainOptions& o, const torch::Device& device) {
  if (o.precision == "bf16") return true;
  if (o.precision == "fp32") return false;
  if (o.precision == "auto") return device.is_cuda();
  throw Error("unknown precision '" + o.precision + "' (auto, fp32 or bf16)");
}

TrainResult run_training(TrainTask& task, const TrainOptions& o, const TrainProgress& progress) {
  const auto start = std::chrono::steady_clock::now();
  // Training allocates and frees the same large tensors every step: keep them on the heap instead of a fresh
  // mmap/munmap each time (measured on the language model, 2 cores: 26 -> 30 sequences/s, half the system time).
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  if (ec) fail(o.out_dir, "cannot create folder: " + ec.message());
  const torch::Device device = parse_device(o.device);
  const bool bf16 = uses_bf16(o, device);
  std::unique_ptr<ProcessGroup> group;
  if (o.world_size > 1) group = std::make_unique<ProcessGroup>(DistributedOptions{o.world_size, o.rank, o.master});
  const bool lead = o.rank == 0;
  // Each rank draws its own batches.
  torch::manual_seed(o.seed + 7919ull * o.rank);
  std::mt19937_64 rng(o.seed + 7919ull * o.rank);
  auto& module = task.module();
  module.to(device);
  std::vector<torch::Tensor> params = module.parameters();
  std::vector<torch::Tensor> buffers = module.buffers();
  auto sync_from_lead = [&](std::vector<torch::Tensor>& tensors) {
    if (!group) return;
    torch::NoGradGuard ng;
    group->broadcast(tensors);
  };
  torch::optim::AdamW optimizer(module.parameters(), torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay));
  std::int64_t step = 0;
  if (o.resume) {
    if (!std::filesystem::exists(checkpoint_path(o))) fail(checkpoint_path(o), "no checkpoint to resume from");
    step = load_checkpoint(o, module, optimizer, rng, device);
    if (!lead) rng.seed(o.seed + 7919ull * o.rank + static_cast<std::uint64_t>(step));
    if (step > o.steps)
      fail(checkpoint_path(o), "is at step " + std::to_string(step) + ", past --steps " + std::to_string(o.steps) +
                                   ": give --steps above " + std::to_string(step) + " to train on, or export it as it is");
    if (progress) progress(step, o.steps, "resuming from step " + std::to_string(step));
    if (lead) drop_rows_after(o.out_dir + "/metrics.csv", step);
  } else if (std::filesystem::exists(checkpoint_path(o))) {
    fail(o.out_dir, "holds a checkpoint already: pass --resume to continue it, or choose another --out");
  }
  sync_from_lead(params);  // every rank starts from rank 0's weights
  sync_from_lead(buffers);
  std::ofstream csv;
  std::unique_ptr<EventWriter> tb;
  if (lead) {
    csv.open(o.out_dir + "/metrics.csv", std::ios::app);
    if (step == 0) csv << "step,key,value\n";
    if (o.tensorboard) {
      tb = std::make_unique<EventWriter>(o.out_dir);
      if (step > 0) tb->session_start(step + 1);  // steps after the checkpoint are logged again
    }
  }

  g_interrupt = 0;
  // Restored however the run ends (a failed checkpoint or collective throws past the loop).
  struct SignalGuard {
    void (*previous)(int) = std::signal(SIGINT, on_stop_signal);
    void (*previous_term)(int) = std::signal(SIGTERM, on_stop_signal);
    ~SignalGuard() { restore(); }
    void restore() {
      std::signal(SIGINT, previous);
      std::signal(SIGTERM, previous_term);
    }
  } signals;
  auto restore_signals = [&] { signals.restore(); };
  TrainResult result;
  auto last_log = std::chrono::steady_clock::now();
  std::int64_t items_since_log = 0;
  module.train();
  while (step < o.steps) {
    for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(learning_rate(o, step));
    std::map<std::string, torch::Tensor> losses;
    {
      AutocastScope autocast(bf16, device);
      losses = task.step(rng, device);
    }
    const auto loss = losses.at("loss").to(torch::kFloat);
    if (!std::isfinite(loss.item<double>())) {
      restore_signals();
      throw Error("training diverged: the loss became " + std::to_string(loss.item<double>()) + " at step " + std::to_string(step));
    }
    optimizer.zero_grad();
    loss.backward();
    if (group) {
      // Average the gradients over the ranks, in one flat all-reduce.
      torch::NoGradGuard ng;
      std::vector<torch::Tensor> grads;
      for (auto& p : params) grads.push_back(p.grad().defined() ? p.grad().reshape({-1}) : torch::zeros({p.numel()}, p.options()));
      std::vector<torch::Tensor> flat{torch::cat(grads)};
      group->sum(flat);
      flat[0].div_(o.world_size);
      int64_t offset = 0;
      for (auto& p : params) {
        if (p.grad().defined()) p.mutable_grad().copy_(flat[0].narrow(0, offset, p.numel()).view_as(p));
        offset += p.numel();
      }
    }
    torch::nn::utils::clip_grad_norm_(module.parameters(), o.clip_norm);
    optimizer.step();
    sync_from_lead(buffers);
    ++step;
    items_since_log += task.items_per_step();
    if (lead && (step % o.log_every == 0 || step == o.steps)) {
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - last_log).count();
      std::ostringstream status;
      status << "loss " << loss.item<double>();
      for (const auto& [k, v] : losses) csv << step << "," << k << "," << v.item<double>() << "\n";
      csv << step << ",lr," << learning_rate(o, step - 1) << "\n" << step << ",items_per_s," << items_since_log / std::max(secs, 1e-9) << "\n";
      csv.flush();
      if (tb) {
        for (const auto& [k, v] : losses) tb->scalar("train/" + k, step, v.item<double>());
        tb->scalar("train/lr", step, learning_rate(o, step - 1));
        tb->scalar("train/items_per_s", step, items_since_log / std::max(secs, 1e-9));
        tb->flush();
      }
      status << "  " << static_cast<int>(items_since_log / std::max(secs, 1e-9)) << " items/s";
      if (progress) progress(step, o.steps, status.str());
      last_log = std::chrono::steady_clock::now();
      items_since_log = 0;
    }
    if (lead && (step % o.eval_every == 0 || step == o.steps)) {
      torch::NoGradGuard ng;
      module.eval();
      result.last_eval = task.evaluate(device);
      module.train();
      for (const auto& [k, v] : result.last_eval) csv << step << ",val_" << k << "," << v << "\n";
      csv.flush();
      if (tb) {
        for (const auto& [k, v] : result.last_eval) tb->scalar("val/" + k, step, v);
        tb->flush();
      }
    }
    if (o.stop_after >= 0 && step >= o.stop_after) {  // simulated kill: no checkpoint beyond the periodic ones
      result.interrupted = true;
      break;
    }
    if (lead && (step % o.checkpoint_every == 0 || step == o.steps)) save_checkpoint(o, module, optimizer, step, rng);
    // Ctrl+C on any rank stops all of them at the same step.
    bool stop = g_interrupt != 0;
    if (group) {
      std::vector<torch::Tensor> flag{torch::full({1}, stop ? 1.0f : 0.0f)};
      group->sum(flag);
      stop = flag[0].item<float>() > 0;
    }
    if (stop) {
      if (lead) save_checkpoint(o, module, optimizer, step, rng);
      result.interrupted = true;
      result.signal = g_interrupt != 0 ? g_interrupt.load() : SIGINT;
      break;
    }
  }
  restore_signals();
  // Each rank leaves its final weights, so a run can show that the ranks agree.
  if (group) nn::save_weights(module, o.out_dir + "/rank" + std::to_string(o.rank) + "_weights.safetensors", false);
  result.step = step;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace unipose::train
