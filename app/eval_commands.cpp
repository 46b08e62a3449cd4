// unipose train retrieval | eval retrieval | eval text2pose, pose2text, posediff, edit | eval image2text, imagediff
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "app/commands.h"
#include "app/progress.h"
#include "core/data/transfer_pairs.h"
#include "core/engine/engine.h"
#include "core/engine/evaluation.h"
#include "core/engine/photo.h"
#include "core/text/captioner.h"
#include "core/text/paircodes.h"
#include "core/error.h"
#include "core/eval/model_metrics.h"
#include "core/eval/phrasing.h"
#include "core/eval/tasks.h"
#include "core/eval/text_metrics.h"
#include "core/io/files.h"
#include "core/tasks.h"
#include "core/train/model_cards.h"
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
    const auto val = eval::evaluate_retrieval(task.model(), corpus, "val");
    const auto test = eval::evaluate_retrieval(task.model(), corpus, "test");
    const train::RunRecord run{command_line(), o->t, o->batch, r.seconds, o->data, corpus.manifest, {}};
    nn::save_retrieval_bundle(o->export_dir, task.model(), train::retrieval_card(run, task.model()->config, val, test), true);
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
    print_table(eval::evaluate_retrieval(model, corpus, er->split));
  });

  // ------------------------------------------------------------------ eval <task>
  struct EvalTask {
    std::string model, data, json, retrieval, pair_retrieval, pose_tokenizer, split = "test";
    int limit = 0, transfer_pairs = 0;
    std::uint64_t seed = 0;
  };
  for (const Task task : eval::evaluated_tasks()) {
    auto et = std::make_shared<EvalTask>();
    std::string names;
    for (const auto& n : eval::baseline_names(task)) names += (names.empty() ? "" : ", ") + n;
    auto* cmd = eval_cmd.add_subcommand(task_name(task), "Evaluate " + task_info(task).title + " on a corpus split: a table, and --json for comparisons");
    cmd->add_option("--model", et->model, "What to evaluate: a language model bundle, or a baseline (" + names + ")")->required();
    cmd->add_option("--pose-tokenizer", et->pose_tokenizer, "Pose tokenizer of a language model (default: the shipped one)");
    cmd->add_option("--data", et->data, "Corpus folder")->required();
    cmd->add_option("--json", et->json, "Also write every metric, the command, model checksums and the data manifest here");
    cmd->add_option("--limit", et->limit, "Only the first N items of the split")->check(CLI::Range(32, 1 << 30));
    cmd->add_option("--split", et->split, "Corpus split")->check(CLI::IsMember({"train", "val", "test"}));
    const bool pairs = task == Task::PoseDiff || task == Task::PoseEditing;
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
        throw Error("--model: '" + et->model + "' is neither a baseline of " + task_name(task) + " nor a model folder");
      const std::string tokenizer_dir = et->pose_tokenizer.empty() ? engine::Engine::pose_tokenizer_of(et->model) : et->pose_tokenizer;
      std::unique_ptr<engine::Engine> lm;
      if (!baseline) lm = std::make_unique<engine::Engine>(et->model, tokenizer_dir);
      const std::string retrieval_dir = pairs ? (et->pair_retrieval.empty() ? default_retrieval(true) : et->pair_retrieval)
                                              : (et->retrieval.empty() ? default_retrieval(false) : et->retrieval);
      auto retrieval = nn::load_retrieval_bundle(retrieval_dir);
      if (retrieval->config.pairs() != pairs)
        fail(retrieval_dir, std::string("is a ") + (pairs ? "pose-text" : "pose-pair-text") + " retrieval model; " + task_name(task) +
                                " needs a " + (pairs ? "pose-pair-text" : "pose-text") + " one");
      auto corpus = data::read_corpus(et->data);
      if (et->transfer_pairs > 0) data::replace_pairs_with_transfer_pairs(corpus, et->split, et->transfer_pairs, et->seed + 1);
      ProgressBar bar;
      bar.update("preparing " + et->model, 0);
      auto generator = baseline ? eval::make_baseline(et->model, task, corpus, et->split) : engine::language_model_generator(*lm, et->model);
      eval::EvalOptions opts;
      opts.split = et->split;
      opts.limit = et->limit;
      opts.seed = et->seed;
      const auto report = eval::evaluate_task(task, generator, corpus, pairs ? nullptr : &retrieval, pairs ? &retrieval : nullptr, opts,
                                              [&bar](const std::string& stage, double f) { bar.update(stage, f); });
      bar.update("done", 1);
      std::printf("%s, model %s, %s split of %s: %d items (%.1f s)\n", task_name(task).c_str(), report.model.c_str(),
                  et->split.c_str(), et->data.c_str(), report.items, report.seconds);
      std::printf("  %-24s %9s\n", "metric", "value");
      for (const auto& [k, v] : report.metrics) std::printf("  %-24s %9.2f\n", k.c_str(), v);
      if (!task_info(task).pose_answer)
        std::printf("  (METEOR modules: %s)\n", eval::meteor_modules_description().c_str());
      if (et->json.empty()) return;
      eval::EvalRecordContext record;
      record.command = command_line();
      if (!baseline) {
        record.model_dir = et->model;
        record.pose_tokenizer_dir = tokenizer_dir;
      }
      record.retrieval_dir = retrieval_dir;
      record.data_dir = et->data;
      record.split = et->split;
      record.limit = et->limit;
      record.transfer_pairs = et->transfer_pairs;
      record.seed = et->seed;
      io::write_file_atomic(et->json, eval::eval_record_json(report, corpus, record));
      std::printf("wrote %s\n", et->json.c_str());
    });
  }

  // ------------------------------------------------------------------ eval image2text / imagediff
  struct EvalPictures {
    std::string model, visual, data, json, retrieval, split = "test";
    int limit = 0;
    std::uint64_t seed = 0;
  };
  for (const Task task : {Task::ImageToText, Task::ImageDiff}) {
    auto ep = std::make_shared<EvalPictures>();
    const bool pairs = task == Task::ImageDiff;
    auto* cmd = eval_cmd.add_subcommand(task_name(task), "Evaluate " + task_info(task).title + " on a corpus's rendered pictures, measured as " +
                                                             (pairs ? "posediff" : "pose2text") + " is (R-precision against the drawn poses, text metrics)");
    cmd->add_option("--model", ep->model, "A language model bundle (its visual branch: --visual), or a baseline: fit-caption (the photo fit, then the "
                                          "caption pipeline), fit-describe (the photo fit, then the language model's " +
                                              std::string(pairs ? "posediff" : "pose2text") + "), ground-truth")
        ->required();
    cmd->add_option("--visual", ep->visual, "Visual branch bundle (default: models/visual_branch)");
    cmd->add_option("--data", ep->data, "Corpus folder with rendered pictures (data images)")->required();
    cmd->add_option("--split", ep->split, "Split of the pictures")->check(CLI::IsMember({"train", "val", "test"}));
    cmd->add_option("--limit", ep->limit, "Only the first N items")->check(CLI::Range(32, 1 << 30));
    cmd->add_option("--retrieval", ep->retrieval, std::string("The ") + (pairs ? "pose-pair-text" : "pose-text") + " retrieval model (default: the shipped one)");
    cmd->add_option("--seed", ep->seed, "Seed of the R-precision draws");
    cmd->add_option("--json", ep->json, "Also write every metric, the command, checksums and the data manifest here");
    cmd->callback([ep, task, pairs] {
      ProgressBar bar;
      bar.update("reading " + ep->data, 0);
      const auto set = engine::pictured_split(ep->data, ep->split);
      const std::string retrieval_dir = ep->retrieval.empty() ? default_retrieval(pairs) : ep->retrieval;
      auto retrieval = nn::load_retrieval_bundle(retrieval_dir);
      if (retrieval->config.pairs() != pairs) fail(retrieval_dir, std::string("is not a ") + (pairs ? "pose-pair-text" : "pose-text") + " retrieval model");
      const Task as = pairs ? Task::PoseDiff : Task::PoseToText;
      std::unique_ptr<engine::Engine> lm;
      std::unique_ptr<engine::PhotoEngine> photos;
      eval::Generator generator;
      const std::string lm_dir = ep->model == "fit-describe" || ep->model == "fit-caption" || ep->model == "ground-truth"
                                     ? engine::Engine::default_language_model()
                                     : ep->model;
      if (ep->model == "ground-truth") {
        generator = eval::make_baseline("ground-truth", as, set.corpus, ep->split);
      } else if (ep->model == "fit-caption" || ep->model == "fit-describe") {
        photos = std::make_unique<engine::PhotoEngine>(engine::PhotoEngine::default_detector(), engine::PhotoEngine::default_landmarks());
        if (ep->model == "fit-describe") lm = std::make_unique<engine::Engine>(lm_dir, engine::Engine::pose_tokenizer_of(lm_dir));
        // Nobody found: no text (it counts as a miss).
        auto fitted = [p = photos.get()](const image::Image& picture) -> std::optional<pose::Pose> {
          try {
            return p->estimate(picture).pose;
          } catch (const Error&) {
            return std::nullopt;
          }
        };
        auto* e = lm.get();
        int drawn = 0;
        generator = engine::picture_generator(
            set, ep->model,
            [fitted, e, drawn](const image::Image& picture) mutable -> std::string {
              const auto p = fitted(picture);
              if (!p) return "";
              return e ? e->describe(*p).text : text::describe_pose(*p, 0x5eed0000ull + drawn++);
            },
            [fitted, e, drawn](const image::Image& a, const image::Image& b) mutable -> std::string {
              const auto pa = fitted(a), pb = fitted(b);
              if (!pa || !pb) return "";
              return e ? e->diff(*pa, *pb).text : text::instruct(*pa, *pb, 0x5eed0000ull + drawn++);
            });
      } else {
        if (!std::filesystem::is_directory(ep->model)) throw Error("--model: '" + ep->model + "' is neither a baseline nor a model folder");
        lm = std::make_unique<engine::Engine>(lm_dir, engine::Engine::pose_tokenizer_of(lm_dir));
        if (!ep->visual.empty()) lm->load_visual_branch(ep->visual);
        if (!lm->has_visual_branch()) throw Error("no visual branch for " + lm_dir + ": give --visual DIR (`unipose train visual --export DIR`)");
        auto* e = lm.get();
        generator = engine::picture_generator(
            set, ep->model, [e](const image::Image& picture) { return e->describe_image(picture).text; },
            [e](const image::Image& a, const image::Image& b) { return e->diff_images(a, b).text; });
      }
      eval::EvalOptions opts;
      opts.split = ep->split;
      opts.limit = ep->limit;
      opts.seed = ep->seed;
      auto report = eval::evaluate_task(as, generator, set.corpus, pairs ? nullptr : &retrieval, pairs ? &retrieval : nullptr, opts,
                                        [&bar](const std::string& stage, double f) { bar.update(stage, f); });
      report.task = task;  // measured as pose2text / posediff are; recorded as the picture task it is
      bar.update("done", 1);
      std::printf("%s, model %s, %zu pictured poses of the %s split of %s: %d items (%.1f s)\n", task_name(task).c_str(), ep->model.c_str(),
                  set.poses.size(), ep->split.c_str(), ep->data.c_str(), report.items, report.seconds);
      std::printf("  %-24s %9s\n", "metric", "value");
      for (const auto& [k, v] : report.metrics) std::printf("  %-24s %9.2f\n", k.c_str(), v);
      if (ep->json.empty()) return;
      eval::EvalRecordContext record;
      record.command = command_line();
      if (lm) record.model_dir = lm_dir;
      record.retrieval_dir = retrieval_dir;
      record.data_dir = ep->data;
      record.split = ep->split;
      record.limit = ep->limit;
      record.seed = ep->seed;
      io::write_file_atomic(ep->json, eval::eval_record_json(report, set.corpus, record));
      std::printf("wrote %s\n", ep->json.c_str());
    });
  }

  // ------------------------------------------------------------------ eval phrasing
  struct Phrasing {
    std::string cases, model, pose_tokenizer, json;
    bool verbose = false;
  };
  auto ph = std::make_shared<Phrasing>();
  auto* phrasing = eval_cmd.add_subcommand("phrasing", "Free-phrasing cases: does the model do what a person's own words ask? "
                                                       "(format: README beside ../shared/eval/phrasing_dev.jsonl)");
  phrasing->add_option("--cases", ph->cases, "JSONL file of cases")->required();
  phrasing->add_option("--model", ph->model, "Language model bundle (default: the shipped one)");
  phrasing->add_option("--pose-tokenizer", ph->pose_tokenizer, "Pose tokenizer bundle (default: the model's)");
  phrasing->add_option("--json", ph->json, "Also write every case with its measurements here");
  phrasing->add_flag("--verbose", ph->verbose, "Show the measurements of passing cases too");
  phrasing->callback([ph] {
    const auto cases = eval::read_phrasing_cases(ph->cases);
    const std::string model = ph->model.empty() ? engine::Engine::default_language_model() : ph->model;
    engine::Engine e(model, ph->pose_tokenizer.empty() ? engine::Engine::pose_tokenizer_of(model) : ph->pose_tokenizer);
    ProgressBar bar;
    const auto report = eval::evaluate_phrasing(
        cases, [&e](const pose::Pose& start, const std::string& text) { return *e.edit(start, text).pose; },
        [&e](const std::string& text) { return *e.generate(text).pose; },
        [&bar](int done, int total) { bar.update("cases", double(done) / total); });
    for (const auto& r : report.results) {
      std::printf("%s %s%s '%s'\n", r.passed ? "PASS" : "FAIL", r.item.task.c_str(),
                  r.item.start.empty() ? "" : (" [" + r.item.start + "]").c_str(), r.item.text.c_str());
      if (!r.error.empty()) std::printf("     error: %s\n", r.error.c_str());
      if (r.passed && !ph->verbose) continue;
      for (const auto& c : r.checks)
        std::printf("     %s %s = %.2f (want %s)\n", c.ok ? "ok " : "NO ", c.what.c_str(), c.value, c.want.empty() ? ">= 0" : c.want.c_str());
    }
    std::printf("phrasing: %d/%d edits, %d/%d generations\n", report.edits_passed, report.edits, report.generations_passed, report.generations);
    if (ph->json.empty()) return;
    io::write_file_atomic(ph->json, eval::phrasing_report_json(report, ph->cases, model));
    std::printf("wrote %s\n", ph->json.c_str());
  });
}

}  // namespace unipose::app
