#include "core/nn/lm_prompt.h"

#include "core/error.h"

namespace unipose::nn {

LmInput LmSequence::input(const LmConfig& config) const {
  LmInput in{ids, spans, {}, visual};
  if (config.grounded) in.codes = input_codes;
  return in;
}

LmSequence build_sequence(const LmConfig& c, const text::TextTokenizer& tok, const std::string& tmpl,
                          const std::map<std::string, Slot>& slots, const std::optional<Slot>& answer,
                          const std::vector<int64_t>* query_start) {
  const int levels = c.grounded ? c.pose_levels : 1, positions = c.pose_positions();
  LmSequence s;
  int next_span = 1;
  // One position: its id, span and (grounded) the codes it reads; no targets yet.
  auto push = [&](int64_t id, int span, const int64_t* reads) {
    s.ids.push_back(id);
    s.spans.push_back(span);
    s.targets.push_back(-100);
    for (int l = 0; l < levels; ++l) {
      s.codes.push_back(-100);
      s.input_codes.push_back(reads ? reads[l] : -1);
    }
  };
  auto check_pose = [&](const std::vector<int64_t>& codes, const char* what) {
    if (static_cast<int>(codes.size()) != c.pose_tokens)
      throw Error(std::string(what) + " needs " + std::to_string(c.pose_tokens) + " codes, got " + std::to_string(codes.size()));
    for (const auto k : codes)
      if (k < 0 || k >= c.pose_codes) throw Error("pose code " + std::to_string(k) + " is outside the codebook");
  };
  auto push_text = [&](const std::string& text) {
    for (const int id : tok.encode(text)) {
      if (id >= c.text_vocab) throw Error("text tokenizer and language model disagree: piece " + std::to_string(id) + " >= text_vocab");
      push(id, 0, nullptr);
    }
  };
  // A pose position: its code as a token (architecture 1), or its place with its codes beside (grounded).
  auto pose_position = [&](const std::vector<int64_t>& codes, int p, int span) {
    if (c.grounded) push(LmConfig::kPosePosition + p, span, &codes[static_cast<size_t>(p) * levels]);
    else push(c.pose_code_id(static_cast<int>(codes[p])), span, nullptr);
  };
  auto push_pose = [&](const std::vector<int64_t>& codes) {
    check_pose(codes, "a pose");
    push(c.pose_begin(), 0, nullptr);
    const int span = next_span++;
    for (int p = 0; p < positions; ++p) pose_position(codes, p, span);
    push(c.pose_end(), 0, nullptr);
  };
  push(tok.bos_id(), 0, nullptr);
  // The template, placeholder by placeholder.
  size_t at = 0;
  while (at < tmpl.size()) {
    const size_t open = tmpl.find('<', at);
    const size_t close = open == std::string::npos ? std::string::npos : tmpl.find('>', open);
    if (open == std::string::npos || close == std::string::npos) {
      push_text(tmpl.substr(at));
      break;
    }
    if (open > at) push_text(tmpl.substr(at, open - at));
    const std::string name = tmpl.substr(open, close - open + 1);
    const auto it = slots.find(name);
    if (it == slots.end()) throw Error("instruction template '" + tmpl + "': nothing to put in " + name);
    if (it->second.pose()) push_pose(it->second.codes);
    else if (it->second.image()) {
      if (it->second.image_tokens > c.max_positions) throw Error("a picture of " + std::to_string(it->second.image_tokens) + " tokens does not fit the model");
      const int span = next_span++;
      for (int k = 0; k < it->second.image_tokens; ++k) push(c.image_token(), span, nullptr);
    } else push_text(" " + it->second.text);
    at = close + 1;
  }
  push_text(kAnswerMarker);
  s.prompt_length = s.ids.size();
  if (query_start) {
    if (!c.grounded || !c.mixed_attention) throw Error("pose queries start from a pose only in a grounded model with mixed attention");
    check_pose(*query_start, "a start pose");
  }
  if (!answer) return s;
  auto target_next = [&](int64_t id) { s.targets.back() = id; };  // the last position predicts `id`
  auto codes_at = [&](size_t position, const std::vector<int64_t>& codes, int p) {  // `position` is trained to give pose position p
    for (int l = 0; l < levels; ++l) s.codes[position * levels + l] = codes[static_cast<size_t>(p) * levels + l];
  };
  if (!answer->pose()) {
    for (const int id : tok.encode(" " + answer->text)) {
      target_next(id);
      push(id, 0, nullptr);
    }
    target_next(tok.eos_id());
  } else {
    check_pose(answer->codes, "an answer pose");
    target_next(c.pose_begin());
    push(c.pose_begin(), 0, nullptr);
    if (c.mixed_attention) {
      const int span = next_span++;
      for (int q = 0; q < positions; ++q) {
        push(-(q + 1), span, query_start ? &(*query_start)[static_cast<size_t>(q) * levels] : nullptr);
        codes_at(s.ids.size() - 1, answer->codes, q);
      }
    } else {
      for (int q = 0; q < positions; ++q) {
        codes_at(s.ids.size() - 1, answer->codes, q);  // the previous position predicts this one (over the codes)
        pose_position(answer->codes, q, 0);
      }
      target_next(c.pose_end());
    }
  }
  if (static_cast<int>(s.ids.size()) > c.max_positions)
    throw Error("a training sequence has " + std::to_string(s.ids.size()) + " positions, the model takes " + std::to_string(c.max_positions));
  return s;
}

}  // namespace unipose::nn
