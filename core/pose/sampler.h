// Procedural pose sampler: posture families (standing, walking, sitting, kneeling, lying, reaching, sports,
// yoga...) with correlated, joint-limit-respecting variation, placed on the floor, with a body-part
// collision check (capsules) that rejects self-intersections deeper than a set tolerance.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/pose/pose.h"

namespace unipose::pose {

// Deepest allowed interpenetration of two non-adjacent body capsules, metres.
inline constexpr double kMaxPenetration = 0.03;

struct SampledPose {
  Pose pose;
  std::string family;      // e.g. "sitting_chair"
  double penetration = 0;  // deepest capsule interpenetration of the accepted sample, metres
};

// Names of the posture families, in sampling order.
const std::vector<std::string>& posture_families();

class PoseSampler {
 public:
  explicit PoseSampler(std::uint64_t seed);
  // One pose of a random family (families weighted towards everyday postures).
  SampledPose sample();
  // One pose of the named family; throws Error for an unknown name.
  SampledPose sample(const std::string& family);
  // Samples rejected for self-intersection so far.
  std::int64_t rejected() const { return rejected_; }

 private:
  std::mt19937_64 rng_;
  std::int64_t rejected_ = 0;
};

// Deepest interpenetration (metres, 0 if none) between non-adjacent body capsules of a pose on the
// mannequin skeleton.
double self_penetration(const Pose& pose);

}  // namespace unipose::pose
