// unipose train align | train instruct | describe | diff | generate | edit | bench text2pose
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "app/commands.h"
#include "app/progress.h"
#include "core/data/targeted.h"
#include "core/data/transfer_pairs.h"
#include "core/engine/engine.h"
#include "core/error.h"
#include "core/image/image.h"
#include "core/io/files.h"
#include "core/io/safetensors.h"
#include "core/nn/lm_bundle.h"
#include "core/nn/module_io.h"
#include "core/nn/pose_codec.h"
#include "core/pose/pose_io.h"
#include "core/tasks.h"
#include "core/text/instruction_templates.h"
#include "core/train/lm_setup.h"
#include "core/train/lm_task.h"
#include "core/train/model_cards.h"
#include "core/train/visual_task.h"
#include "core/vision/visual_encoders.h"

namespace unipose::app {
namespace {

pose::Pose read_one(const std::string& path, int frame) { return pose::read_pose(path, frame >= 0 ? std::optional<int>(frame) : std::nullopt); }

// The words of --text, or of --text-file (long descriptions; read as plain UTF-8 text, at most 64 KB).
std::string text_of(const std::string& text, const std::string& file) {
  if (file.empty()) return text;
  if (std::filesystem::exists(file) && std::filesystem::is_regular_file(file) && std::filesystem::file_size(file) > 65536)
    fail(file, "is larger than 64 KB; a description or instruction is a few sentences");
  return io::read_text_file(file);
}

void print_warning(const engine::Result& r) {
  if (!r.warning.empty()) std::fprintf(stderr, "warning: %s\n", r.warning.c_str());
  if (!r.note.empty()) std::fprintf(stderr, "note: %s\n", r.note.c_str());
}

// The answer of describe / diff, with how well it fits (when the retrieval models are installed).
void print_text(const engine::Result& r, const char* what) {
  std::printf("%s\n", r.text.c_str());
  if (r.consistency >= 0) {
    std::fprintf(stderr, "(fits %s better than %.0f%% of the descriptions of similar %s; %.0f ms)\n", what, 100 * r.consistency,
                 std::string(what) == "this pose" ? "poses" : "changes", r.milliseconds);
    if (r.consistency < engine::kDoubtfulConsistency)
      std::fprintf(stderr, "warning: this may not be what the %s shows: other words fit it as well\n", std::string(what) == "this pose" ? "pose" : "change");
  } else {
    std::fprintf(stderr, "(%.0f ms)\n", r.milliseconds);
  }
  for (const auto& c : r.contradictions) std::fprintf(stderr, "warning: measured otherwise: %s\n", c.c_str());
}

}  // namespace

void add_lm_commands(CLI::App& app, CLI::App& train_cmd, CLI::App& bench_cmd) {
  // ------------------------------------------------------------------ train align / instruct
  struct TrainLm {
    train::TrainOptions t;
    std::string data, pose_tokenizer, text_tokenizer, init, llama, export_dir, tasks = "text2pose,pose2text,posediff,edit";
    std::string visual, pictures, val_pictures, export_visual;  // stage 4 with the picture tasks
    std::string wordings = "any";                               // stage 4: each task's request wordings
    double hints = 0.3;
    int batch = 16, text_vocab = 1000, lora_rank = 0, transfer_pairs = -1, targeted_edits = -1, described_poses = -1;
    double lora_alpha = 16;
    nn::LmConfig config;
    bool causal = false, ungrounded = false;
    double joint_loss = 10;
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
    cmd->add_option("--pose-tokenizer", o->pose_tokenizer, "Pose tokenizer bundle (default: the model's own, else the shipped one)");
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
                        cmd->add_flag("--causal", o->causal, "Causal attention everywhere: pose codes token by token (the ablation)"),
                        cmd->add_flag("--ungrounded", o->ungrounded,
                                      "The paper's pose tokens: each code a vocabulary entry learned from scratch (the ablation of the grounded default)")})
        opt->excludes(llama)->excludes(init);
    } else {
      cmd->add_option("--init", o->init, "The aligned model bundle to start from")->required();
      cmd->add_option("--visual", o->visual, "The visual branch made for --init (`unipose train visual --init`): with it --tasks may name the picture "
                                             "tasks (" + task_names(train::VisualTask::trainable_tasks()) + "), its projector trains beside the language model");
      cmd->add_option("--pictures", o->pictures, "Corpus folder with rendered train-split pictures of --data's poses (default: --data)");
      cmd->add_option("--val-pictures", o->val_pictures, "Corpus folder whose val-split pictures are validated on (default: --pictures)");
      cmd->add_option("--export-visual", o->export_visual, "With --visual and --export: write the trained visual branch here (made for the exported model)");
      cmd->add_option("--hints", o->hints, "With --visual: share of estimation requests that carry words of the pose's caption as a hint")->check(CLI::Range(0.0, 1.0));
      cmd->add_option("--wordings", o->wordings,
                      "any: a random one of each task's request wordings (the default); first: each task's first wording, the one the "
                      "engine asks in (stage 2's requests, here with the picture tasks)")
          ->check(CLI::IsMember({"any", "first"}));
    }
    cmd->add_option("--joint-loss", o->joint_loss, "Grounded models: weight of the joint-position loss of pose answers (per metre of L1)")
        ->check(CLI::Range(0.0, 1e6));
    cmd->add_option("--lora-rank", o->lora_rank, "Train LoRA adapters of this rank on every projection instead of all weights (merged on export)")->check(CLI::Range(0, 4096));
    cmd->add_option("--lora-alpha", o->lora_alpha, "LoRA scale numerator (scale = alpha / rank)")->check(kPositive);
    cmd->add_option("--tasks", o->tasks, "Comma-separated: " + task_names(train::LmTask::trainable_tasks()) + " (a task named twice is drawn twice as often)");
    cmd->add_option("--transfer-pairs", o->transfer_pairs,
                    "Editing pairs with one limb group moved a lot, added to the training pairs (default: half as many as the corpus has; docs/corpus.md)")
        ->check(CLI::Range(0, 1 << 24));
    cmd->add_option("--targeted-edits", o->targeted_edits,
                    "Editing pairs of one to three named changes in everyday words (default: as many as the corpus has pairs; docs/corpus.md)")
        ->check(CLI::Range(0, 1 << 24));
    cmd->add_option("--described-poses", o->described_poses,
                    "Poses with one-line descriptions in everyday words, for text-to-pose (default: as many as the corpus has poses)")
        ->check(CLI::Range(0, 1 << 24));
    add_train_options(*cmd, o->t);
    cmd->add_option("--batch", o->batch, "Sequences per step")->check(CLI::Range(1, 65536));
    cmd->callback([o, stage, cmd] {
      ProgressBar bar;
      const std::string tok_dir = !o->pose_tokenizer.empty() ? o->pose_tokenizer
                                  : o->init.empty()           ? engine::Engine::default_pose_tokenizer()
                                                              : engine::Engine::pose_tokenizer_of(o->init);
      nn::PoseCodec codec(nn::load_tokenizer_bundle(tok_dir));
      train::LmStart start;
      start.llama_dir = o->llama;
      start.init_bundle = o->init;
      start.text_tokenizer = o->text_tokenizer;
      start.text_vocab = o->text_vocab;
      start.config = o->config;
      start.causal = o->causal;
      start.grounded = !o->ungrounded;
      start.run_dir = o->t.out_dir;
      start.resume = o->t.resume;
      start.seed = o->t.seed;
      train::check_lm_start(start);
      std::vector<Task> tasks, picture_tasks;
      std::stringstream ss(o->tasks);
      const auto& pictured = train::VisualTask::trainable_tasks();
      for (std::string t; std::getline(ss, t, ',');)
        if (!t.empty()) (std::count(pictured.begin(), pictured.end(), parse_task(t)) ? picture_tasks : tasks).push_back(parse_task(t));
      if (tasks.empty() && picture_tasks.empty()) throw Error("--tasks names no task");
      if (o->visual.empty()) {
        if (!picture_tasks.empty()) throw Error("--tasks names picture tasks: give the visual branch to train them with (--visual DIR)");
        if (stage == "instruct")
          for (const auto* opt : {"--pictures", "--val-pictures", "--export-visual", "--hints"})
            if (cmd->count(opt)) throw Error(std::string(opt) + " belongs to a run with pictures (--visual DIR)");
      } else if (picture_tasks.empty()) {
        throw Error("--visual is given but --tasks names no picture task (" + task_names(pictured) + ")");
      } else if (!tasks.empty() && o->batch < 2) {
        throw Error("--batch 1 cannot hold both pose/text and picture tasks: give --batch 2 or more");
      } else if (o->export_dir.empty() != o->export_visual.empty()) {
        throw Error(o->export_dir.empty() ? "--export-visual without --export: the branch is made for the exported language model (give --export DIR)"
                                          : "--export with --visual: say where the trained visual branch goes too (--export-visual DIR)");
      } else if (!o->export_dir.empty()) {
        auto same = [](const std::string& a, const std::string& b) { return std::filesystem::weakly_canonical(a) == std::filesystem::weakly_canonical(b); };
        if (same(o->export_visual, o->export_dir)) throw Error("--export-visual must be another folder than --export (each bundle has its own config.json)");
        if (same(o->export_visual, o->visual)) throw Error("--export-visual must be another folder than --visual (the branch this run starts from)");
      }
      std::optional<nn::VisualBundle> branch;
      if (!o->visual.empty()) {
        branch = nn::load_visual_bundle(o->visual);
        if (branch->config.language_model_sha256 != io::sha256_file(o->init + "/model.safetensors"))
          fail(o->visual, "was trained for another language model than " + o->init + " (its language_model_sha256 differs): give the visual branch "
                          "made for it (`unipose train visual --init " + o->init + " --export DIR`)");
        // A branch from before detectors were recorded: the detector in use (named in the token cache and the exported branch).
        if (branch->config.pose_encoder && branch->config.detector_sha256.empty())
          branch->config.detector_sha256 = io::sha256_file(engine::Engine::models_dir() + "/blazepose_detector/model.safetensors");
      }
      {
        // The run remembers whether it trains pictures and through which encoders and projector shape; a resumed
        // run must agree (its checkpoint holds that projector).
        const std::string record = o->t.out_dir + "/visual_branch.txt";
        const std::string now = branch ? train::visual_cache_key(branch->config) + "\n" + branch->config.projector.to_json() + "\n" : "";
        if (o->t.resume) {
          const std::string was = std::filesystem::exists(record) ? io::read_text_file(record) : "";
          if (was != now)
            fail(o->t.out_dir, was.empty()   ? "this run was started without pictures: resume it without --visual"
                               : now.empty() ? "this run trains the picture tasks too: resume it with the --visual it was started with"
                                             : "this run was started with a visual branch of other encoders or projector shape (" + record +
                                                   "): resume it with that --visual");
        } else if (!now.empty() && !std::filesystem::exists(o->t.out_dir + "/checkpoint.pt")) {
          std::filesystem::create_directories(o->t.out_dir);
          io::write_file_atomic(record, now);
        }
      }
      auto corpus = data::read_corpus(o->data);
      const int transfer = o->transfer_pairs >= 0 ? o->transfer_pairs : static_cast<int>(corpus.pairs_in("train").size() / 2);
      const int transferred = data::add_transfer_pairs(corpus, "train", transfer, o->t.seed);
      bar.update("everyday words", 0);
      const int described = data::add_described_poses(corpus, "train", o->described_poses >= 0 ? o->described_poses : static_cast<int>(corpus.split("train").size()), o->t.seed);
      const int targeted = data::add_targeted_edits(corpus, "train", o->targeted_edits >= 0 ? o->targeted_edits : static_cast<int>(corpus.pairs_in("train").size()), o->t.seed);
      const auto templates = text::load_instruction_templates(text::resources_dir() + "/text/instruction_templates.json");
      auto setup = train::set_up_language_model(start, tok_dir, codec.tokenizer(), corpus, templates);
      if (!setup.report.empty()) std::printf("%s\n", setup.report.c_str());
      auto& model = setup.model;
      if (o->lora_rank > 0) model->add_lora(nn::LoraOptions{o->lora_rank, o->lora_alpha});
      model->train();
      auto codes = codec.encode_all(corpus.poses, [&bar](double f) { bar.update("encoding poses", f); });
      // With pictures: the batch shared between the pose/text tasks and the picture tasks as --tasks names them.
      const int picture_batch = picture_tasks.empty() ? 0
                                : tasks.empty()       ? o->batch
                                                      : std::clamp(static_cast<int>(std::lround(double(o->batch) * picture_tasks.size() /
                                                                                                (tasks.size() + picture_tasks.size()))),
                                                                   1, std::max(1, o->batch - 1));
      const text::TextTokenizer text_tokenizer = text::TextTokenizer::load(setup.tokenizer_file);
      // The tasks draw requests as stage 2 does ("align": the first wording) or as stage 4 does (any wording).
      const std::string wording_stage = o->wordings == "first" ? "align" : stage;
      std::optional<train::LmTask> words;
      if (!tasks.empty()) {
        words.emplace(model, corpus, codes, text_tokenizer, templates, wording_stage, tasks, o->batch - picture_batch);
        if (model->config.grounded) words->set_joint_loss(codec.tokenizer(), o->joint_loss);
      }
      std::optional<train::VisualTask> pictures;
      std::optional<train::SevenTasks> both;
      train::VisualModel visual_model{nullptr};
      if (branch) {
        const auto encoders = vision::open_visual_encoders(*branch, engine::Engine::models_dir());
        const std::string key = train::visual_cache_key(branch->config);
        std::filesystem::create_directories(o->t.out_dir);
        const std::string picture_dir = o->pictures.empty() ? o->data : o->pictures;
        const std::string val_dir = o->val_pictures.empty() ? picture_dir : o->val_pictures;
        for (const auto& dir : {picture_dir, val_dir})
          if (io::read_text_file(dir + "/manifest.json") != corpus.manifest)
            fail(dir + "/manifest.json", "is not the manifest of " + o->data + ": the pictures must show poses of the same corpus");
        auto [train_pictures, val_pictures] = encode_run_pictures(*encoders, key, picture_dir, val_dir, !o->val_pictures.empty(), o->t.out_dir, bar);
        visual_model = train::VisualModel(model, branch->config.projector);
        visual_model->projector = visual_model->replace_module("projector", branch->projector);
        pictures.emplace(visual_model, corpus, codes, text_tokenizer, templates, wording_stage, picture_tasks, picture_batch, std::move(train_pictures),
                         std::move(val_pictures), true);
        pictures->set_joint_loss(codec.tokenizer(), o->joint_loss);
        pictures->set_hints(o->hints);
        if (words) both.emplace(*words, *pictures);
      }
      train::TrainTask& task = both ? static_cast<train::TrainTask&>(*both) : pictures ? static_cast<train::TrainTask&>(*pictures) : *words;
      const auto r = train_and_report(task, o->t, bar);
      if (r.interrupted || o->export_dir.empty() || o->t.rank != 0) return;
      if (model->has_lora()) model->merge_lora();
      train::LanguageModelFacts facts;
      facts.stage = o->wordings == "first" ? stage + " (each task's first request wording)" : stage;
      facts.tasks = o->tasks;
      facts.pose_tokenizer_dir = tok_dir;
      facts.text_tokenizer_origin = setup.tokenizer_origin;
      facts.last_validation = r.last_eval;
      facts.corpus_pairs = corpus.pairs_in("train").size() - transferred - targeted;
      facts.transfer_pairs = transferred;
      facts.targeted_edits = targeted;
      facts.described_poses = described;
      facts.export_dir = o->export_dir;
      train::RunRecord run{command_line(), o->t, o->batch, r.seconds, o->data, corpus.manifest, {}};
      if (branch)
        run.notes.push_back("picture tasks (" + std::to_string(picture_batch) + " of each step's " + std::to_string(o->batch) +
                            " sequences) on the rendered pictures of `" + (o->pictures.empty() ? o->data : o->pictures) + "` through the visual branch `" +
                            o->visual + "`, whose projector trained beside (exported to `" + o->export_visual + "`)");
      nn::save_lm_bundle(o->export_dir, model, setup.tokenizer_file, io::sha256_file(tok_dir + "/model.safetensors"),
                         train::language_model_card(run, model->config, facts), true,
                         text::WordNormaliser::from_texts(train::training_texts(corpus, templates)));
      std::printf("exported %s\n", o->export_dir.c_str());
      if (branch) {
        auto config = branch->config;
        config.language_model_sha256 = io::sha256_file(o->export_dir + "/model.safetensors");
        train::RunRecord visual_run = run;
        visual_run.notes.push_back("started from the visual branch `" + o->visual + "`, trained beside the language model exported to `" + o->export_dir + "`");
        visual_model->projector->to(torch::kCPU);
        std::filesystem::remove_all(o->export_visual + "/clip");  // a reused folder keeps no other run's encoder
        if (!config.clip_sha256.empty()) {
          std::filesystem::create_directories(o->export_visual);
          std::filesystem::copy(o->visual + "/clip", o->export_visual + "/clip", std::filesystem::copy_options::recursive);
        }
        nn::save_visual_bundle(o->export_visual, visual_model->projector, config,
                               train::visual_card(visual_run, config, o->tasks, true, r.last_eval));
        std::printf("exported %s (the visual branch of %s)\n", o->export_visual.c_str(), o->export_dir.c_str());
      }
    });
  }

  // ------------------------------------------------------------------ describe / diff / generate / edit
  struct Use {
    std::string model, pose_tokenizer, visual, pose, pose_a, pose_b, image, image_a, image_b, text, text_file, out;
    int frame = -1, frame_a = -1, frame_b = -1;
  };
  auto u = std::make_shared<Use>();
  auto open_engine = [u] {
    const std::string model = u->model.empty() ? engine::Engine::default_language_model() : u->model;
    auto e = std::make_unique<engine::Engine>(model, u->pose_tokenizer.empty() ? engine::Engine::pose_tokenizer_of(model) : u->pose_tokenizer);
    if (!u->visual.empty()) e->load_visual_branch(u->visual);
    return e;
  };
  auto add_model_options = [u](CLI::App* c) {
    c->add_option("--model", u->model, "Language model bundle (default: the shipped one)");
    c->add_option("--pose-tokenizer", u->pose_tokenizer, "Pose tokenizer bundle (default: the model's own, else the shipped one)");
  };
  auto add_visual_option = [u](CLI::App* c) {
    c->add_option("--visual", u->visual, "Visual branch bundle for pictures (default: models/visual_branch)");
  };
  auto* describe = app.add_subcommand("describe", "Describe a pose (or the pose of the person in a picture) in words with the language model");
  auto* describe_pose = describe->add_option("--pose", u->pose, "Pose file");
  auto* describe_image = describe->add_option("--image", u->image, "A picture instead of a pose file (the visual branch)");
  describe_pose->excludes(describe_image);
  describe->add_option("--frame", u->frame, "Frame of a multi-pose file (.npz, .bvh), from 0")->check(CLI::Range(0, 100000000));
  add_model_options(describe);
  add_visual_option(describe);
  describe->callback([u, open_engine] {
    if (u->pose.empty() && u->image.empty()) throw Error("give the pose with --pose, or a picture with --image");
    if (!u->image.empty()) {
      const auto picture = image::read_image(u->image);
      auto e = open_engine();
      print_text(e->describe_image(picture), "this picture");
      return;
    }
    const auto p = read_one(u->pose, u->frame);
    auto e = open_engine();
    print_text(e->describe(p), "this pose");
  });
  auto* diff = app.add_subcommand("diff", "Say how to go from pose A to pose B (or from the pose in picture A to that in B), with the language model");
  auto* diff_pose_a = diff->add_option("--pose-a", u->pose_a, "First pose");
  auto* diff_pose_b = diff->add_option("--pose-b", u->pose_b, "Second pose");
  auto* diff_image_a = diff->add_option("--image-a", u->image_a, "First picture (the visual branch), instead of --pose-a");
  auto* diff_image_b = diff->add_option("--image-b", u->image_b, "Second picture, instead of --pose-b");
  diff_pose_a->excludes(diff_image_a)->excludes(diff_image_b);
  diff_pose_b->excludes(diff_image_a)->excludes(diff_image_b);
  diff->add_option("--frame-a", u->frame_a, "Frame of a multi-pose file A, from 0")->check(CLI::Range(0, 100000000));
  diff->add_option("--frame-b", u->frame_b, "Frame of a multi-pose file B, from 0")->check(CLI::Range(0, 100000000));
  add_model_options(diff);
  add_visual_option(diff);
  diff->callback([u, open_engine] {
    if (!u->image_a.empty() || !u->image_b.empty()) {
      if (u->image_a.empty() || u->image_b.empty()) throw Error("give both pictures: --image-a and --image-b");
      const auto a = image::read_image(u->image_a), b = image::read_image(u->image_b);
      auto e = open_engine();
      print_text(e->diff_images(a, b), "this change");
      return;
    }
    if (u->pose_a.empty() || u->pose_b.empty()) throw Error("give both poses (--pose-a and --pose-b) or both pictures (--image-a and --image-b)");
    const auto a = read_one(u->pose_a, u->frame_a), b = read_one(u->pose_b, u->frame_b);
    auto e = open_engine();
    print_text(e->diff(a, b), "this change");
  });
  auto* generate = app.add_subcommand("generate", "Generate a pose from a description");
  auto* gen_text = generate->add_option("--text", u->text, "What the pose looks like");
  auto* gen_file = generate->add_option("--text-file", u->text_file, "Read the description from this text file");
  gen_text->excludes(gen_file);
  generate->add_option("--out", u->out, "Pose file to write (.json, .npz, .bvh)")->required();
  add_model_options(generate);
  generate->callback([u, open_engine] {
    if (u->text.empty() && u->text_file.empty()) throw Error("give the description with --text or --text-file");
    auto e = open_engine();
    const auto r = e->generate(text_of(u->text, u->text_file));
    print_warning(r);
    pose::write_pose(u->out, *r.pose);
    std::printf("wrote %s (%.0f ms)\n", u->out.c_str(), r.milliseconds);
  });
  auto* edit = app.add_subcommand("edit", "Change a pose by an instruction (\"raise your left arm\")");
  edit->add_option("--pose", u->pose, "Pose file")->required();
  edit->add_option("--frame", u->frame, "Frame of a multi-pose file (.npz, .bvh), from 0")->check(CLI::Range(0, 100000000));
  auto* edit_text = edit->add_option("--text", u->text, "The instruction");
  auto* edit_file = edit->add_option("--text-file", u->text_file, "Read the instruction from this text file");
  edit_text->excludes(edit_file);
  edit->add_option("--out", u->out, "Pose file to write")->required();
  add_model_options(edit);
  edit->callback([u, open_engine] {
    if (u->text.empty() && u->text_file.empty()) throw Error("give the instruction with --text or --text-file");
    const auto p = read_one(u->pose, u->frame);
    auto e = open_engine();
    const auto r = e->edit(p, text_of(u->text, u->text_file));
    print_warning(r);
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
  bench->add_option("--pose-tokenizer", b->pose_tokenizer, "Pose tokenizer bundle (default: the model's own, else the shipped one)");
  bench->add_option("--runs", b->runs, "Timed runs of each")->check(CLI::Range(3, 100000));
  bench->callback([b] {
    const std::string model = b->model.empty() ? engine::Engine::default_language_model() : b->model;
    engine::Engine e(model, b->pose_tokenizer.empty() ? engine::Engine::pose_tokenizer_of(model) : b->pose_tokenizer);
    const std::string text = "The person stands with the left arm raised above the head and the right knee bent.";
    const auto s = e.measure_speed(text, pose::read_pose(text::resources_dir() + "/poses/standing.json"), "raise your left arm above your head", b->runs);
    std::printf("model: %s (dim %d, %d layers, %d pose codes per pose in %d positions), prompt %d positions, %d runs each, CPU threads %d\n",
                s.model.c_str(), s.dim, s.layers, s.pose_tokens, s.pose_positions, s.prompt_positions, s.runs, s.cpu_threads);
    std::printf("mixed attention, one forward step:   %8.2f ms median\n", s.one_step_ms);
    std::printf("causal, %d steps with a KV cache:     %8.2f ms median\n", s.pose_positions, s.token_by_token_ms);
    std::printf("edit (instruction to new pose, tokenizers included): %.2f ms median\n", s.edit_ms);
    std::printf("peak memory: %.0f MB\n", s.peak_memory_mb);
    std::printf("speedup: %.2f\nedit_latency_ms_median: %.2f\n", s.token_by_token_ms / s.one_step_ms, s.edit_ms);
  });
}

}  // namespace unipose::app
