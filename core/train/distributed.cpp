#include "core/train/distributed.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "core/error.h"

namespace unipose::train {

struct ProcessGroup::Impl {
  c10::intrusive_ptr<::c10d::ProcessGroupGloo> group;
  int rank = 0, world = 1;
};

ProcessGroup::ProcessGroup(const DistributedOptions& o) : d_(std::make_unique<Impl>()) {
  if (o.world_size < 1 || o.rank < 0 || o.rank >= o.world_size)
    throw Error("--rank " + std::to_string(o.rank) + " is not in 0.." + std::to_string(o.world_size - 1));
  const auto colon = o.master.rfind(':');
  if (colon == std::string::npos) throw Error("--master must be HOST:PORT, got '" + o.master + "'");
  const std::string host = o.master.substr(0, colon);
  int port = 0;
  try {
    port = std::stoi(o.master.substr(colon + 1));
  } catch (...) {
    port = -1;
  }
  if (port <= 0 || port > 65535) throw Error("--master: bad port in '" + o.master + "'");
  try {
    ::c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(port);
    so.isServer = o.rank == 0;
    so.numWorkers = static_cast<std::size_t>(o.world_size);
    so.timeout = std::chrono::minutes(2);
    auto store = c10::make_intrusive<::c10d::TCPStore>(host, so);
    auto options = ::c10d::ProcessGroupGloo::Options::create();
    options->devices.push_back(::c10d::ProcessGroupGloo::createDeviceForHostname(host));
    d_->group = c10::make_intrusive<::c10d::ProcessGroupGloo>(store, o.rank, o.world_size, options);
  } catch (const std::exception& e) {
    std::string msg = e.what();
    throw Error("distributed start-up at " + o.master + " failed: " + msg.substr(0, msg.find('\n')));
  }
  d_->rank = o.rank;
  d_->world = o.world_size;
}

ProcessGroup::~ProcessGroup() = default;
int ProcessGroup::rank() const { return d_->rank; }
int ProcessGroup::world_size() const { return d_->world; }

void ProcessGroup::broadcast(std::vector<torch::Tensor>& tensors) {
  for (auto& t : tensors) {
    std::vector<at::Tensor> one{t};
    d_->group->broadcast(one)->wait();
  }
}

void ProcessGroup::sum(std::vector<torch::Tensor>& tensors) {
  d_->group->allreduce(tensors)->wait();
}

}  // namespace unipose::train
