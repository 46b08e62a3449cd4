#include "core/build_info.h"

#include <torch/version.h>

#include "unipose/version.h"

namespace unipose {

std::string build_info() {
  std::string out = std::string("unipose ") + kVersion + " (LibTorch " + TORCH_VERSION;
#ifdef UNIPOSE_WITH_CUDA
  out += ", CUDA";
#else
  out += ", CPU";
#endif
#ifdef UNIPOSE_WITH_ASSIMP
  out += ", Assimp";
#endif
  return out + ")";
}

}  // namespace unipose
