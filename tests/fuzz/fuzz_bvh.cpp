// BVH motion capture: parse, then the whole pose path (forward kinematics, retargeting to the SMPL skeleton).
#include "core/pose/pose_io.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = unipose::fuzz::write_input("fuzz.bvh", data, size);
  unipose::fuzz::expect_clear([&] { unipose::pose::read_poses(path); });
  return 0;
}
