// safetensors weights: header JSON, dtypes, shapes and offsets against the file's bytes.
#include "core/io/safetensors.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = unipose::fuzz::write_input("fuzz.safetensors", data, size);
  unipose::fuzz::expect_clear([&] { unipose::io::read_safetensors(path); });
  return 0;
}
