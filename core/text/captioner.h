// Automatic pose descriptions (PoseScript's captioning pipeline, re-implemented from the paper): posecodes
// are selected (about 15% of the common ones skipped), aggregated (codes implied by a super-posecode or by
// another code dropped, left and right merged, upper and lower limb merged into arm or leg) and rendered
// with varied sentence templates. Deterministic for a seed; a mirrored pose gets the mirrored caption.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/pose/pose.h"
#include "core/text/posecodes.h"

namespace unipose::text {

// One caption.
std::string describe_pose(const pose::Pose& pose, std::uint64_t seed);
// `count` captions from seeds seed, seed+1, ...; duplicates are replaced by further seeds where possible.
std::vector<std::string> describe_pose(const pose::Pose& pose, std::uint64_t seed, int count);

// The aggregated codes a caption is rendered from (for tests and tools).
std::vector<Posecode> select_and_aggregate(const std::vector<Posecode>& codes, std::uint64_t seed);

// Deterministic choice in [0, n) from a seed and a key.
std::size_t pick(std::uint64_t seed, const std::string& key, std::size_t n);

}  // namespace unipose::text
