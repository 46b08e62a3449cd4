// Mixed precision helpers: the trainer runs a step's forward pass under bf16 autocast; code that needs full
// precision inside it (vector quantisation, the body model, losses) opens an Fp32Scope.
#pragma once

namespace unipose::nn {

// Autocast off (CPU and CUDA) for its lifetime; the previous state comes back after.
class Fp32Scope {
 public:
  Fp32Scope();
  ~Fp32Scope();
  Fp32Scope(const Fp32Scope&) = delete;
  Fp32Scope& operator=(const Fp32Scope&) = delete;

 private:
  bool gpu_, cpu_;
};

}  // namespace unipose::nn
