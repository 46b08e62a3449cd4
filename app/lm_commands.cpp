// unipose train align | train instruct | describe | diff | generate | edit
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "app/commands.h"
#include "app/progress.h"
#include "core/build_info.h"
#include "core/engine/engine.h"
#include "core/data/transfer_pairs.h"
#include "core/error.h"
#include "core/io/files.h"
#include "core/io/safetensors.h"
#include "core/nn/hf_llama.h"
#include "core/nn/lm_bundle.h"
#include "core/nn/module_io.h"
#include "core/pose/pose_io.h"
#include "core/text/instruction_templates.h"
#include "core/train/lm_task.h"

namespace unipose::app {
namespace {

std::vector<std::vector<int64_t>> corpus_codes(nn::PoseVqVae& tokenizer, const data::Corpus& corpus, ProgressBar& bar) {
  torch::NoGradGuard ng;
  std::vector<std::vector<int64_t>> out;
  for (size_t s = 0; s < corpus.poses.size(); s += 512) {
    const std::vector<pose::Pose> chunk(corpus.poses.begin() + s, corpus.poses.begin() + std::min(corpus.poses.size(), s + 512));
    const auto ids = tokenizer->encode(nn::poses_to_rot6d(chunk)).contiguous();
    for (int64_t i = 0; i < ids.size(0); ++i) out.emplace_back(ids[i].data_ptr<int64_t>(), ids[i].data_ptr<int64_t>() + ids.size(1));
    bar.update("encoding poses", double(out.size()) / corpus.poses.size());
  }
  return out;
}

std::string train_text_tokenizer(const data::Corpus& corpus, const text::InstructionTemplates& templates, const std::string& run, int vocab) {
  std::filesystem::create_directories(run);
  const std::string file = run + "/text_tokenizer_input.txt";
  {
    std::ofstream f(file);
    for (const int i : corpus.split("train"))
      for (const auto& t : corpus.captions[i]) f << t << "\n";
    for (const int i : corpus.pairs_in("train"))
      for (const auto& t : corpus.pairs[i].instructions) f << t << "\n";
    for (const auto& [task, list] : templates)
      for (const auto& t : list) f << t << "\n";
    f << train::kAnswerMarker << "\n";
    if (!f) fail(file, "cannot write");
  }
  text::TextTokenizer::train(file, run + "/text_tokenizer", vocab);
  std::filesystem::remove(file);
  return run + "/text_tokenizer.model";
}

pose::Pose read_one(const std::string& path) { return pose::read_pose(path, std::nullopt); }

void print_result(const engine::Result& r) {
  if (!r.warning.empty()) std::fprintf(stderr, "warning: %s\n", r.warning.c_str());
}

}  // namespace

void add_lm_commands(CLI::App& app, CLI::App& train_cmd, CLI::App& bench_cmd) {
  // ------------------------------------------------------------------ train align / instruct
  struct TrainLm {
    train::TrainOptions t;
    std::string data, pose_tokenizer, text_tokenizer, init, llama, export_dir, tasks = "text2pose,pose2text,posediff,edit";
    int batch = 16, text_vocab = 1000, lora_rank = 0, transfer_pairs = -1;
    double lora_alpha = 16;
    nn::LmConfig config;
    bool causal = false;
  };
  for (const std::string stage : {"align", "instruct"}) {
    auto o = std::make_shared<TrainLm>();
    o->t.steps = stage == "align" ? 6000 : 2000;
    o->t.lr = stage == "align" ? 1e-3 : 3e-4;
    o->t.weight_decay = 0.01;
    o->t.eval_every = 500;
    o->t.checkpoint_every = 250;
    o->config.max_positions = 400;
    auto* cmd = train_cmd.add_subcommand(stage, stage == "align" ? "Stage 2: pose-text alignment of the language model (fixed request wording)"
                                                                  : "Stage 4: instruction tuning (many request wordings per task), from an aligned model");
    cmd->add_option("--data", o->data, "Corpus folder (unipose data make)")->required();
    cmd->add_option("--out", o->t.out_dir, "Run folder: checkpoint.pt, metrics.csv, TensorBoard events")->required();
    cmd->add_option("--export", o->export_dir, "Write the trained model bundle here when done");
    cmd->add_option("--pose-tokenizer", o->pose_tokenizer, "Pose tokenizer bundle (default: the shipped one)");
    if (stage == "align") {
      auto* llama = cmd->add_option("--from-llama", o->llama,
                                    "Start from a LLaMA-family checkpoint in Hugging Face's layout (config.json, *.safetensors, tokenizer.model): "
                                    "its weights and text tokenizer, the vocabulary extended with the pose codes");
      auto* init = cmd->add_option("--init", o->init, "Continue from this model bundle: its weights and text tokenizer (a fresh schedule)");
      init->excludes(llama);
      // A new model's tokenizer and size: a checkpoint or a bundle brings its own.
      for (auto* opt : {cmd->add_option("--text-tokenizer", o->text_tokenizer, "SentencePiece model (default: train one on the corpus text into RUN)"),
                        cmd->add_option("--text-vocab", o->text_vocab, "Pieces of a newly trained text tokenizer")->check(CLI::Range(64, 1 << 20)),
                        cmd->add_option("--dim", o->config.dim, "Model width")->check(CLI::Range(16, 65536)),
                        cmd->add_option("--layers", o->config.layers, "Transformer layers")->check(CLI::Range(1, 512)),
                        cmd->add_option("--heads", o->config.heads, "Attention heads")->check(CLI::Range(1, 1024)),
                        cmd->add_option("--hidden", o->config.hidden, "SwiGLU hidden size")->check(CLI::Range(16, 1 << 20)),
                        cmd->add_flag("--causal", o->causal, "Causal attention everywhere: pose codes token by token (the ablation)")})
        opt->excludes(llama)->excludes(init);
    } else {
      cmd->add_option("--init", o->init, "The aligned model bundle to start from")->required();
    }
    cmd->add_option("--lora-rank", o->lora_rank, "Train LoRA adapters of this rank on every projection instead of all weights (merged on export)")->check(CLI::Range(0, 4096));
    cmd->add_option("--lora-alpha", o->lora_alpha, "LoRA scale numerator (scale = alpha / rank)")->check(CLI::PositiveNumber);
    cmd->add_option("--tasks", o->tasks, "Comma-separated: text2pose, pose2text, posediff, edit (a task named twice is drawn twice as often)");
    cmd->add_option("--transfer-pairs", o->transfer_pairs,
                    "Editing pairs with one limb group moved a lot, added to the training pairs (default: half as many as the corpus has; docs/corpus.md)")
        ->check(CLI::Range(0, 1 << 24));
    add_train_options(*cmd, o->t);
    cmd->add_option("--batch", o->batch, "Sequences per step")->check(CLI::Range(1, 65536));
    cmd->callback([o, stage] {
      ProgressBar bar;
      const std::string tok_dir = o->pose_tokenizer.empty() ? engine::Engine::default_pose_tokenizer() : o->pose_tokenizer;
      auto pose_tok = nn::load_tokenizer_bundle(tok_dir);
      auto corpus = data::read_corpus(o->data);
      const int transfer = o->transfer_pairs >= 0 ? o->transfer_pairs : static_cast<int>(corpus.pairs_in("train").size() / 2);
      const int transferred = data::add_transfer_pairs(corpus, "train", transfer, o->t.seed);
      const auto templates = text::load_instruction_templates(text::resources_dir() + "/text/instruction_templates.json");
      std::vector<std::string> tasks;
      std::stringstream ss(o->tasks);
      for (std::string t; std::getline(ss, t, ',');)
        if (!t.empty()) tasks.push_back(t);
      nn::LanguageModel model{nullptr};
      std::string tokenizer_file;
      std::string text_tokenizer_origin = "SentencePiece unigram trained on the corpus's training captions and instructions and the instruction templates";
      if (!o->llama.empty()) {
        tokenizer_file = o->llama + "/tokenizer.model";
        if (!std::filesystem::exists(tokenizer_file)) fail(o->llama, "has no tokenizer.model (the checkpoint's SentencePiece model is needed)");
        nn::HfLoadReport loaded;
        model = nn::load_hf_llama(o->llama, pose_tok->config.codebook_size, pose_tok->config.tokens, &loaded);
        const int pieces = text::TextTokenizer::load(tokenizer_file).vocab_size();
        if (pieces > loaded.text_vocab)
          fail(tokenizer_file, "has " + std::to_string(pieces) + " pieces, the checkpoint's vocabulary only " + std::to_string(loaded.text_vocab));
        std::printf("loaded %s: %d tensors (%d ignored), text vocabulary %d, %d layers of width %d%s\n", o->llama.c_str(), loaded.tensors_loaded,
                    loaded.tensors_ignored, loaded.text_vocab, model->config.layers, model->config.dim, loaded.tied_embeddings ? ", tied embeddings" : "");
        text_tokenizer_origin = "the SentencePiece model of the checkpoint `" + o->llama + "`";
      } else if (o->init.empty()) {
        tokenizer_file = o->text_tokenizer;
        if (tokenizer_file.empty()) {
          const std::string existing = o->t.out_dir + "/text_tokenizer.model";
          tokenizer_file = (o->t.resume && std::filesystem::exists(existing)) ? existing : train_text_tokenizer(corpus, templates, o->t.out_dir, o->text_vocab);
        }
        auto c = o->config;
        c.text_vocab = text::TextTokenizer::load(tokenizer_file).vocab_size();
        c.pose_codes = pose_tok->config.codebook_size;
        c.pose_tokens = pose_tok->config.tokens;
        c.kv_heads = c.heads;
        c.mixed_attention = !o->causal;
        if (c.dim % c.heads || (c.dim / c.heads) % 2) throw Error("--dim must split into --heads heads of even size");
        torch::manual_seed(o->t.seed);
        model = nn::LanguageModel(c);
      } else {
        auto init = nn::load_lm_bundle(o->init);
        if (!init.pose_tokenizer_sha256.empty() && init.pose_tokenizer_sha256 != io::sha256_file(tok_dir + "/model.safetensors"))
          fail(o->init, "was trained on the codes of another pose tokenizer than " + tok_dir + " (pass its --pose-tokenizer)");
        model = init.model;
        tokenizer_file = o->init + "/tokenizer.model";
        text_tokenizer_origin = "that of `" + o->init + "`";
      }
      if (o->lora_rank > 0) model->add_lora(nn::LoraOptions{o->lora_rank, o->lora_alpha});
      model->train();
      auto tokenizer = text::TextTokenizer::load(tokenizer_file);
      auto codes = corpus_codes(pose_tok, corpus, bar);
      train::LmTask task(model, corpus, std::move(codes), tokenizer, templates, stage, tasks, o->batch);
      const auto r = train_and_report(task, o->t, bar);
      if (r.interrupted) return;
      if (o->export_dir.empty() || o->t.rank != 0) return;
      if (model->has_lora()) model->merge_lora();
      std::ostringstream card;
      card << "# UniPose language model (" << (model->config.mixed_attention ? "mixed attention" : "causal ablation") << "), stage " << stage
           << "\n\nTrained by UniPose Studio's own trainer (" << build_info() << ").\n\n## Command\n\n```\n" << command_line()
           << "\n```\n\n## Architecture\n\n```json\n" << model->config.to_json() << "\n```\n\nPose tokenizer: `" << tok_dir
           << "` (sha256 of its weights in config.json). Text tokenizer (tokenizer.model): " << text_tokenizer_origin
           << ".\n\n## Training\n\n- tasks: "
           << o->tasks << "\n- steps " << o->t.steps << ", batch " << o->batch << ", AdamW lr " << o->t.lr << " (warm-up then cosine), seed "
           << o->t.seed << ", device " << o->t.device << ", " << std::fixed << std::setprecision(0) << r.seconds
           << " s\n- data: generated corpus `" << o->data << "`, manifest:\n\n```json\n" << corpus.manifest << "```\n\n## Validation (last)\n\n";
      card << std::setprecision(3);
      for (const auto& [k, v] : r.last_eval) card << "- " << k << ": " << v << "\n";
      card << "\nTraining pairs: " << corpus.pairs_in("train").size() - transferred << " of the corpus and " << transferred
           << " limb-transfer pairs (docs/corpus.md).\n";
      card << "\nTask metrics: `unipose eval <task> --model " << o->export_dir << " --data DIR` (docs/evaluation.md).\n\n## Licence\n\n"
           << "Trained only on data generated by this project, free for any use.\n";
      nn::save_lm_bundle(o->export_dir, model, tokenizer_file, io::sha256_file(tok_dir + "/model.safetensors"), card.str(), true);
      std::printf("exported %s\n", o->export_dir.c_str());
    });
  }

  // ------------------------------------------------------------------ describe / diff / generate / edit
  struct Use {
    std::string model, pose_tokenizer, pose, pose_a, pose_b, text, out;
  };
  auto u = std::make_shared<Use>();
  auto open_engine = [u] {
    return std::make_unique<engine::Engine>(u->model.empty() ? engine::Engine::default_language_model() : u->model,
                                            u->pose_tokenizer.empty() ? engine::Engine::default_pose_tokenizer() : u->pose_tokenizer);
  };
  auto add_model_options = [u](CLI::App* c) {
    c->add_option("--model", u->model, "Language model bundle (default: the shipped one)");
    c->add_option("--pose-tokenizer", u->pose_tokenizer, "Pose tokenizer bundle (default: the shipped one)");
  };
  auto* describe = app.add_subcommand("describe", "Describe a pose in words with the language model");
  describe->add_option("--pose", u->pose, "Pose file")->required();
  add_model_options(describe);
  describe->callback([u, open_engine] {
    const auto p = read_one(u->pose);
    auto e = open_engine();
    const auto r = e->describe(p);
    std::printf("%s\n", r.text.c_str());
    std::fprintf(stderr, "(%.0f ms)\n", r.milliseconds);
  });
  auto* diff = app.add_subcommand("diff", "Say how to go from pose A to pose B, with the language model");
  diff->add_option("--pose-a", u->pose_a, "First pose")->required();
  diff->add_option("--pose-b", u->pose_b, "Second pose")->required();
  add_model_options(diff);
  diff->callback([u, open_engine] {
    const auto a = read_one(u->pose_a), b = read_one(u->pose_b);
    auto e = open_engine();
    const auto r = e->diff(a, b);
    std::printf("%s\n", r.text.c_str());
    std::fprintf(stderr, "(%.0f ms)\n", r.milliseconds);
  });
  auto* generate = app.add_subcommand("generate", "Generate a pose from a description");
  generate->add_option("--text", u->text, "What the pose looks like")->required();
  generate->add_option("--out", u->out, "Pose file to write (.json, .npz, .bvh)")->required();
  add_model_options(generate);
  generate->callback([u, open_engine] {
    auto e = open_engine();
    const auto r = e->generate(u->text);
    print_result(r);
    pose::write_pose(u->out, *r.pose);
    std::printf("wrote %s (%.0f ms)\n", u->out.c_str(), r.milliseconds);
  });
  auto* edit = app.add_subcommand("edit", "Change a pose by an instruction (\"raise your left arm\")");
  edit->add_option("--pose", u->pose, "Pose file")->required();
  edit->add_option("--text", u->text, "The instruction")->required();
  edit->add_option("--out", u->out, "Pose file to write")->required();
  add_model_options(edit);
  edit->callback([u, open_engine] {
    const auto p = read_one(u->pose);
    auto e = open_engine();
    const auto r = e->edit(p, u->text);
    print_result(r);
    pose::write_pose(u->out, *r.pose);
    std::printf("wrote %s (%.0f ms)\n", u->out.c_str(), r.milliseconds);
  });

  // ------------------------------------------------------------------ bench text2pose
  struct Bench {
    std::string model, pose_tokenizer;
    int runs = 20;
  };
  auto b = std::make_shared<Bench>();
  auto* bench = bench_cmd.add_subcommand("text2pose", "One-step (mixed attention) vs token-by-token (causal) pose generation, and edit latency");
  bench->add_option("--model", b->model, "Language model bundle (default: the shipped one)");
  bench->add_option("--pose-tokenizer", b->pose_tokenizer, "Pose tokenizer bundle (default: the shipped one)");
  bench->add_option("--runs", b->runs, "Timed runs of each")->check(CLI::Range(3, 100000));
  bench->callback([b] {
    engine::Engine e(b->model.empty() ? engine::Engine::default_language_model() : b->model,
                     b->pose_tokenizer.empty() ? engine::Engine::default_pose_tokenizer() : b->pose_tokenizer);
    const std::string text = "The person stands with the left arm raised above the head and the right knee bent.";
    const auto speed = e.measure_pose_generation(text, b->runs);
    std::printf("model: %s (dim %d, %d layers, %d pose codes per pose), prompt %d positions, %d runs each, CPU threads %d\n",
                speed.model.c_str(), speed.dim, speed.layers, speed.pose_tokens, speed.prompt_positions, speed.runs, torch::get_num_threads());
    const double one_step = speed.one_step_ms, token_by_token = speed.token_by_token_ms;
    std::printf("mixed attention, one forward step:   %8.2f ms median\n", one_step);
    std::printf("causal, %d steps with a KV cache:     %8.2f ms median\n", speed.pose_tokens, token_by_token);
    auto median_ms = [&](const std::function<void()>& fn) {
      fn();  // warm-up
      std::vector<double> ms;
      for (int i = 0; i < b->runs; ++i) {
        const auto t = std::chrono::steady_clock::now();
        fn();
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
      }
      std::sort(ms.begin(), ms.end());
      return ms[ms.size() / 2];
    };
    const auto start = pose::read_pose(text::resources_dir() + "/poses/standing.json");
    const double edit = median_ms([&] { e.edit(start, "raise your left arm above your head"); });
    std::printf("edit (instruction to new pose, tokenizers included): %.2f ms median\n", edit);
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("peak memory: %.0f MB\n", usage.ru_maxrss / 1024.0);
    std::printf("speedup: %.2f\nedit_latency_ms_median: %.2f\n", token_by_token / one_step, edit);
  });
}

}  // namespace unipose::app
