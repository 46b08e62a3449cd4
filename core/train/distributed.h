// Multi-process data-parallel training on PyTorch's own distributed engine (c10d): a TCPStore rendezvous at
// the master address and a Gloo process group (CPU tensors; on CUDA builds Gloo carries CUDA tensors too).
// The c10d types stay inside distributed.cpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

namespace unipose::train {

struct DistributedOptions {
  int world_size = 1;
  int rank = 0;
  std::string master = "127.0.0.1:29500";  // host:port of rank 0's store
};

class ProcessGroup {
 public:
  // Blocks until all `world_size` ranks have joined (or the store's timeout passes).
  explicit ProcessGroup(const DistributedOptions& options);
  ~ProcessGroup();
  int rank() const;
  int world_size() const;
  void broadcast(std::vector<torch::Tensor>& tensors);  // from rank 0, in place
  void sum(std::vector<torch::Tensor>& tensors);        // all-reduce, in place

 private:
  struct Impl;
  std::unique_ptr<Impl> d_;
};

}  // namespace unipose::train
