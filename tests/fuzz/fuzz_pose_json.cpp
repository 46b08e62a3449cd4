// Pose JSON (unipose.pose/1): parse, and a parsed pose must be finite and survive a write and re-read.
#include <cmath>
#include <string>

#include "core/pose/pose_io.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  unipose::fuzz::expect_clear([&] {
    const auto pose = unipose::pose::parse_pose_json(text, "fuzz.json");
    for (const auto& r : pose.rotations)
      if (!std::isfinite(r.norm())) std::abort();
    if (pose.transl && !std::isfinite(pose.transl->norm())) std::abort();
    const auto again = unipose::pose::parse_pose_json(unipose::pose::pose_to_json(pose), "again.json");
    (void)again;
  });
  return 0;
}
