// The generated training corpus for every pose/text task: sampled poses (posture families and the CMU BVH
// clips), diversified by farthest-point sampling, automatic captions, pose pairs with instructions, and
// train/val/test splits, written as a versioned folder. Deterministic for a seed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/pose/pose.h"

namespace unipose::data {

inline constexpr const char* kCorpusFormat = "unipose.corpus/1";
inline constexpr const char* kGeneratorVersion = "unipose-corpus-generator 1.3";

struct CorpusOptions {
  int poses = 1000;
  int pairs = 1000;
  std::uint64_t seed = 1;
  int captions_per_pose = 3;
  int instructions_per_pair = 3;
  double val_fraction = 0.05, test_fraction = 0.05;
  double candidates_factor = 1.5;       // sampled candidates per kept pose, before farthest-point sampling
  double bvh_fraction = 0.15;           // at most this share of candidates from BVH clips
  std::vector<std::string> bvh_files;   // empty: Debian's assimp-testmodels CMU clips when present
};

struct CorpusStats {
  int poses = 0, pairs = 0, captions = 0, instructions = 0;
  int from_bvh = 0;
  std::int64_t rejected_samples = 0;   // procedural samples redrawn for self-intersection
  double max_penetration_m = 0;        // deepest body-part interpenetration among kept poses
  double seconds = 0;
};

using Progress = std::function<void(const std::string& stage, double fraction)>;

// Writes DIR/manifest.json, poses.npz, captions.jsonl, pairs.jsonl, splits.json.
CorpusStats make_corpus(const std::string& dir, const CorpusOptions& options, const Progress& progress = {});

// Farthest-point sampling on the mean per-joint distance between poses ([N, J, 3] joint positions, as
// floats, row-major): `count` indices, the first chosen by `seed`.
std::vector<int> farthest_point_sampling(const std::vector<float>& joints, int num_poses, int num_joints, int count,
                                         std::uint64_t seed);

}  // namespace unipose::data
