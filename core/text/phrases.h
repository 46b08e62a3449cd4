// How people say a change of pose, or a pose, in their own words: a paraphrase grammar for training text.
// One change (a body part and what it should do) has many verbs, word orders, short and long forms and
// politeness ("lift your left arm over your head", "left arm up", "could you raise the left hand up high");
// compounds join two changes. A pose is said as a person would describe it in one line ("someone squatting
// with the arms out in front"). The wordings are this grammar's own, written from everyday English.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace unipose::text {

enum class Part { LeftArm, RightArm, Arms, LeftLeg, RightLeg, Legs, Head, Torso, Body };

// What a part should do. Arms: up, out, forward, down, bend, straighten, hip (hand on the hip), head (hand on
// the head), cross (Arms only). Legs: bend, straighten, knee_up, kick (straight leg forward), side, step_forward,
// step_back, apart and together (Legs only). Head: left, right, up, down. Torso: forward, back, left, right,
// twist_left, twist_right. Body: squat, kneel, kneel_both, sit, sit_floor, cross_legged, lie_back, lie_front,
// lie_side, stand.
struct Change {
  Part part;
  std::string action;
};

// The actions a part can be asked for (the list above).
const std::vector<std::string>& actions_of(Part part);

// One instruction for a change; several changes joined as one instruction ("..., then ...").
std::string say_change(const Change& change, std::mt19937_64& rng);
std::string say_changes(const std::vector<Change>& changes, std::mt19937_64& rng);

// A one-line description of a pose: its posture (a pose sampler family: standing, squatting, kneeling,
// sitting_chair, ...; or a posture of data/targeted.h with its side: lunge_left (left leg forward),
// one_leg_left (left knee raised), leg_side_left, lean_back, lean_left; or a measured variant: kneeling_left
// (left knee down), sitting_floor_straight) and what its arms do (Arms/LeftArm/RightArm changes: up, out,
// forward, down, hip, head, cross; wave with one arm, guard with both). Standing with both arms out is at
// times called a T-pose, standing with both fists up a boxing stance.
std::string say_pose(const std::string& posture, const std::vector<Change>& arms, std::mt19937_64& rng);

// The postures a described pose is drawn from (say_pose also knows the measured variants).
const std::vector<std::string>& described_postures();

}  // namespace unipose::text
