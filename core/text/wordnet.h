// WordNet 3.0 as Debian's wordnet-base installs it (/usr/share/wordnet, or $WNSEARCHDIR): which words share a
// meaning (a synset), after WordNet's own base-form rules. METEOR's synonym stage uses it, and the language
// model's input normalisation maps a word it never saw to a synonym it knows (text/word_normaliser.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace unipose::text {

class WordNet {
 public:
  static WordNet& instance();  // read once, on first use; thread-safe
  // The folder it reads: $WNSEARCHDIR, else /usr/share/wordnet.
  static std::string folder();
  ~WordNet();
  bool available() const;
  // Synset keys (part of speech in the top digits, byte offset below) of every base form of the word, sorted.
  std::vector<std::uint64_t> synsets(const std::string& word);
  // Do the two words share a synset? False without WordNet.
  bool synonyms(const std::string& a, const std::string& b);

 private:
  WordNet();
  struct Data;
  std::unique_ptr<Data> d_;
};

}  // namespace unipose::text
