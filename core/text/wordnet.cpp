#include "core/text/wordnet.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <unordered_map>

namespace unipose::text {

struct WordNet::Data {
  // By value: the cache is emptied when it grows past kCacheLimit words (typed text has no bound on the words
  // it brings), so no reference into it may outlive the lock.
  std::vector<std::uint64_t> synsets(const std::string& word) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (const auto it = cache_.find(word); it != cache_.end()) return it->second;
    if (cache_.size() >= kCacheLimit) cache_.clear();
    std::vector<std::uint64_t> out;
    for (int pos = 0; pos < 4; ++pos)
      for (const auto& base : base_forms(word, pos))
        if (const auto it = index_[pos].find(base); it != index_[pos].end()) out.insert(out.end(), it->second.begin(), it->second.end());
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return cache_.emplace(word, std::move(out)).first->second;
  }

  Data() {
    const std::string dir = WordNet::folder();
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
  static constexpr size_t kCacheLimit = 100000;
  std::unordered_map<std::string, std::vector<std::uint64_t>> cache_;
  std::mutex mutex_;
};

std::string WordNet::folder() {
  if (const char* env = std::getenv("WNSEARCHDIR"); env && *env) return env;
  return "/usr/share/wordnet";
}

WordNet& WordNet::instance() {
  static WordNet wn;
  return wn;
}

WordNet::WordNet() : d_(std::make_unique<Data>()) {}
WordNet::~WordNet() = default;
bool WordNet::available() const { return d_->available_; }
std::vector<std::uint64_t> WordNet::synsets(const std::string& word) { return d_->synsets(word); }

bool WordNet::synonyms(const std::string& a, const std::string& b) {
  if (!available()) return false;
  if (a == b) return true;
  const auto sa = d_->synsets(a);
  const auto sb = d_->synsets(b);
  for (const auto k : sa)
    if (std::binary_search(sb.begin(), sb.end(), k)) return true;
  return false;
}

}  // namespace unipose::text
