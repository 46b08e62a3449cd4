// unipose train tokenizer | tokenize | detokenize | eval tokenizer
#include <cstdio>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "app/commands.h"
#include "app/progress.h"
#include "core/data/corpus_reader.h"
#include "core/engine/engine.h"
#include "core/error.h"
#include "core/eval/model_metrics.h"
#include "core/eval/speed.h"
#include "core/io/files.h"
#include "core/nn/module_io.h"
#include "core/nn/pose_codec.h"
#include "core/pose/frame.h"
#include "core/pose/pose_io.h"
#include "core/train/model_cards.h"
#include "core/train/tokenizer_task.h"

namespace unipose::app {
namespace {

std::string default_tokenizer() {
  const std::string dir = engine::Engine::default_pose_tokenizer();
  if (!std::filesystem::exists(dir + "/config.json"))
    throw Error("no pose tokenizer found at " + dir + ": give --model DIR (train one with `unipose train tokenizer`)");
  return dir;
}

void print_metrics(const eval::ReconstructionMetrics& m, const std::string& what) {
  std::printf("%-28s %10s %12s %11s %11s\n", "set", "poses", "perplexity", "dead codes", "");
  std::printf("%-28s %10d %12.1f %11d\n", what.c_str(), m.poses, m.perplexity, m.dead_codes);
  std::printf("MPJPE_mm: %.2f\nPA-MPJPE_mm: %.2f\n", m.mpjpe_mm, m.pa_mpjpe_mm);
}

// A run folder remembers the sizes it was started with (tokenizer_config.json); --resume with other sizes is
// refused naming both values (the checkpoint's shapes would win and the exported config would lie).
void check_run_config(const train::TrainOptions& t, const nn::VqVaeConfig& config) {
  const std::string record = t.out_dir + "/tokenizer_config.json";
  if (!t.resume) {
    if (std::filesystem::exists(t.out_dir + "/checkpoint.pt")) return;  // the trainer refuses this folder
    std::filesystem::create_directories(t.out_dir);
    io::write_file_atomic(record, config.to_json() + "\n");
    return;
  }
  if (!std::filesystem::exists(record)) return;  // a run from before the record: nothing to compare
  const auto was = nn::VqVaeConfig::from_json(io::read_text_file(record), record);
  const std::pair<const char*, std::pair<int, int>> sizes[] = {{"--tokens", {was.tokens, config.tokens}},
                                                               {"--codebook", {was.codebook_size, config.codebook_size}},
                                                               {"--code-dim", {was.code_dim, config.code_dim}},
                                                               {"--width", {was.width, config.width}},
                                                               {"--blocks", {was.blocks, config.blocks}},
                                                               {"--residual-levels", {was.residual_levels, config.residual_levels}}};
  for (const auto& [option, values] : sizes)
    if (values.first != values.second)
      fail(t.out_dir, std::string("the run was started with ") + option + " " + std::to_string(values.first) + ", this command asks for " + option + " " +
                          std::to_string(values.second) + ": resume with the run's sizes, or start a new run in another --out");
}

}  // namespace

void add_train_options(CLI::App& cmd, train::TrainOptions& t) {
  cmd.add_option("--steps", t.steps, "Training steps")->check(kPositive);
  cmd.add_option("--lr", t.lr, "Peak learning rate (AdamW)")->check(kPositive);
  cmd.add_option("--device", t.device, "cpu or cuda");
  cmd.add_option("--precision", t.precision, "auto (bf16 autocast on CUDA, fp32 on CPU), fp32 or bf16")->check(CLI::IsMember({"auto", "fp32", "bf16"}));
  cmd.add_option("--seed", t.seed, "Random seed");
  cmd.add_option("--eval-every", t.eval_every, "Validate every N steps")->check(kPositive);
  cmd.add_option("--checkpoint-every", t.checkpoint_every, "Checkpoint every N steps")->check(kPositive);
  cmd.add_flag("--resume", t.resume, "Continue from the run folder's checkpoint");
  cmd.add_option("--world-size", t.world_size, "Data-parallel processes in all (see `unipose launch`)")->check(CLI::Range(1, 4096));
  cmd.add_option("--rank", t.rank, "This process's rank, 0..world-size-1")->check(kNonNegative);
  cmd.add_option("--master", t.master, "HOST:PORT where rank 0 holds the rendezvous store");
}

train::TrainResult train_and_report(train::TrainTask& task, const train::TrainOptions& t, ProgressBar& bar) {
  const auto r = train::run_training(task, t, [&bar](std::int64_t step, std::int64_t total, const std::string& status) {
    if (status.rfind("resuming", 0) == 0) {
      std::fprintf(stderr, "%s\n", status.c_str());
      return;
    }
    bar.update("training", double(step) / total, "step " + std::to_string(step) + "  " + status);
  });
  std::printf("%s at step %lld of %lld (%.0f s)\n", r.interrupted ? "stopped" : "finished", static_cast<long long>(r.step),
              static_cast<long long>(t.steps), r.seconds);
  for (const auto& [k, v] : r.last_eval) std::printf("  val %s: %.3f\n", k.c_str(), v);
  if (r.interrupted) std::printf("checkpoint saved: continue with the same command and --resume\n");
  std::fflush(stdout);
  if (r.signal) throw ExitStatus{128 + r.signal};
  return r;
}

void add_train_commands(CLI::App& app) {
  auto* train_cmd = app.add_subcommand("train", "Train a model stage headless (CPU or CUDA)");
  train_cmd->require_subcommand(1);
  struct Options {
    train::TrainOptions t;
    std::string data, config = "small", export_dir, init;
    std::vector<std::string> bvh;
    int batch = 128;
    double yaw = 180, bvh_fraction = 0.25, bvh_jitter = 3;
    int tokens = 0, codebook = 0, code_dim = 0, width = 0, blocks = -1, levels = 0;  // 0 / -1: as --config says
  };
  auto o = std::make_shared<Options>();
  o->t.steps = 20000;
  o->t.eval_every = 1000;
  o->t.checkpoint_every = 500;
  auto* tok = train_cmd->add_subcommand("tokenizer", "Stage 1: the pose tokenizer (VQ-VAE) on a corpus folder");
  tok->add_option("--data", o->data, "Corpus folder (unipose data make)")->required();
  tok->add_option("--out", o->t.out_dir, "Run folder: checkpoint.pt, metrics.csv")->required();
  tok->add_option("--export", o->export_dir, "Write the trained model bundle here when done");
  tok->add_option("--config", o->config, "small (default, CPU-trainable) or paper")->check(CLI::IsMember({"small", "paper"}));
  tok->add_option("--tokens", o->tokens, "Override the configuration: tokens per pose (Lp)")->check(CLI::Range(1, 4096));
  tok->add_option("--codebook", o->codebook, "Override the configuration: codebook size")->check(CLI::Range(2, 1 << 20));
  tok->add_option("--code-dim", o->code_dim, "Override the configuration: code vector size")->check(CLI::Range(1, 8192));
  tok->add_option("--width", o->width, "Override the configuration: channels of the conv blocks")->check(CLI::Range(1, 8192));
  tok->add_option("--blocks", o->blocks, "Override the configuration: residual blocks each side")->check(CLI::Range(0, 64));
  tok->add_option("--residual-levels", o->levels, "Override the configuration: residual quantisation depth (tokens must divide by it)")->check(CLI::Range(1, 64));
  add_train_options(*tok, o->t);
  tok->add_option("--batch", o->batch, "Poses per step")->check(CLI::Range(1, 65536));
  tok->add_option("--yaw-augmentation", o->yaw, "Random heading change, degrees either way (default 180: the corpus faces +z, real poses do not)")->check(CLI::Range(0.0, 180.0));
  tok->add_option("--bvh", o->bvh, "Real motion to train on beside the corpus: every frame of these BVH clips (mirrored, joints jittered)")
      ->check(CLI::ExistingFile);
  tok->add_option("--bvh-fraction", o->bvh_fraction, "Share of each batch drawn from the --bvh frames")->check(CLI::Range(0.0, 1.0));
  tok->add_option("--bvh-jitter", o->bvh_jitter, "Random turn of every joint of a --bvh frame, degrees (standard deviation)")->check(CLI::Range(0.0, 45.0));
  auto* init = tok->add_option("--init", o->init, "Start from this tokenizer bundle's weights (its configuration; a fresh schedule)");
  for (const char* size : {"--config", "--tokens", "--codebook", "--code-dim", "--width", "--blocks", "--residual-levels"})
    init->excludes(tok->get_option(size));
  tok->callback([o] {
    nn::PoseVqVae start{nullptr};
    if (!o->init.empty()) start = nn::load_tokenizer_bundle(o->init);
    auto config = start ? start->config : o->config == "paper" ? nn::VqVaeConfig::paper() : nn::VqVaeConfig::small();
    if (o->tokens > 0) config.tokens = o->tokens;
    if (o->codebook > 0) config.codebook_size = o->codebook;
    if (o->code_dim > 0) config.code_dim = o->code_dim;
    if (o->width > 0) config.width = o->width;
    if (o->blocks >= 0) config.blocks = o->blocks;
    if (o->levels > 0) config.residual_levels = o->levels;
    if (config.tokens % config.residual_levels) throw Error("--tokens must be a multiple of --residual-levels");
    check_run_config(o->t, config);
    train::TokenizerTask task(config, o->data, o->batch, o->t.seed);
    task.set_yaw_augmentation(o->yaw);
    if (start) task.start_from(start);
    if (!o->bvh.empty()) {
      std::vector<pose::Pose> frames;
      for (const auto& clip : o->bvh) {
        const auto seq = pose::read_poses(clip);
        frames.insert(frames.end(), seq.frames.begin(), seq.frames.end());
      }
      task.add_real_motion(frames, o->bvh_fraction, o->bvh_jitter);
      std::printf("real motion: %zu frames from %zu clips, %.0f%% of each batch\n", frames.size(), o->bvh.size(), 100 * o->bvh_fraction);
    }
    ProgressBar bar;
    const auto r = train_and_report(task, o->t, bar);
    if (r.interrupted) return;
    if (o->export_dir.empty() || o->t.rank != 0) return;
    const auto m = eval::evaluate_reconstruction(task.model(), data::load_corpus_split(o->data, "test"));
    train::RunRecord run{command_line(), o->t, o->batch, r.seconds, o->data, io::read_text_file(o->data + "/manifest.json"), {}};
    if (!o->init.empty()) run.notes.push_back("started from the weights of `" + o->init + "`");
    if (!o->bvh.empty()) {
      std::string clips;
      for (const auto& c : o->bvh) clips += (clips.empty() ? "`" : ", `") + std::filesystem::path(c).filename().string() + "`";
      char jitter[32];
      std::snprintf(jitter, sizeof(jitter), "%g", o->bvh_jitter);
      run.notes.push_back("real motion beside the corpus: every frame of " + clips + " (mirrored half the time, joints jittered by " + jitter + " degrees), " +
                          std::to_string(static_cast<int>(std::lround(100 * o->bvh_fraction))) + "% of each batch");
    }
    const std::string name = config.to_json() == nn::VqVaeConfig::small().to_json()   ? "small"
                             : config.to_json() == nn::VqVaeConfig::paper().to_json() ? "paper"
                                                                                      : "custom";
    nn::save_tokenizer_bundle(o->export_dir, task.model(), train::tokenizer_card(run, name, config, m), false);
    std::printf("exported %s (test MPJPE %.2f mm, PA-MPJPE %.2f mm)\n", o->export_dir.c_str(), m.mpjpe_mm, m.pa_mpjpe_mm);
  });

  struct TokOptions {
    std::string pose, model, tokens, out;
    int frame = -1;
  };
  auto t = std::make_shared<TokOptions>();
  auto* tokenize = app.add_subcommand("tokenize", "Print the pose tokenizer's token ids for a pose");
  tokenize->add_option("--pose", t->pose, "Pose file")->required();
  tokenize->add_option("--model", t->model, "Tokenizer bundle (default: the shipped one)");
  tokenize->add_option("--frame", t->frame, "Frame of a multi-pose file")->check(kNonNegative);
  tokenize->callback([t] {
    nn::PoseCodec codec(nn::load_tokenizer_bundle(t->model.empty() ? default_tokenizer() : t->model));
    const auto p = pose::read_pose(t->pose, t->frame >= 0 ? std::optional<int>(t->frame) : std::nullopt);
    p.validate(t->pose);
    const double heading = pose::pose_frame(p).yaw;
    const auto ids = codec.encode(p, heading);
    for (size_t i = 0; i < ids.size(); ++i) std::printf("%s%lld", i ? " " : "", static_cast<long long>(ids[i]));
    std::printf("\n");
    std::fprintf(stderr, "(the codes the language model reads: the pose turned to face +z, its heading of %.1f degrees removed)\n",
                 heading * 180.0 / 3.14159265358979323846);
  });
  auto* detokenize = app.add_subcommand("detokenize", "Turn token ids back into a pose file (facing +z)");
  detokenize->add_option("--tokens", t->tokens, "Token ids, separated by spaces or commas")->required();
  detokenize->add_option("--out", t->out, "Pose file to write (.json, .npz, .bvh)")->required();
  detokenize->add_option("--model", t->model, "Tokenizer bundle (default: the shipped one)");
  detokenize->callback([t] {
    nn::PoseCodec codec(nn::load_tokenizer_bundle(t->model.empty() ? default_tokenizer() : t->model));
    std::string s = t->tokens;
    for (auto& ch : s)
      if (ch == ',') ch = ' ';
    std::istringstream in(s);
    std::vector<int64_t> ids;
    for (std::string w; in >> w;) {
      char* end = nullptr;
      const long long v = std::strtoll(w.c_str(), &end, 10);
      if (*end != '\0') throw Error("--tokens: '" + w + "' is not a token id");
      ids.push_back(v);
    }
    pose::Pose p;
    try {
      p = codec.decode(ids);
    } catch (const Error& e) {
      throw Error(std::string("--tokens: ") + e.what());
    }
    pose::write_pose(t->out, p);
    std::printf("wrote %s\n", t->out.c_str());
  });

  struct BenchOptions {
    std::string model, config = "small";
    int batch = 256;
    double seconds = 3;
  };
  auto bo = std::make_shared<BenchOptions>();
  auto* bench = app.add_subcommand("bench", "Speed measurements");
  bench->require_subcommand(1);
  auto* bench_tok = bench->add_subcommand("tokenizer", "Poses per second through encode + decode, on CPU (and CUDA when present)");
  bench_tok->add_option("--model", bo->model, "Tokenizer bundle (default: the shipped one, else an untrained model of --config)");
  bench_tok->add_option("--config", bo->config, "small or paper, for an untrained model")->check(CLI::IsMember({"small", "paper"}));
  bench_tok->add_option("--batch", bo->batch, "Poses per call")->check(CLI::Range(1, 65536));
  bench_tok->add_option("--seconds", bo->seconds, "Time per device")->check(CLI::Range(0.1, 600.0));
  bench_tok->callback([bo] {
    nn::PoseVqVae model(bo->config == "paper" ? nn::VqVaeConfig::paper() : nn::VqVaeConfig::small());
    std::string what = "untrained " + bo->config + " model";
    if (!bo->model.empty()) {
      model = nn::load_tokenizer_bundle(bo->model);
      what = bo->model;
    } else {
      try {
        const std::string shipped = default_tokenizer();
        model = nn::load_tokenizer_bundle(shipped);
        what = shipped;
      } catch (const Error&) {
      }
    }
    std::printf("tokenizer: %s, batch %d\n", what.c_str(), bo->batch);
    for (const auto& d : eval::tokenizer_throughput(model, bo->batch, bo->seconds))
      std::printf("%s: %.0f poses/s (encode + decode)\n", d.device.c_str(), d.per_second);
  });

  struct EvalOptions {
    std::string model, data, bvh, split = "test";
  };
  auto e = std::make_shared<EvalOptions>();
  auto* eval_cmd = app.add_subcommand("eval", "Measure a model");
  eval_cmd->require_subcommand(1);
  add_retrieval_commands(*train_cmd, *eval_cmd);
  add_lm_commands(app, *train_cmd, *bench);
  auto* eval_tok = eval_cmd->add_subcommand("tokenizer", "Reconstruction error of the pose tokenizer (MPJPE, PA-MPJPE in mm)");
  eval_tok->add_option("--model", e->model, "Tokenizer bundle (default: the shipped one)");
  eval_tok->add_option("--data", e->data, "Corpus folder (its test split)");
  eval_tok->add_option("--split", e->split, "Corpus split")->check(CLI::IsMember({"train", "val", "test"}));
  eval_tok->add_option("--bvh", e->bvh, "A BVH clip: every frame, retargeted");
  eval_tok->callback([e] {
    if (e->data.empty() == e->bvh.empty()) throw Error("give --data DIR or --bvh FILE");
    auto model = nn::load_tokenizer_bundle(e->model.empty() ? default_tokenizer() : e->model);
    if (!e->data.empty()) {
      print_metrics(eval::evaluate_reconstruction(model, data::load_corpus_split(e->data, e->split)), e->data + " (" + e->split + ")");
    } else {
      auto frames = pose::read_poses(e->bvh).frames;
      print_metrics(eval::evaluate_reconstruction(model, frames), std::filesystem::path(e->bvh).filename().string());
    }
  });
}

}  // namespace unipose::app
