// Editing pairs with one part of the body changed a lot. The corpus pairs are near neighbours (PoseFix), so
// they differ a little almost everywhere and rarely by a whole limb; a person in the studio mostly asks for
// one big change ("raise your left arm above your head"). A transfer pair takes a corpus pose B and poses one
// limb group of it (an arm, both arms, a leg, the head) as another pose C of the same split has it: that is
// the starting pose A, B is the target, and the pair-codes of A -> B give the instructions. Deterministic for
// a seed; nothing is written to the corpus folder.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/data/corpus_reader.h"

namespace unipose::data {

// The limb groups a transfer moves, by name ("left_arm", "right_arm", "arms", "left_leg", "right_leg",
// "head") and the SMPL joints of each.
const std::vector<std::pair<std::string, std::vector<int>>>& transfer_groups();

// Pose `b` with the local rotations of the joints of `group` taken from `c` (a leg moved puts the pose back
// on the floor).
pose::Pose transfer_limbs(const pose::Pose& b, const pose::Pose& c, const std::vector<int>& group);

// Adds `count` transfer pairs built from the poses of `split` to the corpus in memory: each starting pose is
// appended to `poses` (without captions, in no split, so the caption tasks never see it) and each pair to
// `pairs` with that split. Candidates that interpenetrate or whose change has no words are redrawn.
// Returns the pairs added (fewer than `count` only when the split has under two poses).
int add_transfer_pairs(Corpus& corpus, const std::string& split, int count, std::uint64_t seed, int instructions_per_pair = 3);

// The split's own pairs make way for `count` transfer pairs of its poses (evaluating editing on them); the
// other splits' pairs stay (the baselines use the training pairs). Returns the pairs added.
int replace_pairs_with_transfer_pairs(Corpus& corpus, const std::string& split, int count, std::uint64_t seed);

}  // namespace unipose::data
