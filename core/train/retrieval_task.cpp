#include "core/train/retrieval_task.h"

#include <algorithm>
#include <regex>

#include "core/error.h"
#include "core/eval/retrieval_metrics.h"
#include "core/nn/module_io.h"

namespace unipose::train {

RetrievalItems retrieval_items(const data::Corpus& corpus, const std::string& split, bool pairs) {
  RetrievalItems items;
  if (pairs) {
    for (const int i : corpus.pairs_in(split)) {
      const auto& p = corpus.pairs[i];
      if (p.instructions.empty()) continue;
      items.a.push_back(p.a);
      items.b.push_back(p.b);
      items.texts.push_back(p.instructions);
    }
  } else {
    for (const int i : corpus.split(split)) {
      if (corpus.captions[i].empty()) continue;
      items.a.push_back(i);
      items.texts.push_back(corpus.captions[i]);
    }
  }
  if (items.a.empty()) fail(corpus.dir, "split '" + split + "' has no " + (pairs ? "pairs with instructions" : "captioned poses"));
  return items;
}

namespace {
torch::Device device_of(nn::RetrievalModel& model) { return model->parameters().front().device(); }
}  // namespace

torch::Tensor pose_features(nn::RetrievalModel& model, const torch::Tensor& rot6d) {
  torch::NoGradGuard ng;
  const auto dev = device_of(model);
  std::vector<torch::Tensor> out;
  for (int64_t s = 0; s < rot6d.size(0); s += 512)
    out.push_back(model->encode_poses(rot6d.narrow(0, s, std::min<int64_t>(512, rot6d.size(0) - s)).to(dev)).cpu());
  return torch::cat(out);
}

torch::Tensor pair_features(nn::RetrievalModel& model, const torch::Tensor& a, const torch::Tensor& b) {
  torch::NoGradGuard ng;
  std::vector<torch::Tensor> out;
  for (int64_t s = 0; s < a.size(0); s += 512) {
    const int64_t n = std::min<int64_t>(512, a.size(0) - s);
    out.push_back(model->encode_pairs(a.narrow(0, s, n).to(device_of(model)), b.narrow(0, s, n).to(device_of(model))).cpu());
  }
  return torch::cat(out);
}

torch::Tensor text_features(nn::RetrievalModel& model, const std::vector<std::string>& texts) {
  torch::NoGradGuard ng;
  std::vector<torch::Tensor> out;
  for (size_t s = 0; s < texts.size(); s += 256) {
    const std::vector<std::string> chunk(texts.begin() + s, texts.begin() + std::min(texts.size(), s + 256));
    out.push_back(model->encode_texts(nn::encode_texts(model->config, chunk).to(device_of(model))).cpu());
  }
  return torch::cat(out);
}

std::map<std::string, double> cross_modal_recall(const torch::Tensor& items, const torch::Tensor& texts, const std::vector<int>& owner) {
  const std::vector<int> ks{1, 5, 10, 20};
  std::vector<std::vector<int64_t>> item_to_texts(items.size(0)), text_to_item(owner.size());
  for (size_t t = 0; t < owner.size(); ++t) {
    item_to_texts[owner[t]].push_back(static_cast<int64_t>(t));
    text_to_item[t] = {owner[t]};
  }
  const auto p2t = eval::recall_at_k(items, texts, item_to_texts, ks);
  const auto t2p = eval::recall_at_k(texts, items, text_to_item, ks);
  std::map<std::string, double> out;
  double sum = 0;
  for (int k : ks) {
    out["R@" + std::to_string(k) + "_pose2text"] = 100 * p2t.at(k);
    out["R@" + std::to_string(k) + "_text2pose"] = 100 * t2p.at(k);
    sum += 100 * (p2t.at(k) + t2p.at(k));
  }
  out["mRecall"] = sum / (2 * ks.size());
  return out;
}

std::string swap_left_right(const std::string& text) {
  static const std::regex word("\\b(left|right|Left|Right|LEFT|RIGHT)\\b");
  std::string out;
  auto it = std::sregex_iterator(text.begin(), text.end(), word);
  size_t last = 0;
  for (; it != std::sregex_iterator(); ++it) {
    out += text.substr(last, it->position() - last);
    const std::string w = it->str();
    if (w == "left") out += "right";
    else if (w == "right") out += "left";
    else if (w == "Left") out += "Right";
    else if (w == "Right") out += "Left";
    else if (w == "LEFT") out += "RIGHT";
    else out += "LEFT";
    last = it->position() + it->length();
  }
  return out + text.substr(last);
}

namespace {
nn::RetrievalModel seeded_model(nn::RetrievalConfig config, const data::Corpus& corpus, std::uint64_t seed) {
  std::vector<std::string> texts;
  const auto items = retrieval_items(corpus, "train", config.pairs());
  for (const auto& t : items.texts) texts.insert(texts.end(), t.begin(), t.end());
  config.vocabulary = nn::build_vocabulary(texts);
  torch::manual_seed(seed);
  return nn::RetrievalModel(config);
}
}  // namespace

RetrievalTask::RetrievalTask(nn::RetrievalConfig config, const data::Corpus& corpus, int batch, std::uint64_t seed)
    : model_(seeded_model(std::move(config), corpus, seed)), batch_(batch) {
  // Corpus poses face +z already.
  rot6d_ = nn::poses_to_rot6d(corpus.poses);
  std::vector<pose::Pose> mirrored;
  for (const auto& p : corpus.poses) mirrored.push_back(pose::mirror(p));
  mirrored_ = nn::poses_to_rot6d(mirrored);
  train_ = retrieval_items(corpus, "train", model_->config.pairs());
  val_ = retrieval_items(corpus, "val", model_->config.pairs());
}

std::map<std::string, torch::Tensor> RetrievalTask::step(std::mt19937_64& rng, const torch::Device& device) {
  std::uniform_int_distribution<size_t> pick(0, train_.a.size() - 1);
  std::bernoulli_distribution mirror(0.5);
  std::vector<int64_t> a(batch_), b(batch_);
  std::vector<bool> flip(batch_);
  std::vector<std::string> texts(batch_);
  for (int i = 0; i < batch_; ++i) {
    const size_t k = pick(rng);
    a[i] = train_.a[k];
    if (model_->config.pairs()) b[i] = train_.b[k];
    std::uniform_int_distribution<size_t> which(0, train_.texts[k].size() - 1);
    texts[i] = train_.texts[k][which(rng)];
    flip[i] = mirror(rng);
    if (flip[i]) texts[i] = swap_left_right(texts[i]);
  }
  auto gather = [&](const std::vector<int64_t>& idx) {
    auto plain = rot6d_.index_select(0, torch::tensor(idx));
    const auto mirr = mirrored_.index_select(0, torch::tensor(idx));
    std::vector<int64_t> f;
    for (int i = 0; i < batch_; ++i)
      if (flip[i]) f.push_back(i);
    if (!f.empty()) {
      const auto fi = torch::tensor(f);
      plain.index_copy_(0, fi, mirr.index_select(0, fi));
    }
    return plain.to(device);
  };
  const auto ids = nn::encode_texts(model_->config, texts).to(device);
  const auto tf = model_->encode_texts(ids);
  const auto pf = model_->config.pairs() ? model_->encode_pairs(gather(a), gather(b)) : model_->encode_poses(gather(a));
  const auto loss = model_->contrastive_loss(pf, tf);
  return {{"loss", loss}, {"scale", model_->log_scale.detach().exp().squeeze()}};
}

namespace {
std::map<std::string, double> evaluate_items(nn::RetrievalModel& model, const torch::Tensor& rot6d, const RetrievalItems& items,
                                             const torch::Device&) {
  const bool was_training = model->is_training();
  model->eval();
  torch::Tensor feats;
  if (model->config.pairs())
    feats = pair_features(model, rot6d.index_select(0, torch::tensor(std::vector<int64_t>(items.a.begin(), items.a.end()))),
                          rot6d.index_select(0, torch::tensor(std::vector<int64_t>(items.b.begin(), items.b.end()))));
  else
    feats = pose_features(model, rot6d.index_select(0, torch::tensor(std::vector<int64_t>(items.a.begin(), items.a.end()))));
  std::vector<std::string> texts;
  std::vector<int> owner;
  for (size_t i = 0; i < items.texts.size(); ++i)
    for (const auto& t : items.texts[i]) {
      texts.push_back(t);
      owner.push_back(static_cast<int>(i));
    }
  const auto tf = text_features(model, texts);
  auto out = cross_modal_recall(feats, tf, owner);
  // R-precision with the first text of each item (query: the item, candidates: texts).
  if (static_cast<int64_t>(items.a.size()) >= 32) {
    std::vector<int64_t> first;
    for (size_t t = 0; t < owner.size(); ++t)
      if (t == 0 || owner[t] != owner[t - 1]) first.push_back(static_cast<int64_t>(t));
    const auto rp = eval::r_precision(feats, tf.index_select(0, torch::tensor(first)), {1, 2, 3});
    for (const auto& [k, v] : rp) out["R-precision_top" + std::to_string(k)] = 100 * v;
  }
  if (was_training) model->train();
  return out;
}
}  // namespace

std::map<std::string, double> RetrievalTask::evaluate(const torch::Device& device) {
  return evaluate_items(model_, rot6d_, val_, device);
}

std::map<std::string, double> evaluate_retrieval(nn::RetrievalModel& model, const data::Corpus& corpus, const std::string& split) {
  return evaluate_items(model, nn::poses_to_rot6d(corpus.poses), retrieval_items(corpus, split, model->config.pairs()), torch::kCPU);
}

}  // namespace unipose::train
