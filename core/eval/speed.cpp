#include "core/eval/speed.h"

#include <chrono>

#include <torch/cuda.h>

namespace unipose::eval {

std::vector<Throughput> tokenizer_throughput(nn::PoseVqVae& model, int batch, double seconds) {
  model->eval();
  std::vector<torch::Device> devices = {torch::kCPU};
  if (torch::cuda::is_available()) devices.emplace_back(torch::kCUDA);
  std::vector<Throughput> out;
  for (const auto& device : devices) {
    model->to(device);
    torch::NoGradGuard ng;
    const auto x = torch::randn({batch, 22, 6}, torch::TensorOptions().device(device));
    model->decode(model->encode(x));  // warm-up
    if (device.is_cuda()) torch::cuda::synchronize();
    const auto start = std::chrono::steady_clock::now();
    int64_t poses = 0;
    double elapsed = 0;
    while (elapsed < seconds) {
      model->decode(model->encode(x));
      if (device.is_cuda()) torch::cuda::synchronize();
      poses += batch;
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    out.push_back({device.is_cuda() ? "cuda" : "cpu", poses / elapsed});
  }
  model->to(torch::kCPU);
  return out;
}

}  // namespace unipose::eval
