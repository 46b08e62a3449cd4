// Model bundle configs: the language model's, the pose tokenizer's and the retrieval model's config.json.
// The first byte picks the reader, the rest is the file. A config that loads must ask for a buildable model.
#include <string>

#include "core/nn/language_model.h"
#include "core/nn/pose_vqvae.h"
#include "core/nn/retrieval.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  unipose::fuzz::expect_clear([&] {
    switch (data[0] % 3) {
      case 0: {
        const auto c = unipose::nn::LmConfig::from_json(text, "config.json");
        if (c.parameter_count() <= 0 || c.parameter_count() > unipose::nn::LmConfig::kMaxParameters) std::abort();
        break;
      }
      case 1:
        unipose::nn::VqVaeConfig::from_json(text, "config.json");
        break;
      default:
        unipose::nn::RetrievalConfig::from_json(text, "config.json");
    }
  });
  return 0;
}
