#include "core/train/retrieval_task.h"

#include <algorithm>

#include "core/error.h"
#include "core/eval/model_metrics.h"
#include "core/nn/module_io.h"
#include "core/text/words.h"

namespace unipose::train {

namespace {
nn::RetrievalModel seeded_model(nn::RetrievalConfig config, const data::Corpus& corpus, std::uint64_t seed) {
  std::vector<std::string> texts;
  const auto items = data::retrieval_items(corpus, "train", config.pairs());
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
  train_ = data::retrieval_items(corpus, "train", model_->config.pairs());
  val_ = data::retrieval_items(corpus, "val", model_->config.pairs());
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
    if (flip[i]) texts[i] = text::swap_sides(texts[i]);
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

std::map<std::string, double> RetrievalTask::evaluate(const torch::Device& device) {
  return eval::evaluate_retrieval_items(model_, rot6d_, val_, device);
}

}  // namespace unipose::train
