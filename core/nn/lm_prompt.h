// How the language model reads a request and its answer: one sequence of token ids. <bos>, the request (an
// instruction template with its placeholders filled: pose slots become <p> codes </p> spans, text slots the
// caption or instruction), the answer marker, then the answer (text, or <p> and the pose: Lp query positions
// with mixed attention, the codes themselves in the causal configuration). Training and the engine build
// their sequences here, so that what the model learned is what it is asked.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/nn/language_model.h"
#include "core/text/text_tokenizer.h"

namespace unipose::nn {

// A placeholder's content: a text or a pose (its Lp codes).
struct Slot {
  std::string text;
  std::vector<int64_t> codes;
  bool pose() const { return !codes.empty(); }
};

struct LmSequence {
  std::vector<int64_t> ids;      // token ids; -(q+1) = pose query q
  std::vector<int> spans;        // 0 text, k > 0 the k-th pose span
  std::vector<int64_t> targets;  // next-token target per position, -100 where none
  std::vector<int64_t> codes;    // pose-code target per position (query positions), -100 where none
  size_t prompt_length = 0;      // positions up to and including the answer marker
};

// The text "Answer:" that separates request and answer.
inline constexpr const char* kAnswerMarker = " Answer:";

// Builds one sequence; `answer` absent gives the prompt only (for generation). Unknown placeholders or slots
// missing from `slots` throw.
LmSequence build_sequence(const LmConfig& config, const text::TextTokenizer& tokenizer, const std::string& request_template,
                          const std::map<std::string, Slot>& slots, const std::optional<Slot>& answer);

}  // namespace unipose::nn
