#include "core/eval/tasks.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/body/axis_angle.h"
#include "core/body/kinematics.h"
#include "core/body/mannequin.h"
#include "core/build_info.h"
#include "core/error.h"
#include "core/eval/metrics.h"
#include "core/eval/retrieval_metrics.h"
#include "core/eval/text_metrics.h"
#include "core/io/files.h"
#include "core/text/captioner.h"
#include "core/text/paircodes.h"
#include "core/text/words.h"

namespace unipose::eval {

const std::vector<Task>& evaluated_tasks() {
  static const std::vector<Task> tasks = {Task::TextToPose, Task::PoseToText, Task::PoseDiff, Task::PoseEditing};
  return tasks;
}

double EvalReport::value(const std::string& key) const {
  for (const auto& [k, v] : metrics)
    if (k == key) return v;
  throw Error("the report has no metric '" + key + "'");
}

at::Tensor body_joints(const std::vector<pose::Pose>& poses) {
  const auto rest = body::to_tensor(body::mannequin_rest_joints());
  const auto rot = body::rotation_matrices(poses).to(at::kDouble);
  return body::forward_kinematics(rot, rest, body::smpl_parents()).joints.narrow(1, 0, body::kNumBodyJoints);
}

namespace {

// ------------------------------------------------------------------------------------------- TF-IDF

// Words and adjacent word pairs, weighted tf * idf, each document a unit vector.
class TfIdfIndex {
 public:
  explicit TfIdfIndex(const std::vector<std::string>& docs) {
    std::vector<std::unordered_map<int, double>> tf;
    std::unordered_map<int, int> df;
    for (const auto& d : docs) {
      tf.push_back(counts(d, true));
      for (const auto& [f, c] : tf.back()) ++df[f];
    }
    idf_.assign(features_.size(), 0);
    for (const auto& [f, n] : df) idf_[f] = std::log((1.0 + docs.size()) / (1.0 + n)) + 1;
    postings_.assign(features_.size(), {});
    num_docs_ = docs.size();
    for (size_t d = 0; d < tf.size(); ++d)
      for (const auto& [f, w] : weigh(tf[d])) postings_[f].emplace_back(static_cast<std::uint32_t>(d), static_cast<float>(w));
  }
  // Index of the closest document (cosine), the first on a tie. Scores accumulate through the inverted
  // index (postings per feature), so a query costs the postings of its own features.
  size_t nearest(const std::string& query) const {
    std::vector<double> score(num_docs_, 0.0);
    for (const auto& [f, w] : weigh(query_counts(query)))
      for (const auto& [doc, dw] : postings_[f]) score[doc] += w * dw;
    size_t best = 0;
    for (size_t i = 1; i < score.size(); ++i)
      if (score[i] > score[best]) best = i;
    return best;
  }

 private:
  // Feature counts of a text; `grow` adds unseen features (building), otherwise they are skipped (queries).
  std::unordered_map<int, double> counts(const std::string& text, bool grow) {
    std::unordered_map<int, double> c;
    for_features(text, [&](const std::string& key) {
      auto it = features_.find(key);
      if (it == features_.end()) {
        if (!grow) return;
        it = features_.emplace(key, static_cast<int>(features_.size())).first;
      }
      c[it->second] += 1;
    });
    return c;
  }
  std::unordered_map<int, double> query_counts(const std::string& text) const {
    std::unordered_map<int, double> c;
    for_features(text, [&](const std::string& key) {
      if (const auto it = features_.find(key); it != features_.end()) c[it->second] += 1;
    });
    return c;
  }
  template <typename Fn>
  static void for_features(const std::string& text, Fn&& fn) {
    const auto words = text::tokenize_words(text);
    for (size_t i = 0; i < words.size(); ++i) {
      fn(words[i]);
      if (i + 1 < words.size()) fn(words[i] + " " + words[i + 1]);
    }
  }
  std::vector<std::pair<int, double>> weigh(const std::unordered_map<int, double>& tf) const {
    std::vector<std::pair<int, double>> v;
    double norm = 0;
    for (const auto& [f, c] : tf) {
      const double w = c * (f < static_cast<int>(idf_.size()) ? idf_[f] : 0);
      v.emplace_back(f, w);
      norm += w * w;
    }
    norm = std::sqrt(norm);
    if (norm > 0)
      for (auto& [f, w] : v) w /= norm;
    return v;
  }

