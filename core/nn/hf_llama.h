// Loading a real LLaMA-family checkpoint in Hugging Face's layout (config.json, one or several
// *.safetensors shards, tokenizer.model) onto the UniPose language model, with the vocabulary extended by the
// pose codes, <p>, </p> and <image> (new rows start at the mean of the text embeddings plus a little noise)
// and fresh pose-query embeddings. F32, F16 and BF16 tensors are read.
#pragma once

#include <string>

#include "core/nn/language_model.h"

namespace unipose::nn {

struct HfLoadReport {
  int text_vocab = 0;
  int tensors_loaded = 0;
  int tensors_ignored = 0;  // e.g. rotary caches some checkpoints store
  bool tied_embeddings = false;
};

// `grounded_levels` > 0 makes a grounded model (architecture 2) of that many residual levels of `code_dim`-d
// codes; its codebooks are set afterwards (LanguageModelImpl::set_codebooks).
LanguageModel load_hf_llama(const std::string& dir, int pose_codes, int pose_tokens, HfLoadReport* report = nullptr, int grounded_levels = 0,
                            int code_dim = 0);

}  // namespace unipose::nn
