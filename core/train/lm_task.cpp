#include "core/train/lm_task.h"

#include <algorithm>

#include "core/body/kinematics.h"
#include "core/body/mannequin.h"
#include "core/body/rotations.h"
#include "core/error.h"

namespace unipose::train {
namespace F = torch::nn::functional;

const std::string& request_wording(const text::InstructionTemplates& templates, Task task, const std::string& stage, std::mt19937_64& rng) {
  const auto& list = templates.at(task);
  if (stage == "align") return list.front();
  std::uniform_int_distribution<size_t> pick(0, list.size() - 1);
  return list[pick(rng)];
}

const std::string& pick_one(const std::vector<std::string>& texts, std::mt19937_64& rng) {
  std::uniform_int_distribution<size_t> u(0, texts.size() - 1);
  return texts[u(rng)];
}

torch::Tensor mannequin_joints(const torch::Tensor& rot6d) {
  static const torch::Tensor rest = body::to_tensor(body::mannequin_rest_joints()).to(torch::kFloat);
  return body::body_forward_kinematics(body::rot6d_to_matrix(rot6d.to(torch::kFloat)), rest.to(rot6d.device()))
      .joints.narrow(1, 0, body::kNumBodyJoints);
}

const std::vector<Task>& LmTask::trainable_tasks() {
  static const std::vector<Task> tasks = {Task::TextToPose, Task::PoseToText, Task::PoseDiff, Task::PoseEditing};
  return tasks;
}

LmTask::LmTask(nn::LanguageModel model, const data::Corpus& corpus, std::vector<std::vector<int64_t>> codes, text::TextTokenizer tokenizer,
               text::InstructionTemplates templates, std::string stage, std::vector<Task> tasks, int batch)
    : model_(std::move(model)), corpus_(corpus), codes_(std::move(codes)), tokenizer_(std::move(tokenizer)), templates_(std::move(templates)),
      stage_(std::move(stage)), tasks_(std::move(tasks)), batch_(batch) {
  if (stage_ != "align" && stage_ != "instruct") throw Error("unknown stage '" + stage_ + "' (align or instruct)");
  if (tasks_.empty()) throw Error("no tasks to train");
  if (codes_.size() != corpus.poses.size()) throw Error("one list of pose codes per corpus pose is needed");
  for (const Task t : tasks_)
    if (std::find(trainable_tasks().begin(), trainable_tasks().end(), t) == trainable_tasks().end())
      throw Error("training " + task_info(t).title + " needs " + (task_info(t).image_input ? "the visual branch (`unipose train visual`)" : "data this trainer does not read") +
                  " (trainable: " + task_names(trainable_tasks()) + ")");
  for (const std::string split : {"train", "val"}) {
    for (auto* list : {&poses_, &described_, &pairs_, &pipeline_pairs_}) (*list)[split];
    for (const int i : corpus.split(split)) {
      if (!corpus.captions[i].empty()) poses_[split].push_back(i);
      if (static_cast<size_t>(i) < corpus.descriptions.size() && !corpus.descriptions[i].empty()) described_[split].push_back(i);
    }
    for (const int i : corpus.pairs_in(split)) {
      if (corpus.pairs[i].instructions.empty()) continue;
      pairs_[split].push_back(i);
      if (!corpus.pairs[i].targeted) pipeline_pairs_[split].push_back(i);  // pose-diff answers in the pipeline's words
    }
  }
  if (poses_["train"].empty()) fail(corpus.dir, "no captioned training poses");
}

nn::LmSequence LmTask::example(Task task, const std::string& split, size_t index, std::mt19937_64& rng) const {
  const std::string& tmpl = request_wording(templates_, task, stage_, rng);
  auto pick = [&rng](const std::vector<std::string>& texts) { return pick_one(texts, rng); };
  const auto& c = model_->config;
  if (task == Task::TextToPose || task == Task::PoseToText) {
    // Text-to-pose reads one-line descriptions as often as the pipeline's captions when there are any.
    const auto described = described_.find(split);
    if (task == Task::TextToPose && described != described_.end() && !described->second.empty() && (index / 7) % 2 == 1) {
      const int p = described->second[index % described->second.size()];
      return nn::build_sequence(c, tokenizer_, tmpl, {{"<text>", nn::Slot{pick(corpus_.descriptions[p]), {}}}}, nn::Slot{"", codes_[p]});
    }
    const auto& poses = poses_.at(split);
    const int p = poses[index % poses.size()];
    nn::Slot pose{"", codes_[p]}, caption{pick(corpus_.captions[p]), {}};
    return task == Task::TextToPose ? nn::build_sequence(c, tokenizer_, tmpl, {{"<text>", caption}}, pose)
                                    : nn::build_sequence(c, tokenizer_, tmpl, {{"<pose>", pose}}, caption);
  }
  const auto& pairs = (task == Task::PoseDiff ? pipeline_pairs_ : pairs_).at(split);
  if (pairs.empty()) fail(corpus_.dir, "no pairs in the " + split + " split");
  const auto& pr = corpus_.pairs[pairs[index % pairs.size()]];
  nn::Slot a{"", codes_[pr.a]}, b{"", codes_[pr.b]}, instruction{pick(pr.instructions), {}};
  if (task == Task::PoseDiff) return nn::build_sequence(c, tokenizer_, tmpl, {{"<pose_a>", a}, {"<pose_b>", b}}, instruction);
  // Grounded: an edit's queries start from the input pose.
  const bool start = c.grounded && c.mixed_attention;
  return nn::build_sequence(c, tokenizer_, tmpl, {{"<pose>", a}, {"<text>", instruction}}, b, start ? &codes_[pr.a] : nullptr);
}

void LmTask::set_joint_loss(nn::PoseVqVae tokenizer, double weight) {
  if (!model_->config.grounded) throw Error("the joint-position loss is for grounded models");
  pose_tokenizer_ = std::move(tokenizer);
  pose_tokenizer_->eval();
  for (auto& p : pose_tokenizer_->parameters()) p.set_requires_grad(false);
  joint_weight_ = weight;
}

std::map<std::string, torch::Tensor> LmTask::losses(const std::vector<nn::LmSequence>& batch, const torch::Device& device) {
  return sequence_losses(model_, batch, device, pose_tokenizer_, joint_weight_);
}

std::map<std::string, torch::Tensor> sequence_losses(nn::LanguageModel& model, const std::vector<nn::LmSequence>& batch, const torch::Device& device,
                                                     nn::PoseVqVae joint_tokenizer, double joint_weight) {
  // Two savings that leave the losses exactly as one padded batch would give them: sequences of similar
  // length run together (tasks differ by up to 60 positions, so one padded batch wastes a quarter of its
  // work), and the output layer runs only at positions that have a target (under half of them).
  const auto& cfg = model->config;
  std::vector<size_t> order(batch.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return batch[a].ids.size() < batch[b].ids.size(); });
  constexpr size_t kSlack = 24;  // positions of padding a group may carry before a new group starts
  const int levels = cfg.grounded ? cfg.pose_levels : 1, positions = cfg.pose_positions();
  auto text_sum = torch::zeros({}, torch::TensorOptions().device(device));
  auto pose_sum = torch::zeros({}, text_sum.options());
  auto joint_sum = torch::zeros({}, text_sum.options());
  auto correct = torch::zeros({}, text_sum.options());
  int64_t text_count = 0, code_count = 0, joint_count = 0;
  for (size_t g = 0; g < order.size();) {
    size_t end = g + 1;
    while (end < order.size() && batch[order[end]].ids.size() <= batch[order[g]].ids.size() + kSlack) ++end;
    const size_t len = batch[order[end - 1]].ids.size();
    std::vector<nn::LmInput> inputs;
    std::vector<at::Tensor> masks;
    std::vector<int64_t> text_rows, text_targets, code_rows, code_targets;
    for (size_t j = g; j < end; ++j) {
      const auto& s = batch[order[j]];
      nn::LmInput in = s.input(cfg);
      in.ids.resize(len, 0);  // padding sits at the end, where no real position looks
      in.spans.resize(len, 0);
      if (!in.codes.empty()) in.codes.resize(len * levels, -1);
      masks.push_back(nn::mixed_attention_mask(in.spans, cfg.mixed_attention));
      inputs.push_back(std::move(in));
      const int64_t base = static_cast<int64_t>((j - g) * len);
      for (size_t i = 0; i < s.ids.size(); ++i) {
        if (s.targets[i] != -100) {
          text_rows.push_back(base + static_cast<int64_t>(i));
          text_targets.push_back(s.targets[i]);
        }
        if (s.codes[i * levels] != -100) {
          code_rows.push_back(base + static_cast<int64_t>(i));
          for (int l = 0; l < levels; ++l) code_targets.push_back(s.codes[i * levels + l]);
        }
      }
    }
    const auto h = model->hidden_masked(model->embed(inputs), torch::stack(masks).to(device)).reshape({-1, cfg.dim});
    auto rows_of = [&](const std::vector<int64_t>& rows) { return h.index_select(0, torch::tensor(rows, torch::kLong).to(device)); };
    if (!text_rows.empty()) {
      const auto logits = model->logits(rows_of(text_rows)).to(torch::kFloat);
      text_sum = text_sum + F::cross_entropy(logits, torch::tensor(text_targets, torch::kLong).to(device),
                                             F::CrossEntropyFuncOptions().reduction(torch::kSum));
      text_count += static_cast<int64_t>(text_rows.size());
    }
    if (!code_rows.empty()) {
      // Codes are chosen among the pose codes only: per level against the codebook (grounded), or over the
      // code range of the output layer.
      const auto hq = rows_of(code_rows);
      const auto logits = cfg.grounded ? model->pose_scores(hq).reshape({-1, cfg.pose_codes})
                                       : F::linear(hq, model->lm_head->weight.narrow(0, cfg.text_vocab, cfg.pose_codes)).to(torch::kFloat);
      const auto want = torch::tensor(code_targets, torch::kLong).to(device);
      pose_sum = pose_sum + F::cross_entropy(logits, want, F::CrossEntropyFuncOptions().reduction(torch::kSum));
      correct = correct + logits.argmax(1).eq(want).sum().to(torch::kFloat);
      code_count += static_cast<int64_t>(want.size(0));
      // The pose the scores mean, through the frozen tokenizer's decoder and the skeleton: its joints against
      // those of the target codes. Only whole answers (mixed attention: the query rows of one sequence in order).
      if (joint_tokenizer && cfg.mixed_attention && joint_weight > 0 && code_rows.size() % positions == 0) {
        if (joint_tokenizer->parameters().front().device() != device) joint_tokenizer->to(device);
        const int64_t poses = static_cast<int64_t>(code_rows.size()) / positions;
        const auto probs = torch::softmax(logits, -1).view({poses, positions * levels, cfg.pose_codes});
        torch::Tensor target_joints;
        {
          torch::NoGradGuard ng;
          const auto onehot = F::one_hot(want, cfg.pose_codes).to(torch::kFloat).view({poses, positions * levels, cfg.pose_codes});
          target_joints = mannequin_joints(joint_tokenizer->decode_probabilities(onehot));
        }
        const auto joints = mannequin_joints(joint_tokenizer->decode_probabilities(probs));
        joint_sum = joint_sum + (joints - target_joints).abs().sum();
        joint_count += target_joints.numel();
      }
    }
    g = end;
  }
  const auto text_loss = text_count ? text_sum / static_cast<double>(text_count) : text_sum;
  const auto pose_loss = code_count ? pose_sum / static_cast<double>(code_count) : pose_sum;
  const auto joint_loss = joint_count ? joint_sum / static_cast<double>(joint_count) : joint_sum;  // metres
  std::map<std::string, torch::Tensor> out;
  out["text"] = text_loss.detach();
  out["pose"] = pose_loss.detach();
  out["code_accuracy"] = (code_count ? correct / static_cast<double>(code_count) : correct).detach();
  if (joint_count) out["joint_mm"] = (1000 * joint_loss).detach();
  out["loss"] = text_loss + pose_loss + joint_weight * joint_loss;
  return out;
}

