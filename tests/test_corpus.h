// Generated corpora for tests: made once per test program and name, in a temporary folder.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/data/corpus.h"
#include "core/data/corpus_reader.h"
#include "temp_dir.h"

namespace unipose::testing {

inline const data::Corpus& test_corpus(const std::string& name, int poses, int pairs, std::uint64_t seed) {
  static std::map<std::string, data::Corpus> made;
  auto it = made.find(name);
  if (it == made.end()) {
    const std::string dir = temp_dir("unipose_corpus", name);
    data::CorpusOptions o;
    o.poses = poses;
    o.pairs = pairs;
    o.seed = seed;
    data::make_corpus(dir, o);
    it = made.emplace(name, data::read_corpus(dir)).first;
  }
  return it->second;
}

}  // namespace unipose::testing
