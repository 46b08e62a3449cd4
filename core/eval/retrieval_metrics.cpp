#include "core/eval/retrieval_metrics.h"

#include <algorithm>
#include <random>

#include <Eigen/Dense>

#include "core/error.h"

namespace unipose::eval {
namespace {
at::Tensor pairwise_sq_distances(const at::Tensor& a, const at::Tensor& b) {
  const auto x = a.to(at::kDouble), y = b.to(at::kDouble);
  return (x.pow(2).sum(1, true) - 2 * at::matmul(x, y.t()) + y.pow(2).sum(1).unsqueeze(0)).clamp_min(0);
}
void check_features(const at::Tensor& a, const at::Tensor& b, const char* what) {
  if (a.dim() != 2 || b.dim() != 2 || a.size(1) != b.size(1))
    throw Error(std::string(what) + ": feature sets must be [N, D] with the same D");
}
}  // namespace

std::map<int, double> r_precision(const at::Tensor& queries, const at::Tensor& candidates, const std::vector<int>& ks,
                                  int pool, int repetitions, std::uint64_t seed) {
  check_features(queries, candidates, "R-precision");
  const int64_t n = queries.size(0);
  if (candidates.size(0) != n) throw Error("R-precision: queries and candidates must pair up one to one");
  if (n < pool) throw Error("R-precision: needs at least " + std::to_string(pool) + " samples, got " + std::to_string(n));
  const auto d = pairwise_sq_distances(queries, candidates).contiguous();
  const auto acc = d.accessor<double, 2>();
  std::mt19937_64 rng(seed);
  std::map<int, double> hits;
  for (int k : ks) hits[k] = 0;
  std::uniform_int_distribution<int64_t> u(0, n - 1);
  std::vector<int64_t> drawn;
  for (int rep = 0; rep < repetitions; ++rep) {
    for (int64_t i = 0; i < n; ++i) {
      // pool-1 distinct others, by rejection (pool is small next to n).
      drawn.clear();
      int rank = 0;
      while (static_cast<int>(drawn.size()) < pool - 1) {
        const int64_t j = u(rng);
        if (j == i || std::find(drawn.begin(), drawn.end(), j) != drawn.end()) continue;
        drawn.push_back(j);
        if (acc[i][j] <= acc[i][i]) ++rank;
      }
      for (int k : ks)
        if (rank < k) hits[k] += 1;
    }
  }
  for (auto& [k, v] : hits) v /= static_cast<double>(n) * repetitions;
  return hits;
}

std::map<int, double> recall_at_k(const at::Tensor& queries, const at::Tensor& gallery,
                                  const std::vector<std::vector<int64_t>>& correct, const std::vector<int>& ks) {
  check_features(queries, gallery, "recall@k");
  const int64_t q = queries.size(0), g = gallery.size(0);
  if (static_cast<int64_t>(correct.size()) != q) throw Error("recall@k: one list of correct items per query is needed");
  std::map<int, double> hits;
  for (int k : ks) hits[k] = 0;
  if (q == 0) return hits;
  for (int64_t start = 0; start < q; start += 1024) {
    const int64_t len = std::min<int64_t>(1024, q - start);
    const auto d = pairwise_sq_distances(queries.narrow(0, start, len), gallery).contiguous();
    const auto acc = d.accessor<double, 2>();
    for (int64_t i = 0; i < len; ++i) {
      double best = -1;
      for (const auto c : correct[start + i]) {
        if (c < 0 || c >= g) throw Error("recall@k: a correct item lies outside the gallery");
        if (best < 0 || acc[i][c] < best) best = acc[i][c];
      }
      if (best < 0) continue;
      // Wrong gallery items at least as close as the best correct one (ties count against the query, so a
      // generator whose outputs all coincide scores at chance, not at the top).
      const auto& right = correct[start + i];
      int64_t rank = 0;
      for (int64_t j = 0; j < g; ++j)
        if (acc[i][j] <= best && std::find(right.begin(), right.end(), j) == right.end()) ++rank;
      for (int k : ks)
        if (rank < k) hits[k] += 1;
    }
  }
  for (auto& [k, v] : hits) v /= static_cast<double>(q);
  return hits;
}

double frechet_distance(const at::Tensor& a, const at::Tensor& b) {
  check_features(a, b, "FID");
  if (a.size(0) < 2 || b.size(0) < 2) throw Error("FID: needs at least two samples on each side");
  auto to_eigen = [](const at::Tensor& t) {
    const auto c = t.to(at::kDouble).contiguous().cpu();
    return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(c.data_ptr<double>(), c.size(0), c.size(1)).eval();
  };
  const Eigen::MatrixXd x = to_eigen(a), y = to_eigen(b);
  const Eigen::RowVectorXd mx = x.colwise().mean(), my = y.colwise().mean();
  const Eigen::MatrixXd xc = x.rowwise() - mx, yc = y.rowwise() - my;
  const Eigen::MatrixXd sx = xc.transpose() * xc / double(x.rows() - 1), sy = yc.transpose() * yc / double(y.rows() - 1);
  // tr((Sx Sy)^(1/2)) = sum of sqrt(eigenvalues of Sx^(1/2) Sy Sx^(1/2)), a symmetric PSD matrix.
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> ex(sx);
  const Eigen::VectorXd lx = ex.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  const Eigen::MatrixXd sqrt_x = ex.eigenvectors() * lx.asDiagonal() * ex.eigenvectors().transpose();
  const Eigen::MatrixXd m = sqrt_x * sy * sqrt_x;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> em(0.5 * (m + m.transpose()), Eigen::EigenvaluesOnly);
  const double tr_sqrt = em.eigenvalues().cwiseMax(0.0).cwiseSqrt().sum();
  // Rounding can leave a tiny negative value for identical sets.
  return std::max(0.0, (mx - my).squaredNorm() + sx.trace() + sy.trace() - 2 * tr_sqrt);
}

std::map<std::string, double> cross_modal_recall(const at::Tensor& items, const at::Tensor& texts, const std::vector<int>& owner) {
  const std::vector<int> ks{1, 5, 10, 20};
  std::vector<std::vector<int64_t>> item_to_texts(items.size(0)), text_to_item(owner.size());
  for (size_t t = 0; t < owner.size(); ++t) {
    item_to_texts[owner[t]].push_back(static_cast<int64_t>(t));
    text_to_item[t] = {owner[t]};
  }
  const auto p2t = recall_at_k(items, texts, item_to_texts, ks);
  const auto t2p = recall_at_k(texts, items, text_to_item, ks);
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

}  // namespace unipose::eval