std::map<std::string, torch::Tensor> LmTask::step(std::mt19937_64& rng, const torch::Device& device) {
  std::vector<nn::LmSequence> batch;
  std::uniform_int_distribution<size_t> task(0, tasks_.size() - 1), any(0, 1u << 30);
  for (int i = 0; i < batch_; ++i) batch.push_back(example(tasks_[task(rng)], "train", any(rng), rng));
  return losses(batch, device);
}

std::map<std::string, double> LmTask::evaluate(const torch::Device& device) {
  // Fixed validation sequences (the same every time): loss and code accuracy per task.
  std::map<std::string, double> out;
  torch::NoGradGuard ng;
  std::vector<Task> unique = tasks_;  // a task listed twice is sampled twice as often, measured once
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  for (const auto& t : unique) {
    std::mt19937_64 rng(17);
    const size_t n = (t == Task::TextToPose || t == Task::PoseToText) ? poses_.at("val").size() : pairs_.at("val").size();
    if (n == 0) continue;
    double text = 0, pose = 0, acc = 0;
    int batches = 0;
    for (size_t start = 0; start < std::min<size_t>(n, 256); start += 32, ++batches) {
      std::vector<nn::LmSequence> batch;
      for (size_t i = start; i < std::min<size_t>({n, start + 32, 256}); ++i) batch.push_back(example(t, "val", i, rng));
      const auto l = losses(batch, device);
      text += l.at("text").item<double>();
      pose += l.at("pose").item<double>();
      acc += l.at("code_accuracy").item<double>();
    }
    const std::string name = task_name(t);
    if (!task_info(t).pose_answer) out[name + "_text_loss"] = text / batches;
    else {
      out[name + "_pose_loss"] = pose / batches;
      out[name + "_code_accuracy"] = 100 * acc / batches;
    }
  }
  return out;
}

}  // namespace unipose::train
