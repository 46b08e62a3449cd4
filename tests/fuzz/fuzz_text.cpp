// Typed text: the shipped SentencePiece tokenizer and word normaliser take any bytes (invalid UTF-8, control
// characters, control-token spellings) and encode them; decoding the ids gives text back.
#include <cstdio>
#include <optional>
#include <string>

#include "core/io/files.h"
#include "core/text/text_tokenizer.h"
#include "core/text/word_normaliser.h"
#include "fuzz_common.h"

#ifndef UNIPOSE_SOURCE_DIR
#error "UNIPOSE_SOURCE_DIR names the checkout whose models/language_model the harness loads"
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string bundle = std::string(UNIPOSE_SOURCE_DIR) + "/models/language_model";
  // Sanitizer builds cannot load the SentencePiece module (text_tokenizer.cpp): the normaliser alone then.
  static const std::optional<unipose::text::TextTokenizer> tokenizer = []() -> std::optional<unipose::text::TextTokenizer> {
    try {
      return unipose::text::TextTokenizer::load(bundle + "/tokenizer.model");
    } catch (const unipose::Error& e) {
      std::fprintf(stderr, "fuzz_text: %s; fuzzing the word normaliser alone\n", e.what());
      return std::nullopt;
    }
  }();
  static const auto words = unipose::text::WordNormaliser::parse(unipose::io::read_text_file(bundle + "/words.txt"), bundle + "/words.txt");
  const std::string text(reinterpret_cast<const char*>(data), size);
  unipose::fuzz::expect_clear([&] {
    const std::string normal = words.normalise(text);
    if (!tokenizer) return;
    const auto ids = tokenizer->encode(normal);
    for (const int id : ids)
      if (id < 0 || id >= tokenizer->vocab_size() || id == tokenizer->bos_id() || id == tokenizer->eos_id() || id == tokenizer->pad_id()) std::abort();
    tokenizer->decode(ids);
  });
  return 0;
}
