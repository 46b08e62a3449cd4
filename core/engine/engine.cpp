#include "core/engine/engine.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include "core/error.h"
#include "core/eval/claims.h"
#include "core/eval/consistency.h"
#include "core/io/files.h"
#include "core/io/safetensors.h"
#include "core/nn/lm_bundle.h"
#include "core/nn/lm_prompt.h"
#include "core/nn/module_io.h"
#include "core/nn/pose_codec.h"
#include "core/nn/visual_projector.h"
#include "core/pose/frame.h"
#include "core/tasks.h"
#include "core/text/instruction_templates.h"
#include "core/vision/visual_encoders.h"

namespace unipose::engine {

std::string Engine::models_dir() {
  if (const char* env = std::getenv("UNIPOSE_MODELS"); env && *env) return env;
  const std::string resources = text::resources_dir();
  for (const auto& c : {resources + "/../models", resources + "/../../models"})
    if (std::filesystem::is_directory(c)) return std::filesystem::weakly_canonical(c).string();
  return "models";
}

namespace {

double since(const std::chrono::steady_clock::time_point& t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double timed_ms(const std::function<void()>& fn) {
  const auto t = std::chrono::steady_clock::now();
  fn();
  return since(t);
}

}  // namespace

struct Engine::Impl {
  std::mutex mutex;
  nn::LmBundle lm;
  nn::PoseCodec codec;
  text::InstructionTemplates templates;
  std::unique_ptr<eval::ConsistencyScorer> consistency;
  // The visual branch: where its bundle is (empty: none), and once loaded the projector and the encoders.
  std::string visual_dir;
  std::optional<nn::VisualBundle> visual;
  std::unique_ptr<vision::VisualEncoders> encoders;

  Impl(nn::LmBundle bundle, nn::PoseVqVae tokenizer) : lm(std::move(bundle)), codec(std::move(tokenizer)) {}

