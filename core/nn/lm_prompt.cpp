#include "core/nn/lm_prompt.h"

#include "core/error.h"

namespace unipose::nn {

LmSequence build_sequence(const LmConfig& c, const text::TextTokenizer& tok, const std::string& tmpl,
                          const std::map<std::string, Slot>& slots, const std::optional<Slot>& answer) {
  LmSequence s;
  int next_span = 1;
  auto push_text = [&](const std::string& text) {
    for (const int id : tok.encode(text)) {
      if (id >= c.text_vocab) throw Error("text tokenizer and language model disagree: piece " + std::to_string(id) + " >= text_vocab");
      s.ids.push_back(id);
      s.spans.push_back(0);
    }
  };
  auto push_pose = [&](const std::vector<int64_t>& codes) {
    if (static_cast<int>(codes.size()) != c.pose_tokens)
      throw Error("a pose needs " + std::to_string(c.pose_tokens) + " codes, got " + std::to_string(codes.size()));
    s.ids.push_back(c.pose_begin());
    s.spans.push_back(0);
    const int span = next_span++;
    for (const auto k : codes) {
      if (k < 0 || k >= c.pose_codes) throw Error("pose code " + std::to_string(k) + " is outside the codebook");
      s.ids.push_back(c.pose_code_id(static_cast<int>(k)));
      s.spans.push_back(span);
    }
    s.ids.push_back(c.pose_end());
    s.spans.push_back(0);
  };
  s.ids.push_back(tok.bos_id());
  s.spans.push_back(0);
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
    else push_text(" " + it->second.text);
    at = close + 1;
  }
  push_text(kAnswerMarker);
  s.prompt_length = s.ids.size();
  s.targets.assign(s.ids.size(), -100);
  s.codes.assign(s.ids.size(), -100);
  if (!answer) return s;
  auto target_next = [&](int64_t id) { s.targets.back() = id; };  // the last position predicts `id`
  if (!answer->pose()) {
    for (const int id : tok.encode(" " + answer->text)) {
      target_next(id);
      s.ids.push_back(id);
      s.spans.push_back(0);
      s.targets.push_back(-100);
      s.codes.push_back(-100);
    }
    target_next(tok.eos_id());
  } else {
    target_next(c.pose_begin());
    s.ids.push_back(c.pose_begin());
    s.spans.push_back(0);
    s.targets.push_back(-100);
    s.codes.push_back(-100);
    if (static_cast<int>(answer->codes.size()) != c.pose_tokens) throw Error("an answer pose needs " + std::to_string(c.pose_tokens) + " codes");
    if (c.mixed_attention) {
      const int span = next_span++;
      for (int q = 0; q < c.pose_tokens; ++q) {
        s.ids.push_back(-(q + 1));
        s.spans.push_back(span);
        s.targets.push_back(-100);
        s.codes.push_back(answer->codes[q]);
      }
    } else {
      for (int q = 0; q < c.pose_tokens; ++q) {
        s.codes.back() = answer->codes[q];  // the previous position predicts this code (over the code range)
        s.ids.push_back(c.pose_code_id(static_cast<int>(answer->codes[q])));
        s.spans.push_back(0);
        s.targets.push_back(-100);
        s.codes.push_back(-100);
      }
      target_next(c.pose_end());
    }
  }
  if (static_cast<int>(s.ids.size()) > c.max_positions)
    throw Error("a training sequence has " + std::to_string(s.ids.size()) + " positions, the model takes " + std::to_string(c.max_positions));
  return s;
}

}  // namespace unipose::nn
