// Pair-codes and instructions (PoseFix, re-implemented from the paper): what changes from pose A to pose B
// (joint angles, body-part positions, distances, torso inclination, head, global rotation, posture), binned
// and rendered as imperative instructions: "Bend your left knee more, then raise your right hand above your
// head." Deterministic for a seed; a mirrored pair gets the mirrored instruction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/pose/pose.h"

namespace unipose::text {

struct Paircode {
  std::string key;        // side-free: "angle:knee", "raise:hand", "super:kneel"...
  int side = -1;          // 0 left, 1 right, -1 none / both
  int direction = 0;      // +1 / -1 (straighten / bend, raise / lower, left / right...)
  int intensity = 1;      // 1 a bit, 2 clearly, 3 a lot
  double magnitude = 0;   // size of the change (degrees or metres), for ordering
  std::string target;     // what B reaches, when worth saying ("above your head", "together")
};

std::vector<Paircode> extract_paircodes(const pose::Pose& a, const pose::Pose& b);

// One instruction (up to `max_codes` changes, the largest first).
std::string instruct(const pose::Pose& a, const pose::Pose& b, std::uint64_t seed, int max_codes = 4);
std::vector<std::string> instruct(const pose::Pose& a, const pose::Pose& b, std::uint64_t seed, int count, int max_codes);
// The same from pair-codes already extracted (they do not depend on the seed).
std::string render_instruction(const std::vector<Paircode>& codes, std::uint64_t seed, int max_codes = 4);
std::vector<std::string> render_instructions(const std::vector<Paircode>& codes, std::uint64_t seed, int count, int max_codes);

}  // namespace unipose::text