  // The request of `task` in its first wording, with the slots filled; a pose task's prompt ends with <p>.
  nn::LmInput prompt(Task task, const std::map<std::string, nn::Slot>& slots, const std::string& request = "") const;
  std::string answer_text(Task task, const std::map<std::string, nn::Slot>& slots, const torch::Tensor& visual = {});
  // The visual branch, loaded on first use; its projected tokens [grid^2 * pictures, D] of the pictures in order.
  void load_visual();
  torch::Tensor visual_rows(const std::vector<const image::Image*>& pictures);
  // Pose estimation's prompt for one picture with an optional hint (checked; its notes and warning go to `r`),
  // without the picture's rows, which the caller sets.
  nn::LmInput estimation_prompt(const std::string& hint, Result& r);
  // Engine::estimate_image, and with `words` Engine::read_image (the picture encoded once for both).
  Result read_picture(const image::Image& picture, const std::string& hint, bool words);
  nn::Slot picture_slot() const { return nn::Slot{"", {}, visual->config.grid * visual->config.grid}; }
  std::string check_text(const std::string& text) const;  // throws for empty / too long; returns a warning
  // The words as the model reads them (unknown words as known synonyms), and a note of what was replaced.
  std::string read_words(const std::string& text, std::string* note) const;
};

Engine::~Engine() = default;
std::string Engine::model_dir() const { return impl_->lm.dir; }

std::string Engine::default_language_model() { return models_dir() + "/language_model"; }
std::string Engine::default_pose_tokenizer() { return models_dir() + "/pose_tokenizer"; }
std::string Engine::default_visual_branch() { return models_dir() + "/visual_branch"; }

std::string Engine::pose_tokenizer_of(const std::string& lm_dir) {
  const std::string own = lm_dir + "/pose_tokenizer";
  return std::filesystem::exists(own + "/config.json") ? own : default_pose_tokenizer();
}

Engine::Engine(const std::string& lm_dir, const std::string& tok_dir) {
  auto lm = nn::load_lm_bundle(lm_dir);
  auto tokenizer = nn::load_tokenizer_bundle(tok_dir);
  const std::string sha = io::sha256_file(tok_dir + "/model.safetensors");
  if (!lm.pose_tokenizer_sha256.empty() && lm.pose_tokenizer_sha256 != sha)
    fail(tok_dir, "is not the pose tokenizer " + lm_dir + " was trained with (its checksum differs)");
  const auto& c = lm.model->config;
  if (c.pose_tokens != tokenizer->config.tokens || c.pose_codes != tokenizer->config.codebook_size)
    fail(lm_dir, "expects " + std::to_string(c.pose_tokens) + " pose codes of " + std::to_string(c.pose_codes) + "; the pose tokenizer gives " +
                     std::to_string(tokenizer->config.tokens) + " of " + std::to_string(tokenizer->config.codebook_size));
  if (c.grounded && (c.pose_levels != tokenizer->config.residual_levels || c.code_dim != tokenizer->config.code_dim))
    fail(lm_dir, "reads poses of " + std::to_string(c.pose_levels) + " levels of " + std::to_string(c.code_dim) + "-d codes; the pose tokenizer has " +
                     std::to_string(tokenizer->config.residual_levels) + " of " + std::to_string(tokenizer->config.code_dim));
  impl_ = std::make_unique<Impl>(std::move(lm), std::move(tokenizer));
  impl_->templates = text::load_instruction_templates(text::resources_dir() + "/text/instruction_templates.json");
  // The shipped visual branch, loaded (and checked against this language model) when a picture task asks for it.
  if (std::filesystem::exists(default_visual_branch() + "/config.json")) impl_->visual_dir = default_visual_branch();
  const std::string pose_text = models_dir() + "/retrieval_pose_text", pair_text = models_dir() + "/retrieval_pair_text";
  if (std::filesystem::exists(pose_text + "/config.json") && std::filesystem::exists(pair_text + "/config.json"))
    impl_->consistency = std::make_unique<eval::ConsistencyScorer>(nn::load_retrieval_bundle(pose_text), nn::load_retrieval_bundle(pair_text));
}

void Engine::Impl::load_visual() {
  if (visual) return;
  if (visual_dir.empty())
    throw Error("no visual branch for this language model: train one with `unipose train visual --export DIR` and load it (--visual DIR)");
  auto bundle = nn::load_visual_bundle(visual_dir);
  const std::string lm_sha = io::sha256_file(lm.dir + "/model.safetensors");
  if (bundle.config.language_model_sha256 != lm_sha)
    fail(visual_dir, "was trained for another language model than " + lm.dir + " (its language_model_sha256 differs): give the visual branch "
                     "made for it with --visual DIR (`unipose train visual --init " + lm.dir + " --export DIR`)");
  if (bundle.config.projector.dim != lm.model->config.dim)
    fail(visual_dir + "/config.json", "projects to width " + std::to_string(bundle.config.projector.dim) + ", the language model's is " +
                                          std::to_string(lm.model->config.dim));
  encoders = vision::open_visual_encoders(bundle, models_dir());
  visual = std::move(bundle);
}

torch::Tensor Engine::Impl::visual_rows(const std::vector<const image::Image*>& pictures) {
  load_visual();
  torch::NoGradGuard ng;
  std::vector<torch::Tensor> tokens;
  for (const auto* p : pictures) tokens.push_back(encoders->encode(*p).tokens);
  const auto projected = visual->projector(torch::stack(tokens));  // [pictures, grid^2, D]
  return projected.reshape({-1, projected.size(2)});
}

bool Engine::has_visual_branch() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->visual.has_value() || !impl_->visual_dir.empty();
}

void Engine::load_visual_branch(const std::string& dir) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const std::string before = impl_->visual_dir;
  auto kept = std::move(impl_->visual);
  auto kept_encoders = std::move(impl_->encoders);
  impl_->visual.reset();
  impl_->visual_dir = dir;
  try {
    impl_->load_visual();
  } catch (...) {  // the branch that was there stays
    impl_->visual_dir = before;
    impl_->visual = std::move(kept);
    impl_->encoders = std::move(kept_encoders);
    throw;
  }
}

Result Engine::describe_image(const image::Image& picture) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const auto t = std::chrono::steady_clock::now();
  if (picture.empty()) throw Error("the picture is empty");
  const auto rows = impl_->visual_rows({&picture});
  Result r;
  r.text = impl_->answer_text(Task::ImageToText, {{"<image>", impl_->picture_slot()}}, rows);
  r.milliseconds = since(t);
  return r;
}

Result Engine::diff_images(const image::Image& a, const image::Image& b) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const auto t = std::chrono::steady_clock::now();
  if (a.empty() || b.empty()) throw Error(std::string("picture ") + (a.empty() ? "A" : "B") + " is empty");
  const auto rows = impl_->visual_rows({&a, &b});
  Result r;
  r.text = impl_->answer_text(Task::ImageDiff, {{"<image_a>", impl_->picture_slot()}, {"<image_b>", impl_->picture_slot()}}, rows);
  r.milliseconds = since(t);
  return r;
}

