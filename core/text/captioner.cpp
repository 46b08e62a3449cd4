#include "core/text/captioner.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace unipose::text {
namespace {

using Phrases = std::vector<std::string>;

bool has(const std::vector<Posecode>& codes, const std::string& key, int side = -2) {
  for (const auto& c : codes)
    if (c.key == key && (side == -2 || c.side == side || c.side == -1)) return true;
  return false;
}

void drop(std::vector<Posecode>& codes, const std::string& key, int side = -2) {
  codes.erase(std::remove_if(codes.begin(), codes.end(),
                             [&](const Posecode& c) { return c.key == key && (side == -2 || c.side == side || side == -1); }),
              codes.end());
}

std::string side_word(int side) { return side == 0 ? "left" : side == 1 ? "right" : ""; }

// Subject for a part on a side; side -1 after merging means both sides (plural).
std::string subject(const std::string& part, int side, std::uint64_t seed, const std::string& key) {
  if (side < 0) {
    static const Phrases both = {"both %ss", "the %ss", "the two %ss"};
    std::string t = both[pick(seed, key + "both", both.size())];
    return t.replace(t.find("%s"), 2, part);
  }
  static const Phrases one = {"the %s", "their %s", "the %s", "the person's %s"};
  std::string t = one[pick(seed, key + "one", one.size())];
  return t.replace(t.find("%s"), 2, side_word(side) + " " + part);
}

std::string plural_verbs(std::string s) {
  // Only the templates' own verbs: "is" -> "are", "rests" -> "rest", ...
  for (const auto& [from, to] : std::initializer_list<std::pair<const char*, const char*>>{
           {"is ", "are "}, {"forms ", "form "}, {"rests ", "rest "}, {"touches ", "touch "}, {"points ", "point "},
           {"hangs ", "hang "}, {"stays ", "stay "}})
    if (s.rfind(from, 0) == 0) return to + s.substr(std::strlen(from));
  return s;
}

// Phrase tables: predicate variants per code and category. A code whose (key, category) has no entry is
// not told (it says nothing a reader would notice).
const std::map<std::string, std::map<int, Phrases>>& predicates() {
  static const std::map<std::string, std::map<int, Phrases>> t = {
      {"angle:knee", {{0, {"is completely bent", "is bent all the way", "is tightly folded", "is fully flexed"}},
                      {1, {"is sharply bent", "is deeply bent", "is bent past ninety degrees", "is strongly flexed"}},
                      {2, {"is bent at about ninety degrees", "forms an L shape", "is bent at a square angle", "is bent to roughly ninety degrees"}},
                      {3, {"is partly bent", "is half bent", "is bent a fair amount", "is moderately bent"}},
                      {4, {"is slightly bent", "is a little bent", "is almost straight", "is relaxed and barely bent"}},
                      {5, {"is straight", "is fully extended", "is kept straight", "is locked straight"}}}},
      {"angle:elbow", {{0, {"is completely bent", "is bent all the way", "is tightly folded"}},
                       {1, {"is sharply bent", "is deeply bent", "is bent past ninety degrees"}},
                       {2, {"is bent at about ninety degrees", "forms an L shape", "is bent at a square angle"}},
                       {3, {"is partly bent", "is half bent", "is bent a fair amount"}},
                       {4, {"is slightly bent", "is a little bent", "is almost straight"}},
                       {5, {"is straight", "is fully extended", "is kept straight"}}}},
      {"vertical:upper-arm", {{0, {"is vertical", "is upright", "points straight up or down"}}, {1, {"is horizontal", "is level", "is parallel to the ground"}}}},
      {"vertical:forearm", {{0, {"is vertical", "is upright", "points straight up or down"}}, {1, {"is horizontal", "is level", "is parallel to the ground"}}}},
      {"vertical:thigh", {{0, {"is vertical", "is upright"}}, {1, {"is horizontal", "is parallel to the ground", "is level"}}}},
      {"vertical:shin", {{0, {"is vertical", "is upright"}}, {1, {"is horizontal", "is parallel to the ground", "is level"}}}},
      {"vertical:arm", {{0, {"is vertical", "is held vertically"}}, {1, {"is horizontal", "is stretched out level", "is parallel to the ground"}}}},
      {"vertical:leg", {{0, {"is vertical", "is upright"}}, {1, {"is horizontal", "is stretched out level", "is parallel to the ground"}}}},
      {"vertical:torso", {{0, {"is upright", "is vertical", "is held upright", "stays upright"}}}},
      {"ground:knee", {{0, {"is on the ground", "touches the floor", "rests on the ground", "is planted on the floor"}}}},
      {"ground:hand", {{0, {"touches the ground", "is on the floor", "rests on the ground"}}}},
      {"ground:elbow", {{0, {"touches the ground", "is on the floor", "rests on the ground"}}}},
      {"distance:hand-head", {{0, {"is close to the head", "is near the head", "is next to the head"}}}},
      {"distance:hand-hip", {{0, {"is close to the hip", "is near the hip", "is by the hip"}}}},
      {"distance:hand-other-shoulder", {{0, {"is near the opposite shoulder", "is close to the other shoulder"}}}},
      {"distance:hand-knee", {{0, {"is close to the knee", "is near the knee", "rests near the knee"}}}},
      {"distance:hand-foot", {{0, {"is close to the foot", "is near the foot", "reaches the foot"}}}},
      {"above:hand-head", {{4, {"is above the head", "is raised above the head", "is held higher than the head"}}}},
      {"above:hand-shoulder", {{4, {"is above the shoulder", "is raised higher than the shoulder", "is lifted above shoulder height"}}}},
      {"above:knee-hip", {{4, {"is higher than the hip", "is raised above hip level"}}, {2, {"is at hip height", "is level with the hip"}}}},
      {"infront:hand-torso", {{4, {"is in front of the body", "is held out in front", "is in front of the torso"}}, {0, {"is behind the back", "is held behind the body"}}}},
  };
  return t;
}

// The part a code's subject names.
std::string part_of(const Posecode& c) {
  const std::string k = c.key.substr(c.key.find(':') + 1);
  if (k == "knee" && c.kind == CodeKind::kAngle) return "knee";
  if (k == "elbow" && c.kind == CodeKind::kAngle) return "elbow";
  if (k.rfind("hand", 0) == 0) return "hand";
  if (k == "knee-hip") return "knee";
  if (k == "upper-arm") return "upper arm";
  return k;
}

// Sentences about the whole body (posture); the others are clauses about a part.
const std::map<std::string, Phrases>& postures() {
  static const std::map<std::string, Phrases> t = {
      {"super:lying-back", {"lying on the back", "lying face up", "lying flat on the back"}},
      {"super:lying-front", {"lying face down", "lying on the stomach", "lying on the front"}},
      {"super:lying-side-left", {"lying on the left side"}},
      {"super:lying-side-right", {"lying on the right side"}},
      {"super:torso-horizontal", {"bent over with the torso parallel to the ground", "bending over so the torso is horizontal"}},
      {"super:kneeling-both", {"kneeling on both knees", "down on both knees", "kneeling"}},
      {"super:sitting-ground", {"sitting on the ground", "seated on the floor", "sitting on the floor"}},
      {"super:squatting", {"squatting", "crouched down low", "in a deep squat", "squatting down"}},
      {"super:standing-straight", {"standing straight", "standing upright", "standing tall", "standing erect"}},
      {"super:sitting", {"sitting", "seated", "sitting as if on a chair"}},
  };
  return t;
}

// A side-free name of a code: template choices keyed on it come out the same for a code and its mirror twin.
std::string choice_key(const Posecode& c) {
  // Codes whose category says a direction (left hand higher, leaning right) flip category under mirroring.
  const bool directional = c.key == "above:hands" || c.key == "above:feet" || c.key == "infront:feet" ||
                           c.key == "infront:knees" || c.kind == CodeKind::kLean || c.kind == CodeKind::kTwist ||
                           c.key == "head:head-turn" || c.key == "head:head-tilt";
  const int category = directional ? std::min(c.category, 4 - c.category) : c.category;
  return c.key + ":" + std::to_string(category) + (c.side < 0 ? ":both" : ":one");
}

std::string clause(const Posecode& c, std::uint64_t seed) {
  const std::string ck = choice_key(c);
  auto choose = [&](const Phrases& p, const std::string& salt = "") { return p[pick(seed, ck + salt, p.size())]; };
  const int cat = c.category;
  if (c.kind == CodeKind::kSuper) {
    const std::string k = c.key;
    const std::string sd = side_word(c.side);
    if (k == "super:kneeling") return choose({"kneeling on the " + sd + " knee", "down on the " + sd + " knee"});
    if (k == "super:arms-crossed") return choose({"the arms are crossed", "the arms are folded across the chest", "both arms are crossed in front of the body"});
    if (k == "super:hands-together") return choose({"the hands are together", "the hands touch each other", "the hands are joined"});
    if (k == "super:arms-spread") return choose({"the arms are spread out to the sides", "the arms are stretched out horizontally", "both arms are held out wide"});
    if (k == "super:hand-on-hip")
      return c.side < 0 ? choose({"both hands are on the hips", "the hands rest on the hips"})
                        : subject("hand", c.side, seed, ck) + " " + choose({"is on the hip", "rests on the hip", "is placed on the hip"});
    if (k == "super:hand-on-head")
      return c.side < 0 ? choose({"both hands are on the head", "the hands rest on the head"})
                        : subject("hand", c.side, seed, ck) + " " + choose({"is on the head", "rests on the head", "touches the head"});
    if (k == "super:foot-lifted")
      return choose({"the " + sd + " foot is lifted off the ground", "the " + sd + " foot is raised",
                     "the " + side_word(1 - c.side) + " foot carries the weight while the " + sd + " one is off the ground"});
    return "";
  }
  if (c.kind == CodeKind::kDistance && (c.key == "distance:hands" || c.key == "distance:elbows" || c.key == "distance:knees" ||
                                        c.key == "distance:feet")) {
    const std::string what = "the " + c.key.substr(9);
    static const std::map<int, Phrases> d = {{0, {"are close together", "are almost touching", "are near each other"}},
                                            {1, {"are about shoulder width apart", "are shoulder width apart"}},
                                            {2, {"are spread apart", "are set apart"}},
                                            {3, {"are wide apart", "are very far apart"}}};
    return what + " " + choose(d.at(cat));
  }
  if (c.kind == CodeKind::kAbove && (c.key == "above:hands" || c.key == "above:feet")) {
    const std::string part = c.key == "above:hands" ? "hand" : "foot";
    if (cat == 2) return "";  // level hands or feet is the ordinary case
    const std::string hi = cat == 4 ? "left" : "right", lo = cat == 4 ? "right" : "left";
    return choose({"the " + hi + " " + part + " is higher than the " + lo + " one", "the " + hi + " " + part + " is raised higher than the " + lo + " " + part});
  }
  if (c.kind == CodeKind::kAbove && c.key == "above:foot-knee") {
    // Merged for both sides (a body upside down, or both feet swung high): no side to name.
    if (c.side < 0) return choose({"both feet are raised above the knees", "the feet are higher than the knees"});
    const std::string sd = side_word(c.side), other = side_word(1 - c.side);
    return choose({"the " + sd + " foot is raised above the " + other + " knee", "the " + sd + " foot is lifted higher than the " + other + " knee"});
  }
  if (c.kind == CodeKind::kLeftOf)
    return c.key == "leftof:hands" ? choose({"the hands cross, the left hand on the right side", "the left hand is to the right of the right hand"})
                                   : choose({"the legs are crossed, the left foot on the right side", "the left foot is to the right of the right foot"});
  if (c.kind == CodeKind::kInFront && (c.key == "infront:feet" || c.key == "infront:knees")) {
    const std::string part = c.key == "infront:feet" ? "foot" : "knee";
    const std::string a = cat == 4 ? "left" : "right", b = cat == 4 ? "right" : "left";
    if (cat == 2) return "";
    return choose({"the " + a + " " + part + " is in front of the " + b + " one", "the " + a + " " + part + " is ahead of the " + b + " " + part});
  }
  if (c.kind == CodeKind::kGround && c.side < 0 && (c.key == "ground:hips" || c.key == "ground:head" || c.key == "ground:back")) {
    if (c.key == "ground:hips") return choose({"the hips rest on the ground", "the buttocks are on the floor"});
    if (c.key == "ground:head") return choose({"the head rests on the ground", "the head touches the floor"});
    return choose({"the back is on the ground", "the back touches the floor"});
  }
  if (c.kind == CodeKind::kPitch) {
    static const std::map<int, Phrases> p = {{0, {"the torso is bent far backwards", "the upper body arches far back"}},
                                            {1, {"the torso leans back a little", "the upper body leans slightly backwards"}},
                                            {3, {"the torso leans forward", "the upper body bends slightly forward"}},
                                            {4, {"the torso is bent over forward", "the upper body bends far forward"}}};
    return choose(p.at(cat));
  }
  if (c.kind == CodeKind::kLean) {
    const std::string dir = cat <= 1 ? "right" : "left";
    return choose({std::string(cat == 0 || cat == 4 ? "the torso leans strongly to the " : "the torso leans slightly to the ") + dir,
                   std::string(cat == 0 || cat == 4 ? "the upper body tilts far to the " : "the upper body tilts a little to the ") + dir});
  }
  if (c.kind == CodeKind::kTwist) {
    const std::string dir = cat <= 1 ? "right" : "left";
    return choose({std::string(cat == 0 || cat == 4 ? "the torso is turned strongly to the " : "the torso is turned slightly to the ") + dir,
                   std::string(cat == 0 || cat == 4 ? "the shoulders are twisted far to the " : "the shoulders are twisted a little to the ") + dir});
  }
  if (c.kind == CodeKind::kHead) {
    if (c.key == "head:head-pitch") {
      static const std::map<int, Phrases> p = {{0, {"the head is tilted far back", "the person looks up at the sky"}},
                                              {1, {"the head is tilted up", "the person looks slightly upwards"}},
                                              {3, {"the head is lowered", "the person looks down"}},
                                              {4, {"the head is bowed", "the person looks straight down"}}};
      return choose(p.at(cat));
    }
    const std::string dir = cat <= 1 ? "right" : "left";
    const bool strong = cat == 0 || cat == 4;
    if (c.key == "head:head-turn")
      return choose({std::string("the head is turned ") + (strong ? "far " : "") + "to the " + dir,
                     std::string("the person looks ") + (strong ? "over the " + dir + " shoulder" : "to the " + dir)});
    return choose({std::string("the head tilts ") + (strong ? "strongly " : "slightly ") + "to the " + dir,
                   std::string("the head is ") + (strong ? "" : "slightly ") + "tilted towards the " + dir + " shoulder"});
  }
  // Part clauses from the predicate table.
  std::string key = c.key;
  const auto it = predicates().find(key);
  if (it == predicates().end()) return "";
  const auto jt = it->second.find(cat);
  if (jt == it->second.end()) return "";
  std::string part = part_of(c);
  if (key == "vertical:torso") return "the torso " + choose(jt->second);
  std::string predicate = choose(jt->second);
  // A straight knee or elbow can also be told as a straight leg or arm.
  if (c.kind == CodeKind::kAngle && cat == 5 && pick(seed, ck + "limb", 2) == 0) part = part == "knee" ? "leg" : "arm";
  if (c.side < 0) return subject(part, -1, seed, ck) + " " + plural_verbs(predicate);
  return subject(part, c.side, seed, ck) + " " + predicate;
}

std::string capitalise(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

}  // namespace

std::size_t pick(std::uint64_t seed, const std::string& key, std::size_t n) {
  std::uint64_t h = (seed + 0x632BE59BD9B4E019ull) * 0x9E3779B97F4A7C15ull;
  for (char ch : key) h = (h ^ static_cast<unsigned char>(ch)) * 0x100000001B3ull;
  h ^= h >> 31;
  h *= 0xD6E8FEB86659FD93ull;
  h ^= h >> 32;
  return n == 0 ? 0 : static_cast<std::size_t>(h % n);
}

std::vector<Posecode> select_and_aggregate(const std::vector<Posecode>& input, std::uint64_t seed) {
  std::vector<Posecode> codes;
  // Selection: skip about 15% of the common codes (the same choice for a code and its mirror twin).
  for (const auto& c : input)
    if (c.rare || pick(seed, "skip:" + c.key, 100) >= 15) codes.push_back(c);

  // Codes a super-posecode implies.
  auto implied = [&](const std::string& super, std::initializer_list<const char*> keys, int side = -1) {
    for (const auto& c : input)
      if (c.key == super && (side == -1 || c.side == side || c.side == -1))
        for (const char* k : keys) drop(codes, k, c.side);
  };
  for (const char* lying : {"super:lying-back", "super:lying-front", "super:lying-side-left", "super:lying-side-right"})
    implied(lying, {"pitch:torso", "vertical:torso", "ground:hips", "ground:back", "ground:head", "lean:torso", "twist:torso"});
  implied("super:torso-horizontal", {"pitch:torso", "vertical:torso", "lean:torso"});
  implied("super:kneeling-both", {"ground:knee", "angle:knee"});
  implied("super:kneeling", {"ground:knee"});
  implied("super:sitting-ground", {"ground:hips"});
  implied("super:sitting", {"vertical:thigh", "above:knee-hip"});
  implied("super:squatting", {"angle:knee"});
  implied("super:standing-straight", {"angle:knee", "vertical:thigh", "vertical:shin", "vertical:torso"});
  implied("super:arms-crossed", {"leftof:hands", "infront:hand-torso", "angle:elbow", "distance:hand-other-shoulder"});
  implied("super:hand-on-hip", {"distance:hand-hip", "angle:elbow"});
  implied("super:hand-on-head", {"distance:hand-head", "above:hand-shoulder", "above:hand-head"});
  implied("super:hands-together", {"distance:hands"});
  implied("super:arms-spread", {"vertical:upper-arm", "vertical:forearm", "distance:hands"});
  implied("super:foot-lifted", {"ground:foot"});
  // Transitively implied: a hand above the head is above the shoulder.
  for (int side = 0; side < 2; ++side)
    if (has(codes, "above:hand-head", side)) drop(codes, "above:hand-shoulder", side);

  // Upper and lower limb with the same orientation: the whole arm or leg.
  for (int side = 0; side < 2; ++side)
    for (const auto& [upper_key, lower_key, whole] : {std::tuple<const char*, const char*, const char*>{"vertical:upper-arm", "vertical:forearm", "vertical:arm"},
                                                      {"vertical:thigh", "vertical:shin", "vertical:leg"}}) {
      // Named copies: C++17 lambdas cannot capture structured bindings (clang refuses them).
      const char* upper = upper_key;
      const char* lower = lower_key;
      auto u = std::find_if(codes.begin(), codes.end(), [&](const Posecode& c) { return c.key == upper && c.side == side; });
      auto l = std::find_if(codes.begin(), codes.end(), [&](const Posecode& c) { return c.key == lower && c.side == side; });
      if (u != codes.end() && l != codes.end() && u->category == l->category) {
        Posecode merged = *u;
        merged.key = whole;
        merged.measure = std::string(whole) + (side == 0 ? ":left" : ":right");
        drop(codes, lower, side);
        drop(codes, upper, side);
        codes.push_back(merged);
      }
    }
  // Left and right saying the same thing: one code about both.
  std::vector<Posecode> merged;
  std::set<size_t> used;
  for (size_t i = 0; i < codes.size(); ++i) {
    if (used.count(i)) continue;
    Posecode c = codes[i];
    if (c.side >= 0)
      for (size_t k = i + 1; k < codes.size(); ++k)
        if (!used.count(k) && codes[k].key == c.key && codes[k].side == 1 - c.side && codes[k].category == c.category) {
          used.insert(k);
          c.side = -1;
          c.measure = c.key + ":both";
          break;
        }
    merged.push_back(c);
  }
  // A canonical order that does not depend on sides (so mirrored poses give mirrored text).
  std::stable_sort(merged.begin(), merged.end(), [](const Posecode& a, const Posecode& b) {
    const bool sa = a.kind == CodeKind::kSuper, sb = b.kind == CodeKind::kSuper;
    if (sa != sb) return sa;
    if (a.key != b.key) return a.key < b.key;
    return a.category < b.category;
  });
  return merged;
}

namespace {

std::string describe_frame(const pose::PoseFrame& frame, std::uint64_t seed) {
  const auto codes = select_and_aggregate(extract_posecodes(frame, seed), seed);
  // Posture first, as the sentence's main verb.
  std::string posture;
  std::vector<std::string> clauses;
  for (const auto& c : codes) {
    const auto it = postures().find(c.key);
    if (it != postures().end() && posture.empty()) {
      posture = it->second[pick(seed, choice_key(c), it->second.size())];
      continue;
    }
    if (it != postures().end()) continue;  // one posture per caption
    std::string text = clause(c, seed);
    if (!text.empty()) clauses.push_back(text);
  }
  // At most six clauses: keep a seeded selection, in the canonical order.
  while (clauses.size() > 6) clauses.erase(clauses.begin() + static_cast<long>(pick(seed, "cut" + std::to_string(clauses.size()), clauses.size())));
  static const std::vector<std::string> people = {"the person", "someone", "this person", "the figure", "the subject",
                                                   "the individual", "the model", "the character"};
  std::string out;
  if (!posture.empty()) {
    const std::string who = people[pick(seed, "who", people.size())];
    out = capitalise(who) + " is " + posture;
    if (!clauses.empty()) {
      static const std::vector<std::string> link = {", and ", ". ", " with ", "; "};
      std::string l = link[pick(seed, "link", link.size())];
      std::string first = clauses.front();
      if (l == " with ") {  // "with the left knee bent" reads better than "with the left knee is bent"
        const auto is = first.find(" is "), are = first.find(" are ");
        if (is != std::string::npos) first = first.substr(0, is) + " " + first.substr(is + 4);
        else if (are != std::string::npos) first = first.substr(0, are) + " " + first.substr(are + 5);
        else l = ", and ";
      }
      out += (l == ". " ? ". " + capitalise(first) : l + first);
      clauses.erase(clauses.begin());
    }
  } else if (clauses.empty()) {
    return "The person stands in a neutral pose.";
  }
  // The remaining clauses, two or three to a sentence.
  size_t i = 0;
  while (i < clauses.size()) {
    const size_t n = std::min<size_t>(clauses.size() - i, 2 + pick(seed, "n" + std::to_string(i), 2));
    std::string sentence = clauses[i];
    for (size_t k = 1; k < n; ++k) {
      static const std::vector<std::string> joins = {", ", " and ", " while ", ", and "};
      sentence += (k + 1 == n ? (pick(seed, "j" + std::to_string(i + k), 2) ? " and " : ", and ") : joins[pick(seed, "j" + std::to_string(i + k), 3)]) + clauses[i + k];
    }
    out += (out.empty() ? "" : (out.back() == '.' ? " " : ". ")) + capitalise(sentence);
    i += n;
  }
  if (!out.empty() && out.back() != '.') out += '.';
  return out;
}

}  // namespace

std::string describe_pose(const pose::Pose& pose, std::uint64_t seed) { return describe_frame(pose::pose_frame(pose), seed); }

std::vector<std::string> describe_pose(const pose::Pose& pose, std::uint64_t seed, int count) {
  const pose::PoseFrame frame = pose::pose_frame(pose);  // the joints do not depend on the seed; only noise and wording do
  std::vector<std::string> out;
  for (std::uint64_t s = seed; static_cast<int>(out.size()) < count && s < seed + 8 * static_cast<std::uint64_t>(count) + 8; ++s) {
    std::string c = describe_frame(frame, s);
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  while (static_cast<int>(out.size()) < count) out.push_back(out.empty() ? describe_frame(frame, seed) : out.back());
  return out;
}

}  // namespace unipose::text
