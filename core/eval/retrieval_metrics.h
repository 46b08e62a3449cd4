// Retrieval-based metrics on feature vectors of a retrieval model (unit vectors; distance = Euclidean, i.e.
// the cosine ranking): R-precision, recall@k in both directions with mRecall, and FID.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <ATen/ATen.h>

namespace unipose::eval {

// R-precision as text-to-motion and PoseScript report it: for every query i, its true match candidates[i] is
// ranked among `pool` candidates (itself and pool-1 others drawn at random); top-k accuracy for each k in
// `ks`, averaged over queries and `repetitions` draws (fixed seed). queries, candidates [N, D], N >= pool.
// Ties count against the query (a candidate as close as the true one ranks before it).
std::map<int, double> r_precision(const at::Tensor& queries, const at::Tensor& candidates, const std::vector<int>& ks,
                                  int pool = 32, int repetitions = 10, std::uint64_t seed = 0);

// Recall@k over a whole gallery: a query is a hit at k when one of its correct gallery items ranks within
// the k nearest (wrong items exactly as close count as nearer). queries [Q, D], gallery [G, D], correct[q] = indices into the gallery. Returns k -> recall.
std::map<int, double> recall_at_k(const at::Tensor& queries, const at::Tensor& gallery,
                                  const std::vector<std::vector<int64_t>>& correct, const std::vector<int>& ks);

// Recall@k (k = 1, 5, 10, 20) pose->text and text->pose of items with several texts each (text t belongs to
// item text_owner[t]), and mRecall (the mean of the eight), in percent. Keys: "R@k_pose2text",
// "R@k_text2pose", "mRecall".
std::map<std::string, double> cross_modal_recall(const at::Tensor& item_features, const at::Tensor& text_features,
                                                 const std::vector<int>& text_owner);

// Frechet distance between Gaussians fitted to two feature sets [N, D] and [M, D] (N, M >= 2):
// |mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)), computed in double precision via symmetric square roots.
double frechet_distance(const at::Tensor& a, const at::Tensor& b);

}  // namespace unipose::eval
