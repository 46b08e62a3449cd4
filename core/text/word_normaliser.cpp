#include "core/text/word_normaliser.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "core/error.h"
#include "core/text/wordnet.h"
#include "core/text/words.h"

namespace unipose::text {

WordNormaliser::WordNormaliser(std::map<std::string, int> counts) : counts_(std::move(counts)) {}

WordNormaliser WordNormaliser::from_texts(const std::vector<std::string>& texts) {
  std::map<std::string, int> counts;
  for (const auto& t : texts)
    for (const auto& w : tokenize_words(t)) ++counts[w];
  return WordNormaliser(std::move(counts));
}

WordNormaliser WordNormaliser::parse(const std::string& text, const std::string& where) {
  std::map<std::string, int> counts;
  std::istringstream in(text);
  int line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    if (line.empty()) continue;
    std::istringstream fields(line);
    std::string word;
    long count = 0;
    if (!(fields >> word >> count) || count < 1 || count > (1L << 40))
      fail(where, "line " + std::to_string(line_number) + ": expected a word and a positive count");
    counts[word] = static_cast<int>(std::min<long>(count, 1 << 30));
  }
  return WordNormaliser(std::move(counts));
}

std::string WordNormaliser::to_text() const {
  std::string out;
  for (const auto& [w, n] : counts_) out += w + " " + std::to_string(n) + "\n";
  return out;
}

namespace {
// -ed, -ing, -s or none: a replacement keeps the form of the word it replaces where it can.
int ending(const std::string& w) {
  auto ends = [&](const std::string& e) { return w.size() > e.size() + 2 && w.compare(w.size() - e.size(), e.size(), e) == 0; };
  if (ends("ed")) return 1;
  if (ends("ing")) return 2;
  if (ends("s") && !ends("ss")) return 3;
  return 0;
}
}  // namespace

std::string WordNormaliser::synonym_of(const std::string& word) const {
  auto& wn = WordNet::instance();
  if (!wn.available()) return "";
  const auto own = wn.synsets(word);
  if (own.empty()) return "";
  std::call_once(synsets_->once, [&] {
    for (const auto& [known, count] : counts_) {
      const int index = static_cast<int>(synsets_->known.size());
      synsets_->known.push_back(known);
      for (const auto k : wn.synsets(known)) synsets_->members[k].push_back(index);
    }
  });
  const int form = ending(word);
  std::string best;
  std::pair<bool, int> best_rank{false, 0};  // (same ending, count); ties go to the alphabetically first word
  int best_index = -1;
  for (const auto k : own) {
    const auto it = synsets_->members.find(k);
    if (it == synsets_->members.end()) continue;
    for (const int index : it->second) {
      const auto& known = synsets_->known[static_cast<size_t>(index)];
      const std::pair<bool, int> rank{ending(known) == form, counts_.at(known)};
      if (rank > best_rank || (rank == best_rank && index < best_index)) {
        best = known;
        best_rank = rank;
        best_index = index;
      }
    }
  }
  return best;
}

std::string WordNormaliser::normalise(const std::string& text, std::vector<std::pair<std::string, std::string>>* replaced) const {
  if (counts_.empty()) return text;
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (!std::isalpha(static_cast<unsigned char>(text[i]))) {
      out += text[i++];
      continue;
    }
    size_t j = i;
    while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '\'')) ++j;
    const std::string word = text.substr(i, j - i);
    std::string lower = word;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // A single letter is an abbreviation or a label ("the L arm"), not the WordNet sense it also has ("s" is a
    // second, "x" a ten): left as it is.
    std::string synonym = knows(lower) || lower.size() < 2 ? "" : synonym_of(lower);
    if (synonym.empty()) {
      out += word;
    } else {
      if (replaced) replaced->emplace_back(word, synonym);
      if (std::isupper(static_cast<unsigned char>(word[0]))) synonym[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(synonym[0])));
      out += synonym;
    }
    i = j;
  }
  return out;
}

}  // namespace unipose::text
