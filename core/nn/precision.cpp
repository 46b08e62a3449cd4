#include "core/nn/precision.h"

#include <ATen/autocast_mode.h>

namespace unipose::nn {

Fp32Scope::Fp32Scope() : gpu_(at::autocast::is_enabled()), cpu_(at::autocast::is_cpu_enabled()) {
  at::autocast::set_enabled(false);
  at::autocast::set_cpu_enabled(false);
}

Fp32Scope::~Fp32Scope() {
  at::autocast::set_enabled(gpu_);
  at::autocast::set_cpu_enabled(cpu_);
}

}  // namespace unipose::nn
