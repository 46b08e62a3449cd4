// Small model configurations the tests build in seconds on a CPU.
#pragma once

#include <string>

#include "core/nn/language_model.h"
#include "core/nn/pose_vqvae.h"
#include "core/nn/retrieval.h"

namespace unipose::testing {

// A pose tokenizer of 8 tokens from 16 codes (one residual level unless set).
inline nn::VqVaeConfig tiny_vqvae_config(int codebook_size = 16, int residual_levels = 1) {
  nn::VqVaeConfig c;
  c.tokens = 8;
  c.codebook_size = codebook_size;
  c.code_dim = 8;
  c.width = 16;
  c.blocks = 1;
  c.residual_levels = residual_levels;
  return c;
}

// A retrieval model ("pose_text" or "pair_text") with a seven-word vocabulary.
inline nn::RetrievalConfig small_retrieval_config(const std::string& kind) {
  nn::RetrievalConfig c;
  c.kind = kind;
  c.feature_dim = 32;
  c.pose_width = 64;
  c.text_width = 32;
  c.text_layers = 1;
  c.vocabulary = {"<pad>", "<unk>", "left", "right", "hand", "up", "down"};
  return c;
}

// A one-layer language model of width 32 for `text_vocab` text pieces and poses of `pose_tokens` codes out of 16.
inline nn::LmConfig tiny_lm_config(int text_vocab, int pose_tokens, bool mixed) {
  nn::LmConfig c;
  c.text_vocab = text_vocab;
  c.pose_codes = 16;
  c.pose_tokens = pose_tokens;
  c.dim = 32;
  c.layers = 1;
  c.heads = 4;
  c.kv_heads = 4;
  c.hidden = 64;
  c.max_positions = 256;
  c.mixed_attention = mixed;
  return c;
}

}  // namespace unipose::testing
