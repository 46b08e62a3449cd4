// The language model's words: those of its training text, and what becomes of a word it never saw: the known
// word that shares a WordNet synset with it, with the same ending (-ed, -ing, -s or none) if there is one,
// the most frequent of those ("elevate" -> "raise", "elevated" -> "raised"); else (and for single letters) the
// word as it is.
// Training text is made of known words and passes unchanged, so the normalisation is the same in training
// and in use (docs/language_model.md, "Words people use").
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace unipose::text {

class WordNormaliser {
 public:
  WordNormaliser() = default;  // knows no words: passes every text unchanged
  explicit WordNormaliser(std::map<std::string, int> counts);
  // Counts the lower-cased words of texts.
  static WordNormaliser from_texts(const std::vector<std::string>& texts);
  // "word count" per line, as to_text writes it; errors name `where`.
  static WordNormaliser parse(const std::string& text, const std::string& where);
  std::string to_text() const;

  bool empty() const { return counts_.empty(); }
  bool knows(const std::string& lower_case_word) const { return counts_.count(lower_case_word) > 0; }
  // The text with each unknown word that has a known synonym replaced by it (first letter's case kept);
  // `replaced` gets (word, synonym) pairs.
  std::string normalise(const std::string& text, std::vector<std::pair<std::string, std::string>>* replaced = nullptr) const;

 private:
  std::string synonym_of(const std::string& lower_case_word) const;
  std::map<std::string, int> counts_;
  // The known words (in counts_' order) and, per WordNet synset, the known words in it; looked up once, on
  // first use, so that a word's synonyms cost a lookup per synset of that word, not a pass over every known word.
  struct Synsets {
    std::once_flag once;
    std::vector<std::string> known;
    std::unordered_map<std::uint64_t, std::vector<int>> members;  // synset -> indices into known, ascending
  };
  std::shared_ptr<Synsets> synsets_ = std::make_shared<Synsets>();
};

}  // namespace unipose::text
