// SHA256SUMS of a model folder: the fuzz input is the SHA256SUMS file beside two fixed files the loader reads.
#include <fstream>

#include "core/io/safetensors.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool made = [] {
    std::ofstream(unipose::fuzz::scratch() + "/config.json") << "{\"architecture\": \"x\"}\n";
    std::ofstream(unipose::fuzz::scratch() + "/model.safetensors") << "weights";
    return true;
  }();
  (void)made;
  unipose::fuzz::write_input("SHA256SUMS", data, size);
  unipose::fuzz::expect_clear([&] { unipose::io::verify_sha256sums(unipose::fuzz::scratch(), {"config.json", "model.safetensors"}); });
  return 0;
}