nn::LmInput Engine::Impl::estimation_prompt(const std::string& hint, Result& r) {
  std::map<std::string, nn::Slot> slots;
  std::string request;
  if (!hint.empty()) {
    slots["<text>"] = nn::Slot{nn::hint_text(read_words(hint, &r.note)), {}};
    request = nn::hinted_request(templates.at(Task::PoseEstimation).front());
  }
  load_visual();
  slots["<image>"] = picture_slot();
  auto in = prompt(Task::PoseEstimation, slots, request);
  const auto& c = lm.model->config;
  // The picture's positions leave less room than a text alone has (check_text's limit).
  if (!hint.empty() && static_cast<int>(in.ids.size()) + c.pose_positions() > c.max_positions)
    throw Error("the hint is too long: with the picture's " + std::to_string(picture_slot().image_tokens) + " positions the request takes " +
                std::to_string(in.ids.size()) + " of the model's " + std::to_string(c.max_positions - c.pose_positions()));
  if (!hint.empty()) r.warning = check_text(hint);
  return in;
}

Result Engine::Impl::read_picture(const image::Image& picture, const std::string& hint, bool words) {
  std::lock_guard<std::mutex> lock(mutex);
  const auto t = std::chrono::steady_clock::now();
  if (picture.empty()) throw Error("the picture is empty");
  Result r;
  auto in = estimation_prompt(hint, r);
  in.visual = visual_rows({&picture});  // encoded once, read by both requests
  r.pose = nn::PoseCodec::on_floor(codec.decode_scores(lm.model->pose_code_logits(in), !lm.model->config.grounded));
  if (words) r.text = answer_text(Task::ImageToText, {{"<image>", picture_slot()}}, in.visual);
  r.milliseconds = since(t);
  return r;
}

Result Engine::estimate_image(const image::Image& picture, const std::string& hint) { return impl_->read_picture(picture, hint, false); }

Result Engine::read_image(const image::Image& picture, const std::string& hint) { return impl_->read_picture(picture, hint, true); }

std::string Engine::Impl::read_words(const std::string& text, std::string* note) const {
  std::vector<std::pair<std::string, std::string>> replaced;
  const std::string out = lm.words.normalise(text, &replaced);
  for (const auto& [word, synonym] : replaced) *note += (note->empty() ? "read as words the model knows: " : ", ") + word + " -> " + synonym;
  return out;
}

std::string Engine::Impl::check_text(const std::string& text) const {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw Error("the text is empty: say what the pose should be or do");
  const auto ids = lm.tokenizer.encode(text);
  const int room = lm.model->config.max_positions - 2 * lm.model->config.pose_positions() - 32;
  if (static_cast<int>(ids.size()) > room)
    throw Error("the text is too long: " + std::to_string(ids.size()) + " pieces, the model reads at most " + std::to_string(room));
  int unknown = 0;
  for (const int id : ids) unknown += id == lm.tokenizer.unk_id();
  if (unknown > 0 && 2 * unknown >= static_cast<int>(ids.size()))
    return "most of the text is unknown to the model, which was trained on English pose descriptions";
  return "";
}

nn::LmInput Engine::Impl::prompt(Task task, const std::map<std::string, nn::Slot>& slots, const std::string& request) const {
  const auto& c = lm.model->config;
  auto seq = nn::build_sequence(c, lm.tokenizer, request.empty() ? templates.at(task).front() : request, slots, std::nullopt);
  // The spans as in training (the positions of a pose attend to each other both ways), and the codes beside.
  auto in = seq.input(c);
  if (task_info(task).pose_answer) {  // the answer starts with <p>
    in.ids.push_back(c.pose_begin());
    in.spans.push_back(0);
    if (!in.codes.empty()) in.codes.insert(in.codes.end(), c.pose_levels, -1);
  }
  return in;
}

std::string Engine::Impl::answer_text(Task task, const std::map<std::string, nn::Slot>& slots, const torch::Tensor& visual) {
  const int eos = lm.tokenizer.eos_id();
  auto in = prompt(task, slots);
  in.visual = visual;
  const auto out = lm.model->generate_text(in, 96, {eos});
  std::vector<int> pieces;
  for (const auto id : out)
    if (id != eos && id < lm.model->config.text_vocab) pieces.push_back(static_cast<int>(id));
  const auto s = lm.tokenizer.decode(pieces);
  const auto first = s.find_first_not_of(' ');
  return first == std::string::npos ? "" : s.substr(first);
}

Result Engine::describe(const pose::Pose& pose) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const auto t = std::chrono::steady_clock::now();
  Result r;
  pose.validate("pose");
  const auto frame = pose::pose_frame(pose);  // once: the codes' heading and the claims' joints
  r.text = impl_->answer_text(Task::PoseToText, {{"<pose>", nn::Slot{"", impl_->codec.encode(pose, frame.yaw)}}});
  if (impl_->consistency) r.consistency = impl_->consistency->of_description(pose, r.text);
  r.contradictions = eval::contradictions(eval::check_description(r.text, frame));
  r.milliseconds = since(t);
  return r;
}

