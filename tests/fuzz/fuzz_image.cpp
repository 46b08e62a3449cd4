// Image decoding (OpenCV behind core/image): probe the header, then decode within the pixel budget.
#include <vector>

#include "core/image/image.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::uint8_t> bytes(data, data + size);
  unipose::fuzz::expect_clear([&] {
    const auto image = unipose::image::decode_image(bytes, "fuzz.img");
    if (image.width <= 0 || image.height <= 0) std::abort();
  });
  return 0;
}
