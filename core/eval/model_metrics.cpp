#include "core/eval/model_metrics.h"

#include <algorithm>
#include <cmath>

#include "core/body/kinematics.h"
#include "core/body/mannequin.h"
#include "core/body/rotations.h"
#include "core/eval/metrics.h"
#include "core/eval/retrieval_metrics.h"
#include "core/nn/module_io.h"

namespace unipose::eval {

ReconstructionMetrics evaluate_reconstruction(nn::PoseVqVae& model, const std::vector<pose::Pose>& poses,
                                              const torch::Device& device) {
  torch::NoGradGuard ng;
  const bool was_training = model->is_training();
  model->eval();
  const auto rest = body::to_tensor(body::mannequin_rest_joints()).to(torch::kFloat).to(device);
  ReconstructionMetrics m;
  double sum = 0, sum_pa = 0;
  std::vector<int64_t> usage(model->config.codebook_size, 0);
  for (size_t start = 0; start < poses.size(); start += 512) {
    const std::vector<pose::Pose> chunk(poses.begin() + start, poses.begin() + std::min(poses.size(), start + 512));
    const auto x = nn::poses_to_rot6d(chunk).to(device);
    const auto ids = model->encode(x);
    const auto rec = model->decode(ids);
    const auto j_gt = body::body_forward_kinematics(body::rot6d_to_matrix(x), rest).joints.narrow(1, 0, body::kNumBodyJoints);
    const auto j_rec = body::body_forward_kinematics(body::rot6d_to_matrix(rec), rest).joints.narrow(1, 0, body::kNumBodyJoints);
    sum += mpjpe(j_rec, j_gt).sum().item<double>();
    sum_pa += pa_mpjpe(j_rec, j_gt).sum().item<double>();
    const auto flat = ids.reshape({-1}).cpu();
    for (int64_t i = 0; i < flat.numel(); ++i) ++usage[flat[i].item<int64_t>()];
  }
  m.poses = static_cast<int>(poses.size());
  m.mpjpe_mm = 1000 * sum / poses.size();
  m.pa_mpjpe_mm = 1000 * sum_pa / poses.size();
  double total = 0, entropy = 0;
  for (auto u : usage) total += u;
  for (auto u : usage) {
    if (u == 0) ++m.dead_codes;
    else entropy -= (u / total) * std::log(u / total);
  }
  m.perplexity = std::exp(entropy);
  if (was_training) model->train();
  return m;
}

std::map<std::string, double> evaluate_retrieval_items(nn::RetrievalModel& model, const torch::Tensor& rot6d, const data::RetrievalItems& items,
                                                       const torch::Device&) {
  const bool was_training = model->is_training();
  model->eval();
  torch::Tensor feats;
  if (model->config.pairs())
    feats = nn::pair_features(model, rot6d.index_select(0, torch::tensor(std::vector<int64_t>(items.a.begin(), items.a.end()))),
                          rot6d.index_select(0, torch::tensor(std::vector<int64_t>(items.b.begin(), items.b.end()))));
  else
    feats = nn::pose_features(model, rot6d.index_select(0, torch::tensor(std::vector<int64_t>(items.a.begin(), items.a.end()))));
  std::vector<std::string> texts;
  std::vector<int> owner;
  for (size_t i = 0; i < items.texts.size(); ++i)
    for (const auto& t : items.texts[i]) {
      texts.push_back(t);
      owner.push_back(static_cast<int>(i));
    }
  const auto tf = nn::text_features(model, texts);
  auto out = cross_modal_recall(feats, tf, owner);
  // R-precision with the first text of each item (query: the item, candidates: texts).
  if (static_cast<int64_t>(items.a.size()) >= 32) {
    std::vector<int64_t> first;
    for (size_t t = 0; t < owner.size(); ++t)
      if (t == 0 || owner[t] != owner[t - 1]) first.push_back(static_cast<int64_t>(t));
    const auto rp = r_precision(feats, tf.index_select(0, torch::tensor(first)), {1, 2, 3});
    for (const auto& [k, v] : rp) out["R-precision_top" + std::to_string(k)] = 100 * v;
  }
  if (was_training) model->train();
  return out;
}

std::map<std::string, double> evaluate_retrieval(nn::RetrievalModel& model, const data::Corpus& corpus, const std::string& split) {
  return evaluate_retrieval_items(model, nn::poses_to_rot6d(corpus.poses), data::retrieval_items(corpus, split, model->config.pairs()), torch::kCPU);
}

}  // namespace unipose::eval
