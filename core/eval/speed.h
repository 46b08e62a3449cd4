// Throughput measurements of the models that are not the language model's (whose speed the engine
// measures): the pose tokenizer's encode + decode, on the CPU and on CUDA when there is a device.
#pragma once

#include <string>
#include <vector>

#include "core/nn/pose_vqvae.h"

namespace unipose::eval {

struct Throughput {
  std::string device;  // "cpu", "cuda"
  double per_second = 0;
};

// Poses per second through encode + decode of random [batch, 22, 6] input, `seconds` on each device.
std::vector<Throughput> tokenizer_throughput(nn::PoseVqVae& model, int batch, double seconds);

}  // namespace unipose::eval