  std::unordered_map<std::string, int> features_;
  std::vector<double> idf_;
  std::vector<std::vector<std::pair<std::uint32_t, float>>> postings_;
  size_t num_docs_ = 0;
};

// Pelvis-relative joint positions [N, 66] for nearest-pose search.
at::Tensor pose_keys(const std::vector<pose::Pose>& poses) {
  const auto j = body_joints(poses);
  return (j - j.narrow(1, 0, 1)).reshape({j.size(0), -1}).to(at::kFloat);
}

std::vector<int64_t> nearest_rows(const at::Tensor& queries, const at::Tensor& keys) {
  std::vector<int64_t> out;
  for (int64_t s = 0; s < queries.size(0); s += 256) {
    const auto q = queries.narrow(0, s, std::min<int64_t>(256, queries.size(0) - s));
    const auto d = q.pow(2).sum(1, true) - 2 * at::matmul(q, keys.t()) + keys.pow(2).sum(1).unsqueeze(0);
    const auto idx = d.argmin(1).contiguous();
    for (int64_t i = 0; i < idx.size(0); ++i) out.push_back(idx[i].item<int64_t>());
  }
  return out;
}

// Pose A changed the way training pair (from, to) changes: per joint R_to R_from^T applied to A's rotation
// (the root's change is applied in the world frame, which is what turning/tilting the body means).
pose::Pose apply_change(const pose::Pose& a, const pose::Pose& from, const pose::Pose& to) {
  pose::Pose out = a;
  for (int j = 0; j < body::kNumJoints; ++j) {
    const Eigen::Matrix3d delta = body::rotation_matrix(to.rotations[j]) * body::rotation_matrix(from.rotations[j]).transpose();
    out.rotations[j] = body::axis_angle(delta * body::rotation_matrix(a.rotations[j]));
  }
  return out;
}

std::vector<pose::Pose> poses_of(const data::Corpus& c, const std::vector<int>& idx) {
  std::vector<pose::Pose> out;
  for (int i : idx) out.push_back(c.poses[i]);
  return out;
}

}  // namespace

std::vector<std::string> baseline_names(Task task) {
  switch (task) {
    case Task::TextToPose: return {"ground-truth", "nearest-neighbour"};
    case Task::PoseToText:
    case Task::PoseDiff: return {"ground-truth", "nearest-neighbour", "caption-pipeline"};
    case Task::PoseEditing: return {"ground-truth", "nearest-neighbour", "identity"};
    default: return {};
  }
}

Generator make_baseline(const std::string& name, Task task, const data::Corpus& corpus, const std::string& split) {
  const auto names = baseline_names(task);
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    throw Error("'" + name + "' is not a baseline of " + task_name(task) + " (" + list + ")");
  }
  Generator g;
  g.name = name;
  const auto c = std::make_shared<const data::Corpus>(corpus);
  if (name == "ground-truth") {
    // Looked up by the evaluated split's items themselves: the evaluator passes inputs in split order, and the
    // ground truth answers from the corpus it was built on.
    const auto items = std::make_shared<data::RetrievalItems>(data::retrieval_items(corpus, split, task == Task::PoseDiff || task == Task::PoseEditing));
    auto cursor = std::make_shared<size_t>(0);
    g.reset = [cursor] { *cursor = 0; };
    g.text_to_pose = [c, items, cursor](const std::vector<std::string>& texts) {
      std::vector<pose::Pose> out;
      for (size_t i = 0; i < texts.size(); ++i) out.push_back(c->poses[items->a[(*cursor)++]]);
      return out;
    };
    g.pose_to_text = [items, cursor](const std::vector<pose::Pose>& poses) {
      std::vector<std::string> out;
      for (size_t i = 0; i < poses.size(); ++i) out.push_back(items->texts[(*cursor)++][0]);
      return out;
    };
    g.pose_diff = [items, cursor](const std::vector<pose::Pose>& a, const std::vector<pose::Pose>&) {
      std::vector<std::string> out;
      for (size_t i = 0; i < a.size(); ++i) out.push_back(items->texts[(*cursor)++][0]);
      return out;
    };
    g.edit = [c, items, cursor](const std::vector<pose::Pose>& a, const std::vector<std::string>&) {
      std::vector<pose::Pose> out;
      for (size_t i = 0; i < a.size(); ++i) out.push_back(c->poses[items->b[(*cursor)++]]);
      return out;
    };
    return g;
  }
  if (name == "identity") {
    g.edit = [](const std::vector<pose::Pose>& a, const std::vector<std::string>&) { return a; };
    return g;
  }
  if (name == "caption-pipeline") {
    g.pose_to_text = [](const std::vector<pose::Pose>& poses) {
      std::vector<std::string> out;
      for (size_t i = 0; i < poses.size(); ++i) out.push_back(text::describe_pose(poses[i], 0x5eed0000ull + i));
      return out;
    };
    g.pose_diff = [](const std::vector<pose::Pose>& a, const std::vector<pose::Pose>& b) {
      std::vector<std::string> out;
      for (size_t i = 0; i < a.size(); ++i) out.push_back(text::instruct(a[i], b[i], 0x5eed0000ull + i));
      return out;
    };
    return g;
  }
  // nearest-neighbour, from the training split only.
  const auto train_items = data::retrieval_items(corpus, "train", task == Task::PoseDiff || task == Task::PoseEditing);
  if (task == Task::TextToPose || task == Task::PoseEditing) {
    std::vector<std::string> docs;
    auto owner = std::make_shared<std::vector<size_t>>();
    for (size_t i = 0; i < train_items.texts.size(); ++i)
      for (const auto& t : train_items.texts[i]) {
        docs.push_back(t);
        owner->push_back(i);
      }
    const auto index = std::make_shared<TfIdfIndex>(docs);
    const auto items = std::make_shared<data::RetrievalItems>(train_items);
    g.text_to_pose = [c, index, owner, items](const std::vector<std::string>& texts) {
      std::vector<pose::Pose> out;
      for (const auto& t : texts) out.push_back(c->poses[items->a[(*owner)[index->nearest(t)]]]);
      return out;
    };
    g.edit = [c, index, owner, items](const std::vector<pose::Pose>& a, const std::vector<std::string>& texts) {
      std::vector<pose::Pose> out;
      for (size_t i = 0; i < a.size(); ++i) {
        const size_t k = (*owner)[index->nearest(texts[i])];
        out.push_back(apply_change(a[i], c->poses[items->a[k]], c->poses[items->b[k]]));
      }
      return out;
    };
  } else if (task == Task::PoseToText) {
    const auto keys = pose_keys(poses_of(corpus, train_items.a));
    const auto items = std::make_shared<data::RetrievalItems>(train_items);
    g.pose_to_text = [keys, items](const std::vector<pose::Pose>& poses) {
      std::vector<std::string> out;
      for (const auto k : nearest_rows(pose_keys(poses), keys)) out.push_back(items->texts[k][0]);
      return out;
    };
  } else {
    // A pair's key: A's joints and the change to B.
    auto pair_keys = [](const std::vector<pose::Pose>& a, const std::vector<pose::Pose>& b) {
      const auto ka = pose_keys(a), kb = pose_keys(b);
      return at::cat({ka, kb - ka}, 1);
    };
    const auto keys = pair_keys(poses_of(corpus, train_items.a), poses_of(corpus, train_items.b));
    const auto items = std::make_shared<data::RetrievalItems>(train_items);
    g.pose_diff = [keys, items, pair_keys](const std::vector<pose::Pose>& a, const std::vector<pose::Pose>& b) {
      std::vector<std::string> out;
      for (const auto k : nearest_rows(pair_keys(a, b), keys)) out.push_back(items->texts[k][0]);
      return out;
    };
  }
  return g;
}

