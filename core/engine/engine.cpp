#include "core/engine/engine.h"

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>

#include "core/nn/lm_bundle.h"
#include "core/nn/pose_vqvae.h"
#include "core/text/instruction_templates.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "core/body/axis_angle.h"
#include "core/error.h"
#include "core/io/safetensors.h"
#include "core/nn/module_io.h"
#include "core/pose/sampler.h"
#include "core/text/posecodes.h"
#include "core/train/lm_task.h"

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


}  // namespace

struct Engine::Impl {
  std::mutex mutex;
  nn::LmBundle lm;
  nn::PoseVqVae tokenizer{nullptr};
  text::InstructionTemplates templates;

  std::vector<int64_t> encode_pose(const pose::Pose& p);  // heading removed
  pose::Pose decode_scores(const torch::Tensor& logits);
  std::string answer_text(const std::string& task, const std::map<std::string, std::vector<int64_t>>& poses, const std::string& text);
  std::vector<int64_t> pose_prompt(const std::string& task, const std::string& text, const pose::Pose* input);
  std::string check_text(const std::string& text) const;  // throws for empty / too long; returns a warning
};

Engine::~Engine() = default;
std::string Engine::model_dir() const { return impl_->lm.dir; }

std::string Engine::default_language_model() { return models_dir() + "/language_model"; }
std::string Engine::default_pose_tokenizer() { return models_dir() + "/pose_tokenizer"; }

Engine::Engine(const std::string& lm_dir, const std::string& tok_dir) : impl_(std::make_unique<Impl>()) {
  impl_->lm = nn::load_lm_bundle(lm_dir);
  impl_->tokenizer = nn::load_tokenizer_bundle(tok_dir);
  const std::string sha = io::sha256_file(tok_dir + "/model.safetensors");
  if (!impl_->lm.pose_tokenizer_sha256.empty() && impl_->lm.pose_tokenizer_sha256 != sha)
    fail(tok_dir, "is not the pose tokenizer " + lm_dir + " was trained with (its checksum differs)");
  const auto& c = impl_->lm.model->config;
  if (c.pose_tokens != impl_->tokenizer->config.tokens || c.pose_codes != impl_->tokenizer->config.codebook_size)
    fail(lm_dir, "expects " + std::to_string(c.pose_tokens) + " pose codes of " + std::to_string(c.pose_codes) + "; the pose tokenizer gives " +
                     std::to_string(impl_->tokenizer->config.tokens) + " of " + std::to_string(impl_->tokenizer->config.codebook_size));
  impl_->templates = text::load_instruction_templates(text::resources_dir() + "/text/instruction_templates.json");
}

std::string Engine::Impl::check_text(const std::string& text) const {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw Error("the text is empty: say what the pose should be or do");
  const auto ids = lm.tokenizer.encode(text);
  const int room = lm.model->config.max_positions - 2 * lm.model->config.pose_tokens - 32;
  if (static_cast<int>(ids.size()) > room)
    throw Error("the text is too long: " + std::to_string(ids.size()) + " pieces, the model reads at most " + std::to_string(room));
  int unknown = 0;
  for (const int id : ids) unknown += id == lm.tokenizer.unk_id();
  if (unknown > 0 && 2 * unknown >= static_cast<int>(ids.size()))
    return "most of the text is unknown to the model, which was trained on English pose descriptions";
  return "";
}

std::vector<int64_t> Engine::Impl::encode_pose(const pose::Pose& p) {
  p.validate("pose");
  torch::NoGradGuard ng;
  const auto ids = tokenizer->encode(nn::poses_to_rot6d({pose::turned(p, -text::pose_frame(p).yaw)})).contiguous();
  return std::vector<int64_t>(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + ids.numel());
}

// The language model scores every code of every pose token in one step. The coarse level (residual level
// 0: the code of each body region) is taken as its best code; the finer residual levels, which even two
// near-identical poses rarely share (docs/language_model.md), add the probability-weighted mean of their
// codebooks instead of one guess. Measured against taking every best code in
// models/language_model/MODEL_CARD.md.
pose::Pose Engine::Impl::decode_scores(const torch::Tensor& logits) {
  torch::NoGradGuard ng;
  const auto best = logits.argmax(-1);
  const auto onehot = torch::nn::functional::one_hot(best, logits.size(1)).to(logits.dtype());
  const auto coarse = torch::arange(logits.size(0)).remainder(tokenizer->config.residual_levels).eq(0).unsqueeze(1);
  const auto probs = torch::where(coarse, onehot, torch::softmax(logits, -1));  // [Lp, K]
  return nn::rot6d_to_poses(tokenizer->decode_probabilities(probs.unsqueeze(0))).front();
}

