// TensorFlow.js graph models: the input is model.json, beside a fixed 4 KiB weight shard it may name.
#include <fstream>
#include <string>

#include "core/vision/tfjs_graph.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool made = [] {
    std::ofstream shard(unipose::fuzz::scratch() + "/group1-shard1of1.bin", std::ios::binary);
    for (int i = 0; i < 4096; ++i) shard.put(static_cast<char>(i * 37));
    return true;
  }();
  (void)made;
  const std::string path = unipose::fuzz::write_input("model.json", data, size);
  unipose::fuzz::expect_clear([&] { unipose::vision::read_tfjs_model(path); });
  return 0;
}
