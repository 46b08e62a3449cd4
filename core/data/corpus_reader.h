// Reading a generated corpus folder (docs/corpus.md, format unipose.corpus/1) back: poses, captions, pairs
// with instructions, splits and the manifest, with every cross-reference checked.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/pose/pose.h"

namespace unipose::data {

struct CorpusPair {
  int a = 0, b = 0;
  std::string split;
  std::vector<std::string> instructions;
};

struct Corpus {
  std::string dir;
  std::string manifest;                           // manifest.json as written
  std::vector<pose::Pose> poses;                  // facing +z
  std::vector<std::vector<std::string>> captions; // per pose (may be empty for a pose without text)
  std::vector<CorpusPair> pairs;
  std::map<std::string, std::vector<int>> splits; // "train", "val", "test" -> pose indices

  const std::vector<int>& split(const std::string& name) const;  // throws naming splits.json if absent
  std::vector<int> pairs_in(const std::string& split) const;     // indices into `pairs`
};

// Reads DIR/manifest.json, poses.npz, captions.jsonl, pairs.jsonl and splits.json. Errors name the file and
// the line.
Corpus read_corpus(const std::string& dir);

}  // namespace unipose::data
