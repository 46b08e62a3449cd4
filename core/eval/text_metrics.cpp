#include "core/eval/text_metrics.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include <libstemmer.h>

#include "core/text/wordnet.h"

namespace unipose::eval {

// ---------------------------------------------------------------------------------------------- BLEU

double corpus_bleu(const std::vector<Words>& hyps, const std::vector<std::vector<Words>>& refs, int max_order) {
  if (hyps.size() != refs.size() || hyps.empty() || max_order < 1) return 0;
  std::vector<double> clipped(max_order, 0), total(max_order, 0);
  double hyp_len = 0, ref_len = 0;
  for (size_t s = 0; s < hyps.size(); ++s) {
    const auto& h = hyps[s];
    hyp_len += static_cast<double>(h.size());
    // Closest reference length, the shorter one on a tie.
    size_t best = 0;
    long best_diff = -1;
    for (const auto& r : refs[s]) {
      const long diff = std::labs(static_cast<long>(r.size()) - static_cast<long>(h.size()));
      if (best_diff < 0 || diff < best_diff || (diff == best_diff && r.size() < best)) {
        best_diff = diff;
        best = r.size();
      }
    }
    ref_len += static_cast<double>(best);
    for (int n = 1; n <= max_order; ++n) {
      if (h.size() < static_cast<size_t>(n)) continue;
      std::map<std::vector<std::string>, int> counts, max_ref;
      for (size_t i = 0; i + n <= h.size(); ++i) ++counts[Words(h.begin() + i, h.begin() + i + n)];
      for (const auto& r : refs[s]) {
        std::map<std::vector<std::string>, int> rc;
        for (size_t i = 0; i + n <= r.size(); ++i) ++rc[Words(r.begin() + i, r.begin() + i + n)];
        for (const auto& [g, c] : rc) max_ref[g] = std::max(max_ref[g], c);
      }
      for (const auto& [g, c] : counts) {
        const auto it = max_ref.find(g);
        if (it != max_ref.end()) clipped[n - 1] += std::min(c, it->second);
      }
      total[n - 1] += static_cast<double>(h.size() - n + 1);
    }
  }
  if (hyp_len == 0) return 0;
  double log_sum = 0;
  for (int n = 0; n < max_order; ++n) {
    if (total[n] == 0) return 0;
    const double matches = clipped[n] > 0 ? clipped[n] : 0.1;  // smoothing method 1
    log_sum += std::log(matches / total[n]) / max_order;
  }
  const double bp = hyp_len > ref_len ? 1.0 : std::exp(1.0 - ref_len / hyp_len);
  return bp * std::exp(log_sum);
}

// ---------------------------------------------------------------------------------------------- ROUGE-L

namespace {
size_t lcs_length(const Words& a, const Words& b) {
  std::vector<size_t> prev(b.size() + 1, 0), cur(b.size() + 1, 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

double rouge_l(const Words& hyp, const std::vector<Words>& refs) {
  double best = 0;
  for (const auto& r : refs) {
    if (hyp.empty() || r.empty()) continue;
    const double l = static_cast<double>(lcs_length(hyp, r));
    if (l == 0) continue;
    const double p = l / hyp.size(), rec = l / r.size();
    best = std::max(best, 2 * p * rec / (p + rec));
  }
  return best;
}

double corpus_rouge_l(const std::vector<Words>& hyps, const std::vector<std::vector<Words>>& refs) {
  if (hyps.empty() || hyps.size() != refs.size()) return 0;
  double sum = 0;
  for (size_t i = 0; i < hyps.size(); ++i) sum += rouge_l(hyps[i], refs[i]);
  return sum / hyps.size();
}

// ---------------------------------------------------------------------------------------------- Porter

std::string porter_stem(const std::string& word) {
  static std::mutex mutex;
  static sb_stemmer* stemmer = sb_stemmer_new("porter", "UTF_8");
  static std::unordered_map<std::string, std::string> cache;
  std::lock_guard<std::mutex> lock(mutex);
  if (!stemmer) return word;
  if (const auto it = cache.find(word); it != cache.end()) return it->second;
  const sb_symbol* s = sb_stemmer_stem(stemmer, reinterpret_cast<const sb_symbol*>(word.data()), static_cast<int>(word.size()));
  std::string out = s ? std::string(reinterpret_cast<const char*>(s), sb_stemmer_length(stemmer)) : word;
  if (cache.size() < 200000) cache.emplace(word, out);
  return out;
}

bool wordnet_available() { return text::WordNet::instance().available(); }

bool wordnet_synonyms(const std::string& a, const std::string& b) { return text::WordNet::instance().synonyms(a, b); }

std::string meteor_modules_description() {
  return wordnet_available() ? "exact, stem (Porter), synonym (WordNet 3.0)" : "exact, stem (Porter); no WordNet installed";
}

// ---------------------------------------------------------------------------------------------- METEOR

namespace {
double meteor_single(const Words& hyp, const Words& ref, MeteorModules modules) {
  if (hyp.empty() || ref.empty()) return 0;
  std::vector<int> h2r(hyp.size(), -1);
  std::vector<bool> used(ref.size(), false);
  std::vector<std::string> hs, rs;
  const int stages = modules == MeteorModules::Exact ? 1 : modules == MeteorModules::ExactStem ? 2 : 3;
  for (int stage = 0; stage < stages; ++stage) {
    if (stage == 1) {
      for (const auto& w : hyp) hs.push_back(porter_stem(w));
      for (const auto& w : ref) rs.push_back(porter_stem(w));
    }
    if (stage == 2 && !wordnet_available()) break;
    auto same = [&](size_t i, size_t j) {
      if (stage == 0) return hyp[i] == ref[j];
      if (stage == 1) return hs[i] == rs[j];
      return wordnet_synonyms(hyp[i], ref[j]);
    };
    for (size_t i = 0; i < hyp.size(); ++i) {
      if (h2r[i] >= 0) continue;
      int pick = -1;
      if (i > 0 && h2r[i - 1] >= 0) {
        const size_t next = static_cast<size_t>(h2r[i - 1]) + 1;
        if (next < ref.size() && !used[next] && same(i, next)) pick = static_cast<int>(next);
      }
      for (size_t j = 0; pick < 0 && j < ref.size(); ++j)
        if (!used[j] && same(i, j)) pick = static_cast<int>(j);
      if (pick >= 0) {
        h2r[i] = pick;
        used[pick] = true;
      }
    }
  }
  double matches = 0, chunks = 0;
  for (size_t i = 0; i < hyp.size(); ++i) {
    if (h2r[i] < 0) continue;
    ++matches;
    if (i == 0 || h2r[i - 1] < 0 || h2r[i] != h2r[i - 1] + 1) ++chunks;
  }
  if (matches == 0) return 0;
  const double p = matches / hyp.size(), r = matches / ref.size();
  const double fmean = p * r / (0.9 * p + 0.1 * r);
  const double penalty = 0.5 * std::pow(chunks / matches, 3.0);
  return fmean * (1 - penalty);
}
}  // namespace

double meteor(const Words& hyp, const std::vector<Words>& refs, MeteorModules modules) {
  double best = 0;
  for (const auto& r : refs) best = std::max(best, meteor_single(hyp, r, modules));
  return best;
}

double corpus_meteor(const std::vector<Words>& hyps, const std::vector<std::vector<Words>>& refs, MeteorModules modules) {
  if (hyps.empty() || hyps.size() != refs.size()) return 0;
  double sum = 0;
  for (size_t i = 0; i < hyps.size(); ++i) sum += meteor(hyps[i], refs[i], modules);
  return sum / hyps.size();
}

}  // namespace unipose::eval
