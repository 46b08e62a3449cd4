// Tests that need the SentencePiece module (the language model's text tokenizer) skip in AddressSanitizer
// builds, which refuse to load it by design (core/text/text_tokenizer.cpp, tests/fuzz/README.md); everywhere
// else a module that cannot be loaded is a failure.
#pragma once

#include <gtest/gtest.h>

#include "core/text/text_tokenizer.h"

#define UNIPOSE_NEEDS_SENTENCEPIECE()                                                                              \
  if (!::unipose::text::TextTokenizer::module_allowed_in_this_build())                                              \
  GTEST_SKIP() << "AddressSanitizer build: the SentencePiece module needs RTLD_DEEPBIND, which ASan refuses; run this " \
                  "test in the normal build"
