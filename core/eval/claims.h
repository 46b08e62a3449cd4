// What a description says about the arms and legs, held against what the pose measurably is: raised or
// lowered arms, arms out to the side, hands above the head or higher than the other hand, bent or straight
// elbows and knees. The engine reports the claims that do not hold beside the model's description (so a
// wrong sentence is not shown as fact); tests hold the shipped model's descriptions to them. It reads the
// claims of English descriptions the way the caption pipeline and everyday phrasing make them; clauses it
// does not understand make no claim (docs/evaluation.md, "Claims").
#pragma once

#include <string>
#include <vector>

#include "core/pose/frame.h"
#include "core/pose/pose.h"

namespace unipose::eval {

enum class Limb { kArm, kLeg };

enum class LimbState {
  kRaised,           // arm: the hand above the shoulder
  kAboveHead,        // arm: the hand above the head
  kHigherThanOther,  // arm: the hand higher than the other hand
  kLowerThanOther,
  kLowered,          // arm: the hand below the shoulder
  kOutToTheSide,     // arm: the upper arm far from vertical
  kBent,             // elbow / knee
  kSlightlyBent,
  kRightAngle,
  kFullyBent,
  kStraight,
};

struct Claim {
  std::string clause;  // the words that make it, lower case
  Limb limb;
  int side;            // 0 left, 1 right (a claim about both sides is two claims)
  LimbState state;
  bool holds;
  std::string measured;  // what the pose shows: "the left elbow is bent to 92 degrees"
  std::string said() const;  // "the left arm is raised"
};

// The claims of a text about a pose (its own frame: heading removed), or about a pose's frame already made.
std::vector<Claim> check_description(const std::string& text, const pose::Pose& pose);
std::vector<Claim> check_description(const std::string& text, const pose::PoseFrame& frame);

// The claims that do not hold, each as "says the left arm is raised; the left hand is 0.41 m below the shoulder".
std::vector<std::string> contradictions(const std::vector<Claim>& claims);

}  // namespace unipose::eval
