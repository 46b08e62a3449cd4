#include "core/text/phrases.h"

#include <cctype>

#include "core/error.h"

namespace unipose::text {
namespace {

using Words = std::vector<std::string>;

const std::string& pick(const Words& w, std::mt19937_64& rng) {
  return w[std::uniform_int_distribution<size_t>(0, w.size() - 1)(rng)];
}
bool coin(std::mt19937_64& rng, double p = 0.5) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }

bool both(Part p) { return p == Part::Arms || p == Part::Legs; }
std::string side_of(Part p) { return p == Part::LeftArm || p == Part::LeftLeg ? "left" : "right"; }

// "your left arm", "the left hand", "left arm"; "your arms", "both hands", "arms".
std::string arm_noun(Part p, bool hand_ok, std::mt19937_64& rng) {
  if (both(p)) return pick(hand_ok ? Words{"your arms", "both arms", "both your arms", "the arms", "your hands", "both hands", "arms", "hands"}
                                   : Words{"your arms", "both arms", "both your arms", "the arms", "arms"},
                           rng);
  const std::string s = side_of(p);
  return pick(hand_ok ? Words{"your " + s + " arm", "the " + s + " arm", s + " arm", "your " + s + " hand", "the " + s + " hand", s + " hand"}
                      : Words{"your " + s + " arm", "the " + s + " arm", s + " arm"},
              rng);
}

std::string leg_noun(Part p, std::mt19937_64& rng) {
  if (both(p)) return pick({"your legs", "both legs", "the legs", "legs"}, rng);
  const std::string s = side_of(p);
  return pick({"your " + s + " leg", "the " + s + " leg", s + " leg"}, rng);
}

std::string arm(Part p, const std::string& a, std::mt19937_64& rng) {
  const bool two = both(p);
  const std::string s = two ? "" : side_of(p);
  if (a == "up") {
    if (coin(rng, 0.25)) {
      if (two) return pick({"arms up", "hands up", "both arms up", "arms up high", "reach up", "reach for the sky", "reach up high",
                            "put your hands in the air", "hands in the air", "arms above your head", "arms overhead", "stretch your arms up"},
                           rng);
      return pick({s + " arm up", s + " hand up", s + " arm up high", "reach up with your " + s + " hand", s + " arm overhead",
                   "put your " + s + " hand in the air", "stick your " + s + " arm up"},
                  rng);
    }
    return pick({"raise", "lift", "put up", "bring up", "hold up", "stretch up", "reach up with", "throw up"}, rng) + " " + arm_noun(p, true, rng) +
           pick({"", " above your head", " over your head", " overhead", " up high", " straight up", " toward the ceiling", " up", " high",
                 " all the way up"},
                rng);
  }
  if (a == "out") {
    if (coin(rng, 0.25)) {
      if (two) return pick({"arms out", "arms out to the sides", "arms out wide", "spread your arms", "spread your arms wide",
                            "make a T with your arms", "open your arms wide", "arms straight out to the sides", "stretch your arms out sideways"},
                           rng);
      return pick({s + " arm out", s + " arm out to the side", "stick your " + s + " arm out to the side", s + " arm straight out"}, rng);
    }
    return pick({"hold out", "stretch out", "extend", "raise", "lift", "put out", "bring", "open"}, rng) + " " + arm_noun(p, false, rng) +
           (two ? pick({" to the sides", " out to the sides", " sideways", " straight out to the sides", " at shoulder height", " out to shoulder height",
                        " level with your shoulders", " out wide"},
                       rng)
                : pick({" to the side", " out to the side", " sideways", " straight out to the side", " at shoulder height", " out to shoulder height",
                        " level with your shoulder"},
                       rng));
  }
  if (a == "forward") {
    if (coin(rng, 0.25)) {
      if (two) return pick({"arms forward", "arms out in front", "reach forward", "reach out in front of you", "arms straight ahead",
                            "hold your arms out in front of you"},
                           rng);
      return pick({s + " arm forward", "point forward with your " + s + " hand", "reach forward with your " + s + " hand",
                   s + " arm out in front"},
                  rng);
    }
    return pick({"hold", "stretch", "extend", "raise", "reach", "point", "bring", "lift"}, rng) + " " + arm_noun(p, true, rng) +
           pick({" forward", " out in front of you", " in front of you", " straight ahead", " out in front", " forward at shoulder height"}, rng);
  }
  if (a == "down") {
    if (coin(rng, 0.3)) {
      if (two) return pick({"arms down", "hands down", "drop your arms", "let your arms hang", "put your arms down", "relax your arms",
                            "arms by your sides", "arms at your sides", "let your arms fall to your sides", "lower your arms"},
                           rng);
      return pick({s + " arm down", s + " hand down", "drop your " + s + " arm", "let your " + s + " arm hang",
                   "put your " + s + " arm down", "relax your " + s + " arm"},
                  rng);
    }
    return pick({"lower", "drop", "put down", "bring down", "let down", "relax"}, rng) + " " + arm_noun(p, true, rng) +
           (two ? pick({"", "", " to your sides", " by your sides", " down", " all the way down", " along your body"}, rng)
                : pick({"", "", " to your side", " by your side", " down", " all the way down", " along your body"}, rng));
  }
  if (a == "bend") {
    const std::string elbow = two ? pick({"your elbows", "both elbows", "the elbows", "elbows"}, rng)
                                  : pick({"your " + s + " elbow", "the " + s + " elbow", s + " elbow"}, rng);
    if (coin(rng, 0.35)) return pick({"bend", "flex", "fold", "bend up"}, rng) + " " + arm_noun(p, false, rng) + pick({"", " at the elbow", " at the elbows"}, rng);
    return pick({"bend", "flex", "bend up"}, rng) + " " + elbow + pick({"", "", " to a right angle", " ninety degrees", " halfway", " a lot"}, rng);
  }
  if (a == "straighten") {
    if (coin(rng, 0.25)) return two ? pick({"straight arms", "arms straight", "lock your elbows", "unbend your arms"}, rng)
                                    : pick({s + " arm straight", "lock your " + s + " elbow", "unbend your " + s + " arm"}, rng);
    return pick({"straighten", "extend", "fully extend", "stretch out", "unbend"}, rng) + " " +
           (coin(rng) ? arm_noun(p, false, rng) : (two ? pick({"your elbows", "both elbows"}, rng) : "your " + s + " elbow"));
  }
  if (a == "hip") {
    if (two && coin(rng, 0.3)) return pick({"hands on hips", "hands on your hips", "put your hands on your hips", "arms akimbo", "stand akimbo"}, rng);
    const std::string hands = two ? pick({"your hands", "both hands", "hands"}, rng) : pick({"your " + s + " hand", "the " + s + " hand", s + " hand"}, rng);
    const std::string hips = two ? pick({" on your hips", " on the hips", " on your waist"}, rng) : pick({" on your " + s + " hip", " on your hip", " on the " + s + " hip", " on your waist"}, rng);
    return pick({"put", "place", "rest", "set"}, rng) + " " + hands + hips;
  }
  if (a == "head") {
    if (two && coin(rng, 0.3)) return pick({"hands on head", "hands on your head", "hands behind your head", "put your hands behind your head"}, rng);
    const std::string hands = two ? pick({"your hands", "both hands", "hands"}, rng) : pick({"your " + s + " hand", "the " + s + " hand"}, rng);
    return pick({"put", "place", "rest", "lay"}, rng) + " " + hands + pick({" on your head", " on top of your head", " on your head", " behind your head"}, rng);
  }
  if (a == "cross") {
    return pick({"cross your arms", "fold your arms", "cross your arms over your chest", "fold your arms across your chest", "arms crossed",
                 "cross both arms in front of you", "fold your arms in front of you"},
                rng);
  }
  throw Error("no words for arms doing '" + a + "'");
}

std::string leg(Part p, const std::string& a, std::mt19937_64& rng) {
  const bool two = both(p);
  const std::string s = two ? "" : side_of(p);
  const std::string knee = two ? pick({"your knees", "both knees", "the knees", "knees"}, rng) : pick({"your " + s + " knee", "the " + s + " knee", s + " knee"}, rng);
  if (a == "bend") {
    if (two && coin(rng, 0.25)) return pick({"bend your knees", "bend your legs", "knees bent", "soften your knees", "bend at the knees", "flex your knees"}, rng);
    return pick({"bend", "flex"}, rng) + " " + (coin(rng) ? knee : leg_noun(p, rng)) + pick({"", "", " a lot", " deeply", " halfway", " to ninety degrees"}, rng);
  }
  if (a == "straighten") {
    if (two && coin(rng, 0.25)) return pick({"straighten your legs", "legs straight", "lock your knees", "straighten your knees", "stand on straight legs"}, rng);
    return pick({"straighten", "extend", "fully extend", "stretch out", "unbend"}, rng) + " " + (coin(rng) ? leg_noun(p, rng) : knee);
  }
  if (a == "knee_up") {
    return pick({"lift", "raise", "bring up", "pull up", "draw up"}, rng) + " " +
           pick({"your " + s + " knee", "the " + s + " knee", s + " knee", "your " + s + " leg with the knee bent"}, rng) +
           pick({"", "", " high", " up", " toward your chest", " to hip height", " in front of you"}, rng);
  }
  if (a == "kick") {
    if (coin(rng, 0.3)) return pick({"kick forward with your " + s + " leg", "kick your " + s + " leg out", s + " leg straight out in front", "kick with the " + s + " foot"}, rng);
    return pick({"raise", "lift", "swing", "extend", "kick"}, rng) + " " + pick({"your " + s + " leg", "the " + s + " leg", "your straight " + s + " leg"}, rng) +
           pick({" forward", " straight forward", " in front of you", " out in front", " straight out in front of you"}, rng);
  }
  if (a == "side") {
    return pick({"raise", "lift", "swing", "extend", "move"}, rng) + " " + pick({"your " + s + " leg", "the " + s + " leg", s + " leg"}, rng) +
           pick({" to the side", " out to the side", " sideways", " out sideways"}, rng);
  }
  if (a == "step_forward") {
    return pick({"step forward with your " + s + " foot", "take a step forward with your " + s + " leg", "put your " + s + " foot forward",
                 "step your " + s + " foot forward", s + " foot forward", "take a big step forward with the " + s + " leg", "lunge forward with your " + s + " leg"},
                rng);
  }
  if (a == "step_back") {
    return pick({"step back with your " + s + " foot", "take a step back with your " + s + " leg", "put your " + s + " foot back",
                 "step your " + s + " foot back", s + " foot back", "move your " + s + " foot behind you"},
                rng);
  }
  if (a == "apart") {
    return pick({"spread your legs", "step your feet apart", "widen your stance", "feet wide apart", "legs apart", "spread your feet wide",
                 "stand with your feet wide apart", "open your legs", "take a wide stance"},
                rng);
  }
  if (a == "together") {
    return pick({"put your feet together", "bring your legs together", "feet together", "legs together", "close your legs", "bring your feet together",
                 "stand with your feet together"},
                rng);
  }
  throw Error("no words for legs doing '" + a + "'");
}

std::string head(const std::string& a, std::mt19937_64& rng) {
  if (a == "left" || a == "right")
    return pick({"turn your head to the " + a, "look " + a, "look to the " + a, "look to your " + a, "look over your " + a + " shoulder",
                 "turn your face to the " + a, "head to the " + a, "glance " + a},
                rng);
  if (a == "up") return pick({"look up", "tilt your head back", "raise your chin", "look at the ceiling", "lift your head", "chin up", "look upward"}, rng);
  if (a == "down") return pick({"look down", "lower your head", "drop your chin", "look at the floor", "bow your head", "tuck your chin", "head down"}, rng);
  throw Error("no words for the head doing '" + a + "'");
}

std::string torso(const std::string& a, std::mt19937_64& rng) {
  if (a == "forward") return pick({"lean forward", "bend forward", "bend over", "bow", "tip forward", "fold forward", "lean over", "bend forward at the waist"}, rng);
  if (a == "back") return pick({"lean back", "lean backward", "arch your back", "bend backward", "tilt back", "lean your upper body back"}, rng);
  if (a == "left" || a == "right")
    return pick({"lean to the " + a, "lean " + a, "bend to the " + a, "bend sideways to the " + a, "tilt your body to the " + a, "side bend to the " + a}, rng);
  if (a == "twist_left" || a == "twist_right") {
    const std::string s = a == "twist_left" ? "left" : "right";
    return pick({"twist to the " + s, "turn your upper body to the " + s, "rotate your torso to the " + s, "twist your waist to the " + s,
                 "turn your shoulders to the " + s, "twist " + s},
                rng);
  }
  throw Error("no words for the torso doing '" + a + "'");
}

std::string body(const std::string& a, std::mt19937_64& rng) {
  if (a == "squat")
    return pick({"squat", "squat down", "crouch", "crouch down", "get down low", "go into a squat", "do a squat", "drop into a squat", "squat low",
                 "bend your knees and sink down", "hunker down", "get low", "sit back into a squat", "lower yourself into a squat"},
                rng);
  if (a == "kneel")
    return pick({"kneel", "kneel down", "get down on one knee", "go down on one knee", "drop to one knee", "take a knee", "kneel on one knee",
                 "kneel down on one knee"},
                rng);
  if (a == "kneel_both")
    return pick({"kneel on both knees", "get on your knees", "go down on your knees", "drop to your knees", "kneel down on both knees", "knees on the floor"}, rng);
  if (a == "sit")
    return pick({"sit", "sit down", "take a seat", "sit on a chair", "have a seat", "sit as if on a chair", "sit down on a chair", "be seated",
                 "sit on a stool", "sit like you are on a chair"},
                rng);
  if (a == "sit_floor")
    return pick({"sit on the floor", "sit on the ground", "sit down on the floor", "get down and sit on the ground", "sit down on the ground",
                 "take a seat on the floor"},
                rng);
  if (a == "cross_legged")
    return pick({"sit cross-legged", "sit with your legs crossed", "sit cross legged on the floor", "sit on the floor with crossed legs",
                 "sit in a cross-legged position"},
                rng);
  if (a == "lie_back")
    return pick({"lie down", "lie on your back", "lie flat on your back", "lie down face up", "lay on your back", "lie down on your back",
                 "lie face up", "lay down flat", "lie back"},
                rng);
  if (a == "lie_front")
    return pick({"lie on your stomach", "lie face down", "lie on your front", "lie down on your belly", "lay face down", "lie prone"}, rng);
  if (a == "lie_side") return pick({"lie on your side", "lie down on your side", "lay on your side", "roll onto your side"}, rng);
  if (a == "stand")
    return pick({"stand up", "get up", "stand", "rise", "stand up straight", "get back on your feet", "come up to standing", "stand tall",
                 "get up on your feet", "stand upright", "return to standing"},
                rng);
  throw Error("no words for the body doing '" + a + "'");
}

std::string capitalised(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

}  // namespace

const std::vector<std::string>& actions_of(Part part) {
  static const std::vector<std::string> arm = {"up", "out", "forward", "down", "bend", "straighten", "hip", "head"};
  static const std::vector<std::string> arms = {"up", "out", "forward", "down", "bend", "straighten", "hip", "head", "cross"};
  static const std::vector<std::string> leg = {"bend", "straighten", "knee_up", "kick", "side", "step_forward", "step_back"};
  static const std::vector<std::string> legs = {"bend", "straighten", "apart", "together"};
  static const std::vector<std::string> head_actions = {"left", "right", "up", "down"};
  static const std::vector<std::string> torso_actions = {"forward", "back", "left", "right", "twist_left", "twist_right"};
  static const std::vector<std::string> body_actions = {"squat", "kneel", "kneel_both", "sit", "sit_floor", "cross_legged", "lie_back", "lie_front",
                                                        "lie_side", "stand"};
  switch (part) {
    case Part::LeftArm:
    case Part::RightArm: return arm;
    case Part::Arms: return arms;
    case Part::LeftLeg:
    case Part::RightLeg: return leg;
    case Part::Legs: return legs;
    case Part::Head: return head_actions;
    case Part::Torso: return torso_actions;
    case Part::Body: return body_actions;
  }
  return body_actions;
}

std::string say_change(const Change& c, std::mt19937_64& rng) {
  switch (c.part) {
    case Part::LeftArm:
    case Part::RightArm:
    case Part::Arms: return arm(c.part, c.action, rng);
    case Part::LeftLeg:
    case Part::RightLeg:
    case Part::Legs: return leg(c.part, c.action, rng);
    case Part::Head: return head(c.action, rng);
    case Part::Torso: return torso(c.action, rng);
    case Part::Body: return body(c.action, rng);
  }
  throw Error("no words for this change");
}

std::string say_changes(const std::vector<Change>& changes, std::mt19937_64& rng) {
  if (changes.empty()) throw Error("no change to say");
  std::string out = say_change(changes[0], rng);
  for (size_t i = 1; i < changes.size(); ++i)
    out += pick({" and ", ", then ", " and then ", ", ", ". Then ", " and also "}, rng) + say_change(changes[i], rng);
  // How people type: sometimes a polite or chatty opening, a capital, a full stop.
  static const Words openings = {"", "", "", "", "", "please ", "now ", "can you ", "could you ", "go ahead and ", "I want you to ", "try to ",
                                 "ok, ", "next, ", "slowly "};
  static const Words endings = {"", "", "", "", " please", " now", " for me"};
  const std::string opening = pick(openings, rng);
  out = opening + out + (opening == "please " ? "" : pick(endings, rng));
  if (coin(rng, 0.6)) out = capitalised(out);
  if (out.rfind("can you ", 0) == 0 || out.rfind("Can you ", 0) == 0 || out.rfind("could you ", 0) == 0 || out.rfind("Could you ", 0) == 0)
    return out + pick({"?", "", "?"}, rng);
  return out + pick({".", "", ".", "!"}, rng);
}

const std::vector<std::string>& described_postures() {
  static const std::vector<std::string> p = {"standing", "walking", "running", "jumping", "sitting_chair", "sitting_floor", "cross_legged",
                                             "kneeling", "squatting", "crouching", "lying_back", "lying_front", "lying_side", "bending_forward",
                                             "lunge_left", "lunge_right", "one_leg_left", "one_leg_right", "leg_side_left", "leg_side_right",
                                             "lean_back", "lean_left", "lean_right"};
  return p;
}

std::string say_pose(const std::string& posture, const std::vector<Change>& arms, std::mt19937_64& rng) {
  // The posture as a participle ("squatting") for "a person squatting", and as a clause for "a person is ...".
  // A sided posture ends in its side: lunge_left has the left leg forward, one_leg_left the left knee raised,
  // kneeling_left the left knee down.
  std::string doing, ps, po;  // the posture's side and the other side
  auto sided = [&](const std::string& stem) {
    if (posture.rfind(stem, 0) != 0) return false;
    ps = posture.substr(stem.size());
    if (ps != "left" && ps != "right") return false;
    po = ps == "left" ? "right" : "left";
    return true;
  };
  if (posture == "standing") doing = pick({"standing", "standing upright", "standing straight", "standing up", "on their feet"}, rng);
  else if (posture == "walking") doing = pick({"walking", "mid-stride", "taking a step", "walking forward", "striding"}, rng);
  else if (posture == "running") doing = pick({"running", "jogging", "sprinting", "running forward", "in a running stride"}, rng);
  else if (posture == "jumping") doing = pick({"jumping", "in mid-air", "leaping", "jumping up", "in the middle of a jump"}, rng);
  else if (posture == "sitting_chair") doing = pick({"sitting", "seated", "sitting on a chair", "sitting on a stool", "sitting down", "sitting upright on a chair"}, rng);
  else if (posture == "sitting_floor") doing = pick({"sitting on the floor", "sitting on the ground", "seated on the floor", "sitting down on the ground"}, rng);
  else if (posture == "cross_legged") doing = pick({"sitting cross-legged", "sitting with legs crossed", "sitting cross legged on the floor", "sitting with crossed legs"}, rng);
  else if (posture == "kneeling") doing = pick({"kneeling", "kneeling down", "on one knee", "down on one knee", "kneeling on the floor", "on their knees"}, rng);
  else if (posture == "squatting") doing = pick({"squatting", "in a squat", "squatting down", "crouching down low", "in a deep squat", "squatting low"}, rng);
  else if (posture == "crouching") doing = pick({"crouching", "crouched", "crouching down", "in a crouch", "hunched down low"}, rng);
  else if (posture == "lying_back") doing = pick({"lying on their back", "lying face up", "lying down on the back", "lying flat on the back", "lying down", "flat on their back"}, rng);
  else if (posture == "lying_front") doing = pick({"lying face down", "lying on their stomach", "lying prone", "lying on their front", "lying on the belly"}, rng);
  else if (posture == "lying_side") doing = pick({"lying on their side", "lying on one side", "lying sideways"}, rng);
  else if (posture == "bending_forward") doing = pick({"bending forward", "bent over", "leaning forward", "bowing", "bending down", "bent forward at the waist"}, rng);
  else if (posture == "sitting_floor_straight")
    doing = pick({"sitting on the floor with straight legs", "sitting on the ground with the legs stretched out in front", "seated on the floor, legs out straight",
                  "sitting with the legs extended on the floor", "sitting on the floor, legs straight ahead", "sitting on the ground with outstretched legs"},
                 rng);
  else if (sided("kneeling_"))
    doing = pick({"kneeling on the " + ps + " knee", "down on the " + ps + " knee", "kneeling with the " + ps + " knee on the floor", "on one knee, the " + ps + " one down",
                  "kneeling on one knee", "kneeling down on the " + ps + " knee"},
                 rng);
  else if (sided("lunge_"))
    doing = pick({"in a lunge with the " + ps + " leg forward", "lunging forward on the " + ps + " leg", "in a forward lunge, " + ps + " foot in front", "in a lunge",
                  "lunging with the " + ps + " knee bent in front", "stepping into a deep lunge with the " + ps + " leg", "in a deep lunge", "lunging forward"},
                 rng);
  else if (sided("one_leg_"))
    doing = pick({"standing on one leg", "balancing on the " + po + " leg", "standing on the " + po + " foot with the " + ps + " knee raised",
                  "on one leg with the " + ps + " knee up", "balancing on one foot", "standing on the " + po + " leg, " + ps + " knee lifted",
                  "standing on one foot, the " + ps + " knee pulled up"},
                 rng);
  else if (sided("leg_side_"))
    doing = pick({"standing with the " + ps + " leg out to the side", "standing with the " + ps + " leg raised sideways", "lifting the " + ps + " leg out to the side",
                  "with the " + ps + " leg stretched out sideways", "standing on the " + po + " leg, the " + ps + " leg out to the side"},
                 rng);
  else if (posture == "lean_back")
    doing = pick({"leaning back", "leaning backwards", "arching backwards", "bending backward", "standing with the upper body tilted back", "leaning back at the waist"}, rng);
  else if (sided("lean_"))
    doing = pick({"leaning to the " + ps, "bending sideways to the " + ps, "tilting to the " + ps + " side", "leaning over to the " + ps, "leaning " + ps,
                  "standing bent to the " + ps},
                 rng);
  else throw Error("no words for the posture '" + posture + "'");
  // Whole-pose names people use: a T-pose, a boxing stance.
  const bool standing = posture == "standing";
  bool named = false;
  if (standing && arms.size() == 1 && arms[0].part == Part::Arms && arms[0].action == "out" && (named = coin(rng, 0.4)))
    doing = pick({"in a T-pose", "standing in a T-pose", "in a T pose", "doing a T-pose", "standing in a T shape", "making a T with the arms"}, rng);
  else if (standing && arms.size() == 1 && arms[0].part == Part::Arms && arms[0].action == "guard" && (named = coin(rng, 0.4)))
    doing = pick({"in a boxing stance", "in a fighting stance", "standing like a boxer", "in a boxer's guard", "squared up like a fighter"}, rng);
  std::string with;
  for (const auto& c : arms) {
    if (named) break;
    const bool two = c.part == Part::Arms;
    const std::string s = two ? "" : side_of(c.part);
    std::string phrase;
    if (c.action == "up") phrase = two ? pick({"arms raised", "both arms up", "arms overhead", "hands up in the air", "arms up high", "arms above the head"}, rng)
                                       : pick({"the " + s + " arm raised", s + " arm up", "the " + s + " hand above the head", "one arm up"}, rng);
    else if (c.action == "out") phrase = two ? pick({"arms out to the sides", "arms spread wide", "arms outstretched", "arms held out sideways", "arms in a T"}, rng)
                                             : pick({"the " + s + " arm out to the side", s + " arm stretched out sideways", "the " + s + " arm pointing to the " + s,
                                                     "the " + s + " hand pointing off to the " + s + " side"},
                                                    rng);
    else if (c.action == "forward") phrase = two ? pick({"arms forward", "arms out in front", "arms reaching forward", "arms stretched ahead"}, rng)
                                                 : pick({"the " + s + " arm forward", s + " arm reaching forward", "the " + s + " hand pointing ahead",
                                                         "the " + s + " arm pointing forward", "the " + s + " index finger pointing straight ahead"},
                                                        rng);
    else if (c.action == "down") phrase = two ? pick({"arms down", "arms at the sides", "arms hanging", "arms by the sides", "arms relaxed"}, rng)
                                              : pick({"the " + s + " arm down", s + " arm hanging"}, rng);
    else if (c.action == "hip") phrase = two ? pick({"hands on hips", "hands on the hips", "arms akimbo"}, rng) : pick({"one hand on the hip", "the " + s + " hand on the hip"}, rng);
    else if (c.action == "head") phrase = two ? pick({"hands on the head", "hands behind the head"}, rng) : pick({"one hand on the head", "the " + s + " hand on the head"}, rng);
    else if (c.action == "cross") phrase = pick({"arms crossed", "arms folded", "folded arms", "crossed arms"}, rng);
    else if (c.action == "wave" && !two)
      phrase = pick({"the " + s + " hand up in a wave", s + " hand raised, waving", "the " + s + " hand waving hello", "the " + s + " arm up and bent, waving",
                     "a wave of the " + s + " hand"},
                    rng);
    else if (c.action == "guard" && two)
      phrase = pick({"fists up", "both fists raised in front of the face", "the hands up in a boxing guard", "fists up by the chin", "hands up, guarding the face"}, rng);
    else throw Error("no words for arms doing '" + c.action + "' in a description");
    with += (with.empty() ? "" : " and ") + phrase;
  }
  const std::string subject = pick({"a person", "someone", "a man", "a woman", "the person", "a figure", "a guy", "a girl", "a character", "somebody"}, rng);
  std::string out;
  const double r = std::uniform_real_distribution<double>(0, 1)(rng);
  if (r < 0.45) out = subject + " " + doing;
  else if (r < 0.7) out = subject + pick({" who is ", " is "}, rng) + doing;
  else out = doing;
  if (!with.empty()) out += pick({" with ", " with ", ", "}, rng) + with;
  if (coin(rng, 0.6)) out = capitalised(out);
  return out + pick({"", ".", ""}, rng);
}

}  // namespace unipose::text
