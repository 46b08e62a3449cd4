#include "core/train/visual_task.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "core/image/image.h"
#include "core/nn/module_io.h"
#include "core/train/lm_task.h"

namespace unipose::train {
namespace {

// The cached tokens as a module, so that the weights' own reader checks names, shapes and values.
struct PictureTokensImpl : torch::nn::Module {
  PictureTokensImpl(int64_t n, int64_t tokens, int64_t channels) {
    values = register_buffer("tokens", torch::zeros({n, tokens, channels}, torch::kHalf));
  }
  torch::Tensor values;
};
TORCH_MODULE(PictureTokens);

// The sentences of a caption (ends at '.', '!' or '?'), trimmed.
std::vector<std::string> split_sentences(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (const char ch : text) {
    cur += ch;
    if (ch == '.' || ch == '!' || ch == '?') {
      const auto first = cur.find_first_not_of(' ');
      if (first != std::string::npos) out.push_back(cur.substr(first));
      cur.clear();
    }
  }
  const auto first = cur.find_first_not_of(' ');
  if (first != std::string::npos) out.push_back(cur.substr(first));
  if (out.empty()) out.push_back(text);
  return out;
}

}  // namespace

std::string visual_cache_key(const nn::VisualBranchConfig& config) {
  std::string key = "g" + std::to_string(config.grid);
  if (!config.clip_sha256.empty()) key += "-clip" + config.clip_sha256.substr(0, 12);
  if (config.pose_encoder) key += "-pose" + config.detector_sha256.substr(0, 8) + config.pose_encoder_sha256.substr(0, 8);
  return key;
}

VisualPictures encode_visual_pictures(const vision::VisualEncoders& encoders, const std::string& key, const std::string& dir,
                                      const std::string& split, const std::string& cache, const std::function<void(int, int)>& progress) {
  VisualPictures out;
  out.dir = dir;
  out.split = split;
  auto pictures = data::read_rendered_split(dir, split);
  out.images = std::move(pictures.images);
  out.pairs = std::move(pictures.pairs);
  const auto n = static_cast<int64_t>(out.images.size());
  PictureTokens stored(n, encoders.tokens(), encoders.channels());
  // The cache's name carries what it was made from: the encoders and the picture records.
  const std::string name = cache + "." + key + "." + io::sha256_file(dir + "/images.jsonl").substr(0, 16) + ".safetensors";
  bool cached = false;
  if (std::filesystem::exists(name)) {
    try {
      nn::load_weights(*stored, name);
      cached = true;
    } catch (const Error&) {  // made by something else, or cut short: made again below
    }
  }
  if (!cached) {
    torch::NoGradGuard ng;
    for (int64_t i = 0; i < n; ++i) {
      vision::VisualFeatures f;
      try {
        f = encoders.encode(image::read_image(out.images[i].file));
      } catch (const Error& e) {
        fail(out.images[i].file, e.what());
      }
      stored->values[i].copy_(f.tokens.to(torch::kHalf));
      if (progress) progress(static_cast<int>(i + 1), static_cast<int>(n));
    }
    nn::save_weights(*stored, name, true, {{"format", "unipose"}, {"content", "visual tokens of rendered pictures"}});
  }
  out.tokens = stored->values;
  return out;
}

VisualModelImpl::VisualModelImpl(nn::LanguageModel model, const nn::VisualProjectorConfig& config) {
  lm = register_module("lm", std::move(model));
  projector = register_module("projector", nn::VisualProjector(config));
}

const std::vector<Task>& VisualTask::trainable_tasks() {
  static const std::vector<Task> tasks = {Task::ImageToText, Task::ImageDiff, Task::PoseEstimation};
  return tasks;
}

VisualTask::VisualTask(VisualModel model, const data::Corpus& corpus, std::vector<std::vector<int64_t>> codes, text::TextTokenizer tokenizer,
                       text::InstructionTemplates templates, std::string stage, std::vector<Task> tasks, int batch, VisualPictures train,
                       VisualPictures val, bool train_lm)
    : model_(std::move(model)), corpus_(corpus), codes_(std::move(codes)), tokenizer_(std::move(tokenizer)), templates_(std::move(templates)),
      stage_(std::move(stage)), tasks_(std::move(tasks)), batch_(batch), train_(std::move(train)), val_(std::move(val)) {
  if (stage_ != "align" && stage_ != "instruct") throw Error("unknown stage '" + stage_ + "' (align or instruct)");
  if (tasks_.empty()) throw Error("no tasks to train");
  for (const Task t : tasks_)
    if (std::find(trainable_tasks().begin(), trainable_tasks().end(), t) == trainable_tasks().end())
      throw Error("the visual stage trains " + task_names(trainable_tasks()) + ", not " + task_info(t).title);
  if (codes_.size() != corpus_.poses.size()) throw Error("one list of pose codes per corpus pose is needed");
  if (!model_->lm->config.grounded || !model_->lm->config.mixed_attention)
    throw Error("the visual branch is built on a grounded language model with mixed attention (the shipped kind)");
  if (model_->projector->config.dim != model_->lm->config.dim)
    throw Error("the projector's width " + std::to_string(model_->projector->config.dim) + " is not the language model's " +
                std::to_string(model_->lm->config.dim));
  for (auto* set : {&train_, &val_}) {
    if (set->size() == 0) continue;
    if (set->tokens.size(2) != model_->projector->config.in_channels)
      fail(set->dir, "pictures encoded with " + std::to_string(set->tokens.size(2)) + " channels, the projector reads " +
                         std::to_string(model_->projector->config.in_channels));
    for (const auto& im : set->images)
      if (im.pose < 0 || static_cast<size_t>(im.pose) >= corpus_.poses.size())
        fail(set->dir + "/images.jsonl", "pose " + std::to_string(im.pose) + " is not in the corpus of " + std::to_string(corpus_.poses.size()) + " poses");
  }
  for (size_t i = 0; i < train_.size(); ++i)
    if (!corpus_.captions[train_.images[i].pose].empty()) train_captioned_.push_back(i);
  for (size_t i = 0; i < val_.size(); ++i)
    if (!corpus_.captions[val_.images[i].pose].empty()) val_captioned_.push_back(i);
  for (size_t i = 0; i < train_.pairs.size(); ++i) train_pairs_.push_back(i);
  for (size_t i = 0; i < val_.pairs.size(); ++i) val_pairs_.push_back(i);
  if (train_.size() == 0) throw Error("no training pictures");
  for (const Task t : tasks_) {
    if (t == Task::ImageToText && train_captioned_.empty()) fail(train_.dir, "no training picture shows a captioned pose (image-to-text)");
    if (t == Task::ImageDiff && train_pairs_.empty()) fail(train_.dir, "no picture pairs with instructions in the train split (image-diff)");
  }
  // The longest request must fit the model: the pictures' positions, the longest wording and answer beside them.
  const int64_t picture_positions = train_.tokens.size(1) * (std::count(tasks_.begin(), tasks_.end(), Task::ImageDiff) ? 2 : 1);
  if (picture_positions + 160 > model_->lm->config.max_positions)
    fail(train_.dir, "pictures of " + std::to_string(train_.tokens.size(1)) + " tokens leave too little room in the language model's " +
                         std::to_string(model_->lm->config.max_positions) + " positions (a request holds " + std::to_string(picture_positions) +
                         " picture positions): choose a coarser --grid");
  if (!train_lm)
    for (auto& p : model_->lm->parameters()) p.set_requires_grad(false);
}

void VisualTask::set_joint_loss(nn::PoseVqVae tokenizer, double weight) {
  pose_tokenizer_ = std::move(tokenizer);
  pose_tokenizer_->eval();
  for (auto& p : pose_tokenizer_->parameters()) p.set_requires_grad(false);
  joint_weight_ = weight;
}

nn::LmSequence VisualTask::example(Task task, const VisualPictures& pictures, size_t index, std::mt19937_64& rng, std::vector<int64_t>& uses) const {
  const std::string& tmpl = request_wording(templates_, task, stage_, rng);
  auto pick = [&rng](const std::vector<std::string>& texts) { return pick_one(texts, rng); };
  const auto& c = model_->lm->config;
  const int grid_tokens = static_cast<int>(pictures.tokens.size(1));
  const nn::Slot picture{"", {}, grid_tokens};
  const bool val = &pictures == &val_;
  if (task == Task::ImageDiff) {
    const auto& list_of = val ? val_pairs_ : train_pairs_;
    const auto& pr = pictures.pairs[list_of[index % list_of.size()]];
    uses.push_back(pr.a);
    uses.push_back(pr.b);
    return nn::build_sequence(c, tokenizer_, tmpl, {{"<image_a>", picture}, {"<image_b>", picture}}, nn::Slot{pick(pr.instructions), {}});
  }
  if (task == Task::ImageToText) {
    const auto& list_of = val ? val_captioned_ : train_captioned_;
    const size_t i = list_of[index % list_of.size()];
    uses.push_back(static_cast<int64_t>(i));
    return nn::build_sequence(c, tokenizer_, tmpl, {{"<image>", picture}}, nn::Slot{pick(corpus_.captions[pictures.images[i].pose]), {}});
  }
  const size_t i = index % pictures.size();
  uses.push_back(static_cast<int64_t>(i));
  const int pose = pictures.images[i].pose;
  if (hint_fraction_ > 0 && !corpus_.captions[pose].empty() && std::uniform_real_distribution<double>(0, 1)(rng) < hint_fraction_) {
    // A hint: the first one or more sentences from a sentence of one of the pose's captions on.
    const auto sentences = split_sentences(pick(corpus_.captions[pose]));
    std::uniform_int_distribution<size_t> from(0, sentences.size() - 1);
    const size_t a = from(rng), b = std::uniform_int_distribution<size_t>(a, sentences.size() - 1)(rng);
    std::string words;
    for (size_t k = a; k <= b; ++k) words += (words.empty() ? "" : " ") + sentences[k];
    return nn::build_sequence(c, tokenizer_, nn::hinted_request(tmpl), {{"<image>", picture}, {"<text>", nn::Slot{nn::hint_text(words), {}}}},
                              nn::Slot{"", codes_[pose]});
  }
  return nn::build_sequence(c, tokenizer_, tmpl, {{"<image>", picture}}, nn::Slot{"", codes_[pose]});
}

std::map<std::string, torch::Tensor> VisualTask::batch_losses(const VisualPictures& pictures, const std::vector<std::pair<Task, size_t>>& items,
                                                              std::mt19937_64& rng, const torch::Device& device) {
  std::vector<nn::LmSequence> batch;
  std::vector<std::vector<int64_t>> shown;
  std::vector<int64_t> all;
  for (const auto& [task, index] : items) {
    std::vector<int64_t> uses;
    batch.push_back(example(task, pictures, index, rng, uses));
    all.insert(all.end(), uses.begin(), uses.end());
    shown.push_back(std::move(uses));
  }
  // Each picture of the batch through the projector once.
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  const auto tokens = pictures.tokens.index_select(0, torch::tensor(all, torch::kLong)).to(device, torch::kFloat);
  const auto projected = model_->projector(tokens);  // [P, grid^2, D]
  for (size_t s = 0; s < batch.size(); ++s) {
    std::vector<torch::Tensor> rows;
    for (const int64_t p : shown[s]) rows.push_back(projected[std::lower_bound(all.begin(), all.end(), p) - all.begin()]);
    batch[s].visual = torch::cat(rows, 0);
  }
  return sequence_losses(model_->lm, batch, device, pose_tokenizer_, joint_weight_);
}

std::map<std::string, torch::Tensor> VisualTask::step(std::mt19937_64& rng, const torch::Device& device) {
  std::uniform_int_distribution<size_t> task(0, tasks_.size() - 1), any(0, 1u << 30);
  std::vector<std::pair<Task, size_t>> items;
  for (int i = 0; i < batch_; ++i) items.emplace_back(tasks_[task(rng)], any(rng));
  return batch_losses(train_, items, rng, device);
}

std::map<std::string, double> VisualTask::evaluate(const torch::Device& device) {
  std::map<std::string, double> out;
  if (val_.size() == 0) return out;
  torch::NoGradGuard ng;
  // Plain estimation only: validation asks as a user without a hint would (restored on the way out).
  struct Restore {
    double& value;
    double kept;
    ~Restore() { value = kept; }
  } restore{hint_fraction_, hint_fraction_};
  hint_fraction_ = 0;
  std::vector<Task> unique = tasks_;
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  const auto& cfg = model_->lm->config;
  for (const Task t : unique) {
    const size_t n = t == Task::ImageDiff ? val_pairs_.size() : t == Task::ImageToText ? val_captioned_.size() : val_.size();
    if (n == 0) continue;
    std::mt19937_64 rng(17);
    double text = 0, pose = 0, acc = 0, joints_mm = 0;
    int batches = 0, poses = 0;
    for (size_t start = 0; start < std::min<size_t>(n, 256); start += 32, ++batches) {
      std::vector<std::pair<Task, size_t>> items;
      for (size_t i = start; i < std::min<size_t>({n, start + 32, 256}); ++i) items.emplace_back(t, i);
      const auto l = batch_losses(val_, items, rng, device);
      text += l.at("text").item<double>();
      pose += l.at("pose").item<double>();
      acc += l.at("code_accuracy").item<double>();
      if (t == Task::PoseEstimation && pose_tokenizer_) {
        // The answer as the engine decodes it (every level's probability-weighted mean) against the picture's pose.
        for (const auto& [task, i] : items) {
          std::vector<int64_t> uses;
          auto seq = example(task, val_, i, rng, uses);
          seq.visual = model_->projector(val_.tokens[uses[0]].unsqueeze(0).to(device, torch::kFloat))[0];
          nn::LmInput prompt = seq.input(cfg);
          prompt.ids.resize(seq.prompt_length + 1);  // up to and including <p>
          prompt.spans.resize(seq.prompt_length + 1);
          prompt.codes.resize((seq.prompt_length + 1) * cfg.pose_levels);
          const auto scores = model_->lm->pose_code_logits(prompt);  // [Lp, K]
          if (pose_tokenizer_->parameters().front().device() != device) pose_tokenizer_->to(device);
          const auto guess = mannequin_joints(pose_tokenizer_->decode_probabilities(torch::softmax(scores, -1).unsqueeze(0).to(device)));
          const auto truth = mannequin_joints(nn::poses_to_rot6d({corpus_.poses[val_.images[i].pose]}).to(device));
          joints_mm += 1000 * (guess - truth).norm(2, -1).mean().item<double>();
          ++poses;
        }
      }
    }
    const std::string name = task_name(t);
    if (!task_info(t).pose_answer) out[name + "_text_loss"] = text / batches;
    else {
      out[name + "_pose_loss"] = pose / batches;
      out[name + "_code_accuracy"] = 100 * acc / batches;
      if (poses) out[name + "_mpjpe_mm"] = joints_mm / poses;
    }
  }
  return out;
}

SevenTasks::SevenTasks(LmTask& words, VisualTask& pictures) : words_(words), pictures_(pictures) {
  if (words_.model().get() != pictures_.model()->lm.get()) throw Error("the pose/text tasks and the picture tasks must train the same language model");
}

std::map<std::string, torch::Tensor> SevenTasks::step(std::mt19937_64& rng, const torch::Device& device) {
  const auto w = words_.step(rng, device);
  const auto p = pictures_.step(rng, device);
  const double nw = static_cast<double>(words_.items_per_step()), np = static_cast<double>(pictures_.items_per_step());
  std::map<std::string, torch::Tensor> out;
  out["loss"] = (w.at("loss") * nw + p.at("loss") * np) / (nw + np);
  for (const auto& [k, v] : w)
    if (k != "loss") out["words_" + k] = v;
  for (const auto& [k, v] : p)
    if (k != "loss") out["pictures_" + k] = v;
  out["words_loss"] = w.at("loss").detach();
  out["pictures_loss"] = p.at("loss").detach();
  return out;
}

std::map<std::string, double> SevenTasks::evaluate(const torch::Device& device) {
  auto out = words_.evaluate(device);
  for (const auto& [k, v] : pictures_.evaluate(device)) out[k] = v;
  return out;
}

}  // namespace unipose::train
