// NumPy .npz archives, as a pose file (read_poses) and as a plain archive (read_npz).
#include "core/io/npz.h"
#include "core/pose/pose_io.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = unipose::fuzz::write_input("fuzz.npz", data, size);
  unipose::fuzz::expect_clear([&] { unipose::io::read_npz(path); });
  unipose::fuzz::expect_clear([&] { unipose::pose::read_poses(path); });
  return 0;
}
