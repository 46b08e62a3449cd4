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
  bool targeted = false;  // made in memory for editing: one to three named changes (data/targeted.h), not the pipeline's words
};

struct Corpus {
  std::string dir;
  std::string manifest;                           // manifest.json as written
  std::vector<pose::Pose> poses;                  // facing +z
  std::vector<std::vector<std::string>> captions; // per pose (may be empty for a pose without text)
  // One-line descriptions as a person would type them, per pose; made in memory for text-to-pose (data/targeted.h),
  // empty or as long as `poses`.
  std::vector<std::vector<std::string>> descriptions;
  std::vector<CorpusPair> pairs;
  std::map<std::string, std::vector<int>> splits; // "train", "val", "test" -> pose indices

  const std::vector<int>& split(const std::string& name) const;  // throws naming splits.json if absent
  // Adds a pose made in memory (a pair's start or target, a described pose), with no captions and with
  // `descriptions` (if any are kept) one longer, so every per-pose list stays as long as `poses`; its index.
  int add_pose(const pose::Pose& pose, std::vector<std::string> descriptions = {});
  std::vector<int> pairs_in(const std::string& split) const;     // indices into `pairs`
};

// Items of one split as the retrieval models and the task evaluation see them: each captioned pose (or each
// pair with instructions) and its texts. Throws naming the corpus when the split has none.
struct RetrievalItems {
  std::vector<int> a, b;                       // pose indices (b only for pairs)
  std::vector<std::vector<std::string>> texts; // captions or instructions of each item
};
RetrievalItems retrieval_items(const Corpus& corpus, const std::string& split, bool pairs);

// Checks FILES of a corpus folder against the checksums its manifest.json records (`data make` writes them),
// so one corpus's poses are never read with another's captions; a manifest without checksums passes.
void check_corpus_files(const std::string& dir, const std::vector<std::string>& files);

// The poses of one split of a corpus folder, from DIR/poses.npz and DIR/splits.json alone (no text).
std::vector<pose::Pose> load_corpus_split(const std::string& dir, const std::string& split);

// Reads DIR/manifest.json, poses.npz, captions.jsonl, pairs.jsonl and splits.json. Errors name the file and
// the line.
Corpus read_corpus(const std::string& dir);

}  // namespace unipose::data