Result Engine::diff(const pose::Pose& a, const pose::Pose& b) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const auto t = std::chrono::steady_clock::now();
  a.validate("pose A");
  b.validate("pose B");
  // Both poses turned by A's heading, so that a turn from A to B stays visible.
  const double yaw = pose::pose_frame(a).yaw;
  Result r;
  r.text = impl_->answer_text(Task::PoseDiff, {{"<pose_a>", nn::Slot{"", impl_->codec.encode(a, yaw, "pose A")}},
                                               {"<pose_b>", nn::Slot{"", impl_->codec.encode(b, yaw, "pose B")}}});
  if (impl_->consistency) r.consistency = impl_->consistency->of_instruction(a, b, r.text);
  r.milliseconds = since(t);
  return r;
}

Result Engine::generate(const std::string& text) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const auto t = std::chrono::steady_clock::now();
  Result r;
  r.warning = impl_->check_text(text);
  const std::string words = impl_->read_words(text, &r.note);
  const auto scores = impl_->lm.model->pose_code_logits(impl_->prompt(Task::TextToPose, {{"<text>", nn::Slot{words, {}}}}));
  r.pose = nn::PoseCodec::on_floor(impl_->codec.decode_scores(scores, !impl_->lm.model->config.grounded));
  r.milliseconds = since(t);
  return r;
}

Result Engine::edit(const pose::Pose& input, const std::string& instruction) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const auto t = std::chrono::steady_clock::now();
  Result r;
  r.warning = impl_->check_text(instruction);
  const std::string words = impl_->read_words(instruction, &r.note);
  input.validate("pose");
  const double heading = pose::pose_frame(input).yaw;
  const auto codes = impl_->codec.encode(input, heading);
  const auto& c = impl_->lm.model->config;
  // A grounded model's answer starts from the input pose (as it was trained).
  const auto scores = impl_->lm.model->pose_code_logits(
      impl_->prompt(Task::PoseEditing, {{"<pose>", nn::Slot{"", codes}}, {"<text>", nn::Slot{words, {}}}}),
      c.grounded && c.mixed_attention ? codes : std::vector<int64_t>{});
  r.pose = nn::PoseCodec::like_input(impl_->codec.decode_scores(scores, !c.grounded), input, heading);
  r.milliseconds = since(t);
  return r;
}

SpeedReport Engine::measure_speed(const std::string& text, const pose::Pose& pose, const std::string& instruction, int runs) {
  if (runs < 1) throw Error("measuring speed needs at least one run");
  SpeedReport r;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    const auto prompt = impl_->prompt(Task::TextToPose, {{"<text>", nn::Slot{text, {}}}});
    auto& model = impl_->lm.model;
    // The same weights run as the causal configuration: pose codes one per step.
    auto causal_config = model->config;
    causal_config.mixed_attention = false;
    nn::LanguageModel causal(causal_config);
    {
      torch::NoGradGuard ng;
      const auto src = model->named_parameters();
      for (auto& p : causal->named_parameters()) p.value().copy_(src[p.key()]);
    }
    causal->eval();
    // The two run in turns, so that a machine that slows down or speeds up meanwhile (other work, clock
    // changes) weighs on both alike; the median of each.
    const std::function<void()> one_step = [&] { model->generate_pose(prompt); };
    const std::function<void()> token_by_token = [&] { causal->generate_pose(prompt); };
    one_step();  // warm-up
    token_by_token();
    std::vector<double> one_ms, causal_ms;
    for (int i = 0; i < runs; ++i) {
      one_ms.push_back(timed_ms(one_step));
      causal_ms.push_back(timed_ms(token_by_token));
    }
    r.model = impl_->lm.dir;
    r.dim = model->config.dim;
    r.layers = model->config.layers;
    r.pose_tokens = model->config.pose_tokens;
    r.pose_positions = model->config.pose_positions();
    r.prompt_positions = static_cast<int>(prompt.ids.size());
    r.runs = runs;
    r.one_step_ms = median(one_ms);
    r.token_by_token_ms = median(causal_ms);
    r.cpu_threads = torch::get_num_threads();
  }
  edit(pose, instruction);  // warm-up
  std::vector<double> edit_ms;
  for (int i = 0; i < runs; ++i) edit_ms.push_back(timed_ms([&] { edit(pose, instruction); }));
  r.edit_ms = median(edit_ms);
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  r.peak_memory_mb = usage.ru_maxrss / 1024.0;
  return r;
}

}  // namespace unipose::engine