std::string Engine::Impl::answer_text(const std::string& task, const std::map<std::string, std::vector<int64_t>>& poses, const std::string& text) {
  std::map<std::string, train::Slot> slots;
  for (const auto& [k, v] : poses) slots[k] = train::Slot{"", v};
  if (!text.empty()) slots["<text>"] = train::Slot{text, {}};
  const auto seq = train::build_sequence(lm.model->config, lm.tokenizer, templates.at(train::template_task(task)).front(), slots, std::nullopt);
  const int eos = lm.tokenizer.eos_id();
  auto out = lm.model->generate_text(seq.ids, 96, {eos});
  std::vector<int> pieces;
  for (const auto id : out)
    if (id != eos && id < lm.model->config.text_vocab) pieces.push_back(static_cast<int>(id));
  auto s = lm.tokenizer.decode(pieces);
  const auto first = s.find_first_not_of(' ');
  return first == std::string::npos ? "" : s.substr(first);
}

std::vector<int64_t> Engine::Impl::pose_prompt(const std::string& task, const std::string& text, const pose::Pose* input) {
  std::map<std::string, train::Slot> slots{{"<text>", train::Slot{text, {}}}};
  if (input) slots["<pose>"] = train::Slot{"", encode_pose(*input)};
  auto seq = train::build_sequence(lm.model->config, lm.tokenizer, templates.at(train::template_task(task)).front(), slots, std::nullopt);
  seq.ids.push_back(lm.model->config.pose_begin());  // the answer of a pose task starts with <p>
  return seq.ids;
}

Result Engine::describe(const pose::Pose& pose) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const auto t = std::chrono::steady_clock::now();
  Result r;
  r.text = impl_->answer_text("pose2text", {{"<pose>", impl_->encode_pose(pose)}}, "");
  r.milliseconds = since(t);
  return r;
}

Result Engine::diff(const pose::Pose& a, const pose::Pose& b) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const auto t = std::chrono::steady_clock::now();
  // Both poses turned by A's heading, so a turn from A to B stays visible.
  const double yaw = text::pose_frame(a).yaw;
  torch::NoGradGuard ng;
  auto codes = [&](const pose::Pose& p) {
    const auto ids = impl_->tokenizer->encode(nn::poses_to_rot6d({pose::turned(p, -yaw)})).contiguous();
    return std::vector<int64_t>(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + ids.numel());
  };
  a.validate("pose A");
  b.validate("pose B");
  Result r;
  r.text = impl_->answer_text("posediff", {{"<pose_a>", codes(a)}, {"<pose_b>", codes(b)}}, "");
  r.milliseconds = since(t);
  return r;
}

Result Engine::generate(const std::string& text) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const auto t = std::chrono::steady_clock::now();
  Result r;
  r.warning = impl_->check_text(text);
  auto p = impl_->decode_scores(impl_->lm.model->pose_code_logits(impl_->pose_prompt("text2pose", text, nullptr)));
  pose::place_on_floor(p);
  r.pose = p;
  r.milliseconds = since(t);
  return r;
}

Result Engine::edit(const pose::Pose& input, const std::string& instruction) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const auto t = std::chrono::steady_clock::now();
  Result r;
  r.warning = impl_->check_text(instruction);
  auto p = impl_->decode_scores(impl_->lm.model->pose_code_logits(impl_->pose_prompt("edit", instruction, &input)));
  // Back to where the input faced and stood (on the floor if it was).
  p = pose::turned(p, text::pose_frame(input).yaw);
  p.betas = input.betas;
  if (input.transl) {
    pose::Pose floor_probe = p;
    pose::place_on_floor(floor_probe);
    p.transl = Eigen::Vector3d((*input.transl).x(), floor_probe.transl ? floor_probe.transl->y() : (*input.transl).y(), (*input.transl).z());
  } else {
    pose::place_on_floor(p);
  }
  r.pose = p;
  r.milliseconds = since(t);
  return r;
}

SpeedReport Engine::measure_pose_generation(const std::string& text, int runs) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const auto prompt = impl_->pose_prompt("text2pose", text, nullptr);
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
  auto timed = [](const std::function<void()>& fn) {
    const auto t = std::chrono::steady_clock::now();
    fn();
    return since(t);
  };
  const std::function<void()> one_step = [&] { model->generate_pose(prompt); };
  const std::function<void()> token_by_token = [&] { causal->generate_pose(prompt); };
  one_step();  // warm-up
  token_by_token();
  std::vector<double> one_ms, causal_ms;
  for (int i = 0; i < runs; ++i) {
    one_ms.push_back(timed(one_step));
    causal_ms.push_back(timed(token_by_token));
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  SpeedReport r;
  r.model = impl_->lm.dir;
  r.dim = model->config.dim;
  r.layers = model->config.layers;
  r.pose_tokens = model->config.pose_tokens;
  r.prompt_positions = static_cast<int>(prompt.size());
  r.runs = runs;
  r.one_step_ms = median(one_ms);
  r.token_by_token_ms = median(causal_ms);
  return r;
}

}  // namespace unipose::engine
