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

// ---------------------------------------------------------------------------------------------- WordNet

namespace {

class WordNet {
 public:
  static WordNet& instance() {
    static WordNet wn;
    return wn;
  }
  bool available() const { return available_; }

  // Synset keys (part of speech in the top digits, byte offset below) of every base form of the word.
  const std::vector<std::uint64_t>& synsets(const std::string& word) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (const auto it = cache_.find(word); it != cache_.end()) return it->second;
    std::vector<std::uint64_t> out;
    for (int pos = 0; pos < 4; ++pos)
      for (const auto& base : base_forms(word, pos))
        if (const auto it = index_[pos].find(base); it != index_[pos].end()) out.insert(out.end(), it->second.begin(), it->second.end());
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return cache_.emplace(word, std::move(out)).first->second;
  }

 private:
  WordNet() {
    std::string dir = "/usr/share/wordnet";
    if (const char* env = std::getenv("WNSEARCHDIR"); env && *env) dir = env;
    static const char* names[4] = {"noun", "verb", "adj", "adv"};
    for (int pos = 0; pos < 4; ++pos) {
      std::ifstream idx(dir + "/index." + names[pos]);
      if (!idx) return;
      std::string line;
      while (std::getline(idx, line)) {
        if (line.empty() || line[0] == ' ') continue;  // licence header
        std::istringstream in(line);
        std::string lemma, p;
        int synset_cnt = 0, p_cnt = 0, sense_cnt = 0, tagsense = 0;
        if (!(in >> lemma >> p >> synset_cnt >> p_cnt)) continue;
        std::string sym;
        for (int i = 0; i < p_cnt; ++i) in >> sym;
        in >> sense_cnt >> tagsense;
        auto& keys = index_[pos][lemma];
        for (int i = 0; i < synset_cnt; ++i) {
          std::uint64_t off = 0;
          if (in >> off) keys.push_back(static_cast<std::uint64_t>(pos) * 1000000000ULL + off);
        }
      }
      std::ifstream exc(dir + "/" + names[pos] + ".exc");
      while (std::getline(exc, line)) {
        std::istringstream in(line);
        std::string inflected, base;
        if (!(in >> inflected)) continue;
        while (in >> base) exceptions_[pos][inflected].push_back(base);
      }
    }
    available_ = !index_[0].empty() && !index_[1].empty();
  }

  // WordNet's base-form rules (morphy): the word itself, its listed exceptions, and the suffix rules of
  // each part of speech, keeping forms that are in the index.
  std::vector<std::string> base_forms(const std::string& word, int pos) const {
    static const std::vector<std::pair<std::string, std::string>> rules[4] = {
        {{"s", ""}, {"ses", "s"}, {"xes", "x"}, {"zes", "z"}, {"ches", "ch"}, {"shes", "sh"}, {"men", "man"}, {"ies", "y"}},
        {{"s", ""}, {"ies", "y"}, {"es", "e"}, {"es", ""}, {"ed", "e"}, {"ed", ""}, {"ing", "e"}, {"ing", ""}},
        {{"er", ""}, {"est", ""}, {"er", "e"}, {"est", "e"}},
        {}};
    std::vector<std::string> out{word};
    if (const auto it = exceptions_[pos].find(word); it != exceptions_[pos].end()) out.insert(out.end(), it->second.begin(), it->second.end());
    for (const auto& [suffix, repl] : rules[pos])
      if (word.size() > suffix.size() && word.compare(word.size() - suffix.size(), suffix.size(), suffix) == 0)
        out.push_back(word.substr(0, word.size() - suffix.size()) + repl);
    return out;
  }

  bool available_ = false;
  std::unordered_map<std::string, std::vector<std::uint64_t>> index_[4];
  std::unordered_map<std::string, std::vector<std::string>> exceptions_[4];
  std::unordered_map<std::string, std::vector<std::uint64_t>> cache_;
  std::mutex mutex_;
};

}  // namespace

bool wordnet_available() { return WordNet::instance().available(); }

bool wordnet_synonyms(const std::string& a, const std::string& b) {
  auto& wn = WordNet::instance();
  if (!wn.available()) return false;
  if (a == b) return true;
  const auto sa = wn.synsets(a);
  const auto& sb = wn.synsets(b);
  for (const auto k : sa)
    if (std::binary_search(sb.begin(), sb.end(), k)) return true;
  return false;
}

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
