// unipose train retrieval | eval retrieval | eval text2pose, pose2text, posediff, edit
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "app/progress.h"
#include "core/build_info.h"
#include "core/data/transfer_pairs.h"
#include "core/error.h"
#include "core/engine/engine.h"
#include "core/eval/tasks.h"
#include "core/eval/text_metrics.h"
#include "core/io/files.h"
#include "core/text/instruction_templates.h"
#include "core/train/retrieval_task.h"

namespace unipose::app {
namespace {

std::string default_retrieval(bool pairs) {
  const std::string dir = engine::Engine::models_dir() + (pairs ? "/retrieval_pair_text" : "/retrieval_pose_text");
  if (!std::filesystem::exists(dir + "/config.json"))
    throw Error(std::string("no ") + (pairs ? "pose-pair-text" : "pose-text") + " retrieval model at " + dir +
                ": give " + (pairs ? "--pair-retrieval" : "--retrieval") + " DIR (train one with `unipose train retrieval`)");
  return dir;
}

std::string sums_of(const std::string& dir) {
  try {
    return io::read_text_file(dir + "/SHA256SUMS");
  } catch (const Error&) {
    return "";
  }
}

// The language model through the engine, item by item.
eval::Generator language_model_generator(engine::Engine& e, const std::string& name) {
  eval::Generator g;
  g.name = name;
  g.text_to_pose = [&e](const std::vector<std::string>& texts) {
    std::vector<pose::Pose> out;
    for (const auto& t : texts) out.push_back(*e.generate(t).pose);
    return out;
  };
  g.pose_to_text = [&e](const std::vector<pose::Pose>& poses) {
    std::vector<std::string> out;
    for (const auto& p : poses) out.push_back(e.describe(p).text);
    return out;
  };
  g.pose_diff = [&e](const std::vector<pose::Pose>& a, const std::vector<pose::Pose>& b) {
    std::vector<std::string> out;
    for (size_t i = 0; i < a.size(); ++i) out.push_back(e.diff(a[i], b[i]).text);
    return out;
  };
  g.edit = [&e](const std::vector<pose::Pose>& a, const std::vector<std::string>& texts) {
    std::vector<pose::Pose> out;
    for (size_t i = 0; i < a.size(); ++i) out.push_back(*e.edit(a[i], texts[i]).pose);
    return out;
  };
  return g;
}

void print_table(const std::map<std::string, double>& m) {
  for (const auto& [k, v] : m) std::printf("  %-24s %9.2f\n", k.c_str(), v);
}

}  // namespace

void add_retrieval_commands(CLI::App& train_cmd, CLI::App& eval_cmd) {
  // ------------------------------------------------------------------ train retrieval
  struct TrainRetrieval {
    train::TrainOptions t;
    std::string data, kind = "pose-text", export_dir;
    int batch = 128;
    nn::RetrievalConfig config;
  };
  auto o = std::make_shared<TrainRetrieval>();
  o->t.steps = 4000;
  o->t.lr = 5e-4;
  o->t.weight_decay = 0.01;
  o->t.eval_every = 500;
  o->t.checkpoint_every = 250;
  o->config.text_width = 128;
  auto* tr = train_cmd.add_subcommand("retrieval", "The retrieval model used by the metrics: pose-text or pose-pair-text");
  tr->add_option("--kind", o->kind, "pose-text (captions) or pair-text (instructions)")->check(CLI::IsMember({"pose-text", "pair-text"}));
  tr->add_option("--data", o->data, "Corpus folder (unipose data make)")->required();
  tr->add_option("--out", o->t.out_dir, "Run folder: checkpoint.pt, metrics.csv")->required();
  tr->add_option("--export", o->export_dir, "Write the trained model bundle here when done");
  add_train_options(*tr, o->t);
  tr->add_option("--batch", o->batch, "Items per step (the contrastive loss's negatives)")->check(CLI::Range(2, 65536));
  tr->add_option("--feature-dim", o->config.feature_dim, "Size of the shared feature space")->check(CLI::Range(8, 8192));
  tr->add_option("--pose-width", o->config.pose_width, "Width of the pose encoder")->check(CLI::Range(8, 8192));
  tr->add_option("--text-width", o->config.text_width, "Width of the text encoder (a multiple of 4)")->check(CLI::Range(8, 8192));
  tr->add_option("--text-layers", o->config.text_layers, "Transformer layers of the text encoder")->check(CLI::Range(1, 64));
  tr->callback([o] {
    if (o->config.text_width % o->config.text_heads) throw Error("--text-width must be a multiple of 4");
    o->config.kind = o->kind == "pair-text" ? "pair_text" : "pose_text";
    ProgressBar bar;
    bar.update("reading corpus", 0);
    const auto corpus = data::read_corpus(o->data);
    train::RetrievalTask task(o->config, corpus, o->batch, o->t.seed);
    const auto r = train_and_report(task, o->t, bar);
    if (r.interrupted) return;
    if (o->export_dir.empty() || o->t.rank != 0) return;
    const auto val = train::evaluate_retrieval(task.model(), corpus, "val");
    const auto test = train::evaluate_retrieval(task.model(), corpus, "test");
    std::ostringstream card;
    const bool pairs = o->kind == "pair-text";
    card << "# Retrieval model: " << (pairs ? "pose pair <-> instruction" : "pose <-> caption") << "\n\n"
         << "Used only to measure generators (R-precision, recall@k, FID), never to generate. Trained by UniPose "
            "Studio's own trainer ("
         << build_info() << ").\n\n## Command\n\n```\n" << command_line() << "\n```\n\n## Architecture\n\n```json\n"
         << task.model()->config.to_json() << "\n```\n\nPose encoder: residual MLP on root + 21 joints in 6D (poses facing +z)"
         << (pairs ? "; a pair is fused from [f_a, f_b, f_b - f_a]" : "")
         << ". Text encoder: word embeddings + learned positions, a transformer encoder, mean over words. Both map "
            "to unit vectors; batch contrastive loss (both directions) with a learned scale initialised at 10. "
            "Augmentation: left/right mirroring of pose and text.\n\n"
         << "## Training\n\n- steps " << o->t.steps << ", batch " << o->batch << ", AdamW lr " << o->t.lr << " (weight decay "
         << o->t.weight_decay << ", warm-up then cosine), seed " << o->t.seed << ", device " << o->t.device << ", " << std::fixed
         << std::setprecision(0) << r.seconds << " s\n- data: generated corpus `" << o->data << "`, manifest:\n\n```json\n"
         << corpus.manifest << "```\n\n## Sanity figures: ground-truth texts (the ceiling any generator is measured against)\n\n"
         << "Recall@k over the whole split, each " << (pairs ? "pair" : "pose") << " with its " << (pairs ? "instructions" : "captions")
         << "; R-precision among 32 (the first text), 10 repetitions.\n\n| metric | val | test |\n|---|---|---|\n"
         << std::setprecision(2);
    for (const auto& [k, v] : test) card << "| " << k << " | " << val.at(k) << " | " << v << " |\n";
    card << "\n## Licence\n\nTrained only on data generated by this project (procedural poses, CMU motion capture, "
            "automatic captions), free for any use.\n";
    nn::save_retrieval_bundle(o->export_dir, task.model(), card.str(), true);
    std::printf("exported %s; test split:\n", o->export_dir.c_str());
    print_table(test);
  });

  // ------------------------------------------------------------------ eval retrieval
  struct EvalRetrieval {
    std::string model, data, split = "test";
  };
  auto er = std::make_shared<EvalRetrieval>();
  auto* ev_r = eval_cmd.add_subcommand("retrieval", "Recall@k and R-precision of a retrieval model on ground-truth texts");
  ev_r->add_option("--model", er->model, "Retrieval model bundle")->required();
  ev_r->add_option("--data", er->data, "Corpus folder")->required();
  ev_r->add_option("--split", er->split, "Corpus split")->check(CLI::IsMember({"train", "val", "test"}));
  ev_r->callback([er] {
    auto model = nn::load_retrieval_bundle(er->model);
    const auto corpus = data::read_corpus(er->data);
    std::printf("%s on %s (%s):\n", er->model.c_str(), er->data.c_str(), er->split.c_str());
    print_table(train::evaluate_retrieval(model, corpus, er->split));
  });

  // ------------------------------------------------------------------ eval <task>
  struct EvalTask {
    std::string model, data, json, retrieval, pair_retrieval, pose_tokenizer, split = "test";
    int limit = 0, transfer_pairs = 0;
    std::uint64_t seed = 0;
  };
  for (const std::string task_name : {"text2pose", "pose2text", "posediff", "edit"}) {
    const auto task = eval::parse_task(task_name);
    auto et = std::make_shared<EvalTask>();
    std::string names;
    for (const auto& n : eval::baseline_names(task)) names += (names.empty() ? "" : ", ") + n;
    const std::map<std::string, std::string> what = {{"text2pose", "text-to-pose"}, {"pose2text", "pose-to-text"},
                                                     {"posediff", "pose-diff (pair -> instruction)"}, {"edit", "pose editing"}};
    auto* cmd = eval_cmd.add_subcommand(task_name, "Evaluate " + what.at(task_name) + " on a corpus split: a table, and --json for comparisons");
    cmd->add_option("--model", et->model, "What to evaluate: a language model bundle, or a baseline (" + names + ")")->required();
    cmd->add_option("--pose-tokenizer", et->pose_tokenizer, "Pose tokenizer of a language model (default: the shipped one)");
    cmd->add_option("--data", et->data, "Corpus folder")->required();
    cmd->add_option("--json", et->json, "Also write every metric, the command, model checksums and the data manifest here");
    cmd->add_option("--limit", et->limit, "Only the first N items of the split")->check(CLI::Range(32, 1 << 30));
    cmd->add_option("--split", et->split, "Corpus split")->check(CLI::IsMember({"train", "val", "test"}));
    const bool pairs = task == eval::Task::PoseDiff || task == eval::Task::Edit;
    if (pairs) {
      cmd->add_option("--pair-retrieval", et->pair_retrieval, "Pose-pair-text retrieval model (default: the shipped one)");
      cmd->add_option("--transfer-pairs", et->transfer_pairs,
                      "Evaluate on N limb-transfer pairs built from the split's poses instead of the corpus pairs (docs/corpus.md)")
          ->check(CLI::Range(32, 1 << 24));
    }
    else cmd->add_option("--retrieval", et->retrieval, "Pose-text retrieval model (default: the shipped one)");
    cmd->add_option("--seed", et->seed, "Seed of the R-precision draws");
    cmd->callback([et, task, pairs] {
      const auto baselines = eval::baseline_names(task);
      const bool baseline = std::find(baselines.begin(), baselines.end(), et->model) != baselines.end();
      if (!baseline && !std::filesystem::is_directory(et->model))
        throw Error("--model: '" + et->model + "' is neither a baseline of " + eval::task_name(task) + " nor a model folder");
      std::unique_ptr<engine::Engine> lm;
      if (!baseline) lm = std::make_unique<engine::Engine>(et->model, et->pose_tokenizer.empty() ? engine::Engine::default_pose_tokenizer() : et->pose_tokenizer);
      const std::string retrieval_dir = pairs ? (et->pair_retrieval.empty() ? default_retrieval(true) : et->pair_retrieval)
                                              : (et->retrieval.empty() ? default_retrieval(false) : et->retrieval);
      auto retrieval = nn::load_retrieval_bundle(retrieval_dir);
      if (retrieval->config.pairs() != pairs)
        fail(retrieval_dir, std::string("is a ") + (pairs ? "pose-text" : "pose-pair-text") + " retrieval model; " + eval::task_name(task) +
                                " needs a " + (pairs ? "pose-pair-text" : "pose-text") + " one");
      auto corpus = data::read_corpus(et->data);
      if (et->transfer_pairs > 0) {
        // The split's own pairs make way for transfer pairs of its poses; the training pairs stay (baselines use them).
        std::vector<data::CorpusPair> kept;
        for (auto& p : corpus.pairs)
          if (p.split != et->split) kept.push_back(std::move(p));
        corpus.pairs = std::move(kept);
        data::add_transfer_pairs(corpus, et->split, et->transfer_pairs, et->seed + 1);
      }
      ProgressBar bar;
      bar.update("preparing " + et->model, 0);
      auto generator = baseline ? eval::make_baseline(et->model, task, corpus, et->split) : language_model_generator(*lm, et->model);
      eval::EvalOptions opts;
      opts.split = et->split;
      opts.limit = et->limit;
      opts.seed = et->seed;
      const auto report = eval::evaluate_task(task, generator, corpus, pairs ? nullptr : &retrieval, pairs ? &retrieval : nullptr, opts,
                                              [&bar](const std::string& stage, double f) { bar.update(stage, f); });
      bar.update("done", 1);
      std::printf("%s, model %s, %s split of %s: %d items (%.1f s)\n", eval::task_name(task).c_str(), report.model.c_str(),
                  et->split.c_str(), et->data.c_str(), report.items, report.seconds);
      std::printf("  %-24s %9s\n", "metric", "value");
      for (const auto& [k, v] : report.metrics) std::printf("  %-24s %9.2f\n", k.c_str(), v);
      if (task == eval::Task::PoseToText || task == eval::Task::PoseDiff)
        std::printf("  (METEOR modules: %s)\n", eval::meteor_modules_description().c_str());
      if (et->json.empty()) return;
      nlohmann::ordered_json j;
      j["format"] = "unipose.eval/1";
      j["task"] = eval::task_name(task);
      j["model"] = report.model;
      if (!baseline) {
        j["model_SHA256SUMS"] = sums_of(et->model);
        j["pose_tokenizer_SHA256SUMS"] = sums_of(et->pose_tokenizer.empty() ? engine::Engine::default_pose_tokenizer() : et->pose_tokenizer);
      }
      j["split"] = et->split;
      j["items"] = report.items;
      j["limit"] = et->limit;
      if (et->transfer_pairs > 0) j["transfer_pairs"] = et->transfer_pairs;
      j["command"] = command_line();
      j["unipose"] = build_info();
      j["seconds"] = report.seconds;
      nlohmann::ordered_json metrics;
      for (const auto& [k, v] : report.metrics) metrics[k] = v;
      j["metrics"] = metrics;
      j["metric_notes"] = {{"r_precision", "32 candidates (itself + 31 random), 10 repetitions, seed " + std::to_string(et->seed)},
                           {"bleu", "corpus BLEU-4, brevity penalty, smoothing: 0.1 matches for an order with none"},
                           {"rouge_l", "F1 of the longest common subsequence, best reference, mean over items"},
                           {"meteor", eval::meteor_modules_description() + "; alpha 0.9, beta 3, gamma 0.5"},
                           {"references", "all texts of an item but the first; the first is the input / the ground-truth hypothesis"},
                           {"units", "percent for R-precision, recall, BLEU, ROUGE-L, METEOR; mm for MPJPE"}};
      j["retrieval_model"] = {{"dir", retrieval_dir}, {"SHA256SUMS", sums_of(retrieval_dir)}};
      j["data"] = {{"dir", et->data}, {"manifest", nlohmann::json::parse(corpus.manifest, nullptr, false)}};
      io::write_file_atomic(et->json, j.dump(2) + "\n");
      std::printf("wrote %s\n", et->json.c_str());
    });
  }
}

}  // namespace unipose::app
