// Training material in the words people use, beside the corpus's pipeline text: edit pairs that differ by one
// to three named changes (raise an arm, squat, look left) with the instruction for exactly those changes,
// from any start pose; and poses of a posture with a one-line description. Made in memory, deterministic for a
// seed; the wording comes from text/phrases.h.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/data/corpus_reader.h"
#include "core/pose/sampler.h"
#include "core/text/phrases.h"

namespace unipose::data {

// The pose after one change, everything else as it was (a posture change keeps the arms). Within the joint
// limits and on the floor.
pose::Pose apply_change(const pose::Pose& start, const text::Change& change, std::mt19937_64& rng);

// Adds `count` pairs to `split`: a start pose of the split, one to three changes of different parts, the pose
// after them (a new pose in no split) and three instructions for them. Returns the pairs added.
int add_targeted_edits(Corpus& corpus, const std::string& split, int count, std::uint64_t seed);

// A pose of one of text::described_postures(): a sampler family (sitting on the floor with the feet on the
// floor), or a standing pose made into a lunge, a one-legged stand, a leg out sideways or a lean.
pose::Pose described_posture(const std::string& posture, pose::PoseSampler& sampler, std::mt19937_64& rng);

// The posture as its words can say it, measured on the pose: kneeling_left when only the left knee is down,
// sitting_floor_straight when both knees are straight; else `posture` itself.
std::string measured_posture(const std::string& posture, const pose::Pose& pose);

// Adds `count` poses to `split`, each of a posture with its arms as said, with three one-line descriptions
// (Corpus::descriptions). Returns the poses added.
int add_described_poses(Corpus& corpus, const std::string& split, int count, std::uint64_t seed);

}  // namespace unipose::data
