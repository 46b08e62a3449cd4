// How the language model reads a request and its answer: one sequence of token ids. <bos>, the request (an
// instruction template with its placeholders filled: pose slots become <p> pose </p> spans, text slots the
// caption or instruction), the answer marker, then the answer (text, or <p> and the pose: query positions
// with mixed attention, the pose itself in the causal configuration). A pose is one position per code
// (architecture 1) or per latent position of the pose tokenizer with its codes beside (grounded). Training
// and the engine build their sequences here, so that what the model learned is what it is asked.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/nn/language_model.h"
#include "core/text/text_tokenizer.h"

namespace unipose::nn {

// A placeholder's content: a text, a pose (its Lp codes) or a picture (that many <image> positions, one
// bidirectional span, which the visual branch's projected tokens take: nn/visual_projector.h).
struct Slot {
  std::string text;
  std::vector<int64_t> codes;
  int image_tokens = 0;
  bool pose() const { return !codes.empty(); }
  bool image() const { return image_tokens > 0; }
};

struct LmSequence {
  std::vector<int64_t> ids;          // token ids; -(q+1) = pose query q; grounded pose position p: kPosePosition + p
  std::vector<int> spans;            // 0 text, k > 0 the k-th pose span
  std::vector<int64_t> targets;      // next-token target per position, -100 where none
  std::vector<int64_t> codes;        // pose-code targets, `levels` per position (query positions), -100 where none
  std::vector<int64_t> input_codes;  // grounded: the codes each position reads (pose positions, query starts), -1 where none
  size_t prompt_length = 0;          // positions up to and including the answer marker
  torch::Tensor visual;              // the pictures' projected tokens for the <image> positions (LmInput::visual)
  // The model's input (ids, spans and, grounded, the codes beside).
  LmInput input(const LmConfig& config) const;
};

// Text-hinted pose estimation (a picture and words about the pose): the estimation request, then `<text>`
// holding hint_text(words). Training (train/visual_task.h) and the engine share both.
inline std::string hinted_request(const std::string& estimation_template) { return estimation_template + " <text>"; }
inline std::string hint_text(const std::string& words) { return "Hint: " + words; }

// The text "Answer:" that separates request and answer.
inline constexpr const char* kAnswerMarker = " Answer:";

// Builds one sequence; `answer` absent gives the prompt only (for generation). Unknown placeholders or slots
// missing from `slots` throw. `query_start` (grounded, mixed): the codes a pose answer's queries start from
// (an edit's input pose).
LmSequence build_sequence(const LmConfig& config, const text::TextTokenizer& tokenizer, const std::string& request_template,
                          const std::map<std::string, Slot>& slots, const std::optional<Slot>& answer,
                          const std::vector<int64_t>* query_start = nullptr);

}  // namespace unipose::nn