EvalReport evaluate_task(Task task, Generator& g, const data::Corpus& corpus, nn::RetrievalModel* pose_text,
                         nn::RetrievalModel* pair_text, const EvalOptions& o, const EvalProgress& progress) {
  const auto start = std::chrono::steady_clock::now();
  auto report_progress = [&](const std::string& stage, double f) {
    if (progress) progress(stage, f);
  };
  const auto& evaluated = evaluated_tasks();
  if (std::find(evaluated.begin(), evaluated.end(), task) == evaluated.end())
    throw Error("evaluating " + task_info(task).title + " is not built yet (" + task_names(evaluated) + " are)");
  const bool pairs = task == Task::PoseDiff || task == Task::PoseEditing;
  nn::RetrievalModel* retrieval = pairs ? pair_text : pose_text;
  if (!retrieval) throw Error(std::string("evaluating ") + task_name(task) + " needs the " + (pairs ? "pose-pair-text" : "pose-text") + " retrieval model");
  if ((*retrieval)->config.pairs() != pairs)
    throw Error(std::string("the retrieval model given for ") + task_name(task) + " is a " + (*retrieval)->config.kind + " model");
  auto items = data::retrieval_items(corpus, o.split, pairs);
  if (o.limit > 0 && static_cast<size_t>(o.limit) < items.a.size()) {
    items.a.resize(o.limit);
    if (pairs) items.b.resize(o.limit);
    items.texts.resize(o.limit);
  }
  const int n = static_cast<int>(items.a.size());
  if (g.reset) g.reset();
  if (n < 32) throw Error(corpus.dir + ": the " + o.split + " split has " + std::to_string(n) + " items; R-precision needs at least 32");
  const auto a = poses_of(corpus, items.a);
  const auto b = pairs ? poses_of(corpus, items.b) : std::vector<pose::Pose>{};
  std::vector<std::string> inputs, hyps;
  std::vector<Words> hyp_words;
  std::vector<std::vector<Words>> refs;
  for (const auto& t : items.texts) inputs.push_back(t[0]);

  // Run the generator in chunks (progress; bounded memory for a real model).
  std::vector<pose::Pose> generated;
  const int chunk = 64;
  for (int s = 0; s < n; s += chunk) {
    const int e = std::min(n, s + chunk);
    const std::vector<pose::Pose> ca(a.begin() + s, a.begin() + e);
    const std::vector<std::string> ct(inputs.begin() + s, inputs.begin() + e);
    std::vector<pose::Pose> out_poses;
    std::vector<std::string> out_texts;
    switch (task) {
      case Task::TextToPose:
        if (!g.text_to_pose) throw Error(g.name + " cannot do text2pose");
        out_poses = g.text_to_pose(ct);
        break;
      case Task::PoseToText:
        if (!g.pose_to_text) throw Error(g.name + " cannot do pose2text");
        out_texts = g.pose_to_text(ca);
        break;
      case Task::PoseDiff:
        if (!g.pose_diff) throw Error(g.name + " cannot do posediff");
        out_texts = g.pose_diff(ca, std::vector<pose::Pose>(b.begin() + s, b.begin() + e));
        break;
      case Task::PoseEditing:
        if (!g.edit) throw Error(g.name + " cannot do edit");
        out_poses = g.edit(ca, ct);
        break;
      default:
        break;  // refused above
    }
    const size_t want = static_cast<size_t>(e - s);
    if ((task == Task::TextToPose || task == Task::PoseEditing) && out_poses.size() != want) throw Error(g.name + " returned the wrong number of poses");
    if ((task == Task::PoseToText || task == Task::PoseDiff) && out_texts.size() != want) throw Error(g.name + " returned the wrong number of texts");
    generated.insert(generated.end(), out_poses.begin(), out_poses.end());
    hyps.insert(hyps.end(), out_texts.begin(), out_texts.end());
    report_progress("generating", double(e) / n);
  }

  EvalReport r;
  r.task = task;
  r.model = g.name;
  r.items = n;
  auto add = [&r](const std::string& k, double v) { r.metrics.emplace_back(k, v); };
  const std::vector<int> rp_ks{1, 2, 3, 5, 10, 20};
  report_progress("measuring", 0);
  if (task == Task::TextToPose || task == Task::PoseEditing) {
    const auto truth = pairs ? b : a;
    const auto jg = body_joints(generated), jt = body_joints(truth);
    add("MPJPE_mm", 1000 * mpjpe(jg, jt).mean().item<double>());
    add("PA-MPJPE_mm", 1000 * pa_mpjpe(jg, jt).mean().item<double>());
    torch::Tensor gen_f, true_f;
    if (pairs) {
      const auto [ga, gb] = nn::heading_normalised_pairs(a, generated);
      const auto [ta, tb] = nn::heading_normalised_pairs(a, b);
      gen_f = nn::pair_features(*retrieval, ga, gb);
      true_f = nn::pair_features(*retrieval, ta, tb);
    } else {
      gen_f = nn::pose_features(*retrieval, nn::heading_normalised_rot6d(generated));
      true_f = nn::pose_features(*retrieval, nn::heading_normalised_rot6d(truth));
    }
    const auto text_f = nn::text_features(*retrieval, inputs);
    for (const auto& [k, v] : r_precision(gen_f, text_f, rp_ks, 32, 10, o.seed)) add("R-precision_top" + std::to_string(k), 100 * v);
    std::vector<int> owner(n);
    for (int i = 0; i < n; ++i) owner[i] = i;
    for (const auto& [k, v] : cross_modal_recall(gen_f, text_f, owner)) add(k, v);
    add("FID", frechet_distance(gen_f, true_f));
  } else {
    for (size_t i = 0; i < hyps.size(); ++i) {
      hyp_words.push_back(text::tokenize_words(hyps[i]));
      std::vector<Words> r_i;
      for (size_t k = 1; k < items.texts[i].size(); ++k) r_i.push_back(text::tokenize_words(items.texts[i][k]));
      if (r_i.empty()) r_i.push_back(text::tokenize_words(items.texts[i][0]));  // a single text: scored against itself
      refs.push_back(std::move(r_i));
    }
    add("BLEU-4", 100 * corpus_bleu(hyp_words, refs));
    add("ROUGE-L", 100 * corpus_rouge_l(hyp_words, refs));
    add("METEOR", 100 * corpus_meteor(hyp_words, refs));
    torch::Tensor item_f;
    if (pairs) {
      const auto [ta, tb] = nn::heading_normalised_pairs(a, b);
      item_f = nn::pair_features(*retrieval, ta, tb);
    } else {
      item_f = nn::pose_features(*retrieval, nn::heading_normalised_rot6d(a));
    }
    const auto hyp_f = nn::text_features(*retrieval, hyps);
    for (const auto& [k, v] : r_precision(hyp_f, item_f, rp_ks, 32, 10, o.seed)) add("R-precision_top" + std::to_string(k), 100 * v);
    std::vector<int> owner(n);
    for (int i = 0; i < n; ++i) owner[i] = i;
    for (const auto& [k, v] : cross_modal_recall(item_f, hyp_f, owner)) add(k, v);
  }
  report_progress("measuring", 1);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

namespace {
std::string checksums_of(const std::string& dir) {
  try {
    return io::read_text_file(dir + "/SHA256SUMS");
  } catch (const Error&) {
    return "";
  }
}
}  // namespace

std::string eval_record_json(const EvalReport& report, const data::Corpus& corpus, const EvalRecordContext& c) {
  nlohmann::ordered_json j;
  j["format"] = "unipose.eval/1";
  j["task"] = task_name(report.task);
  j["model"] = report.model;
  if (!c.model_dir.empty()) {
    j["model_SHA256SUMS"] = checksums_of(c.model_dir);
    j["pose_tokenizer_SHA256SUMS"] = checksums_of(c.pose_tokenizer_dir);
  }
  j["split"] = c.split;
  j["items"] = report.items;
  j["limit"] = c.limit;
  if (c.transfer_pairs > 0) j["transfer_pairs"] = c.transfer_pairs;
  j["command"] = c.command;
  j["unipose"] = build_info();
  j["seconds"] = report.seconds;
  nlohmann::ordered_json metrics;
  for (const auto& [k, v] : report.metrics) metrics[k] = v;
  j["metrics"] = metrics;
  j["metric_notes"] = {{"r_precision", "32 candidates (itself + 31 random), 10 repetitions, seed " + std::to_string(c.seed)},
                       {"bleu", "corpus BLEU-4, brevity penalty, smoothing: 0.1 matches for an order with none"},
                       {"rouge_l", "F1 of the longest common subsequence, best reference, mean over items"},
                       {"meteor", meteor_modules_description() + "; alpha 0.9, beta 3, gamma 0.5"},
                       {"references", "all texts of an item but the first; the first is the input / the ground-truth hypothesis"},
                       {"units", "percent for R-precision, recall, BLEU, ROUGE-L, METEOR; mm for MPJPE"}};
  j["retrieval_model"] = {{"dir", c.retrieval_dir}, {"SHA256SUMS", checksums_of(c.retrieval_dir)}};
  j["data"] = {{"dir", c.data_dir}, {"manifest", nlohmann::json::parse(corpus.manifest, nullptr, false)}};
  return j.dump(2) + "\n";
}

}  // namespace unipose::eval
