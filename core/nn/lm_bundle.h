// The language model's bundle: config.json (architecture and the pose tokenizer it speaks), model.safetensors,
// tokenizer.model (SentencePiece), MODEL_CARD.md, SHA256SUMS. Loading verifies everything.
#pragma once

#include <string>

#include "core/nn/language_model.h"
#include "core/text/text_tokenizer.h"
#include "core/text/word_normaliser.h"

namespace unipose::nn {

struct LmBundle {
  LanguageModel model{nullptr};
  text::TextTokenizer tokenizer;
  text::WordNormaliser words;  // the words it trained on (words.txt; empty for bundles without one)
  std::string pose_tokenizer_sha256;  // model.safetensors of the pose tokenizer whose codes it was trained on
  std::string dir;
};

// `words`: the training text's words (words.txt), or empty.
void save_lm_bundle(const std::string& dir, LanguageModel& model, const std::string& tokenizer_model_file,
                    const std::string& pose_tokenizer_sha256, const std::string& model_card, bool half,
                    const text::WordNormaliser& words = {});
LmBundle load_lm_bundle(const std::string& dir);

}  // namespace unipose::nn
