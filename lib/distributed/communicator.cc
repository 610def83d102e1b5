#include "lib/distributed/communicator.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <cstdlib>
#include <exception>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sdbench {
namespace {

absl::StatusOr<int> IntegerVariable(const char* name, const char* value,
                                    int low, int high) {
  int parsed = 0;
  if (!absl::SimpleAtoi(value, &parsed) || parsed < low || parsed > high) {
    return absl::InvalidArgumentError(absl::StrCat(
        "environment variable ", name, "='", value, "' must be an integer in ",
        low, "..", high));
  }
  return parsed;
}

// Runs a c10d call; its exceptions (peer gone, timeout) become errors.
template <typename F>
absl::Status Guarded(const char* what, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    std::string message = e.what();
    // c10::Error appends a backtrace: keep the first line.
    const size_t newline = message.find('\n');
    if (newline != std::string::npos) message.resize(newline);
    return absl::UnavailableError(absl::StrCat(what, " failed: ", message));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DistributedEnv> ReadDistributedEnv(
    const std::function<const char*(const char*)>& get_or_null) {
  auto get = [&](const char* name) -> const char* {
    const char* v = get_or_null ? get_or_null(name) : std::getenv(name);
    return (v != nullptr && *v != '\0') ? v : nullptr;
  };
  DistributedEnv env;
  const char* rank_name = nullptr;
  const char* size_name = nullptr;
  const char* local_name = nullptr;
  if (get("WORLD_SIZE") != nullptr || get("RANK") != nullptr) {
    env.source = "torchrun";
    rank_name = "RANK";
    size_name = "WORLD_SIZE";
    local_name = "LOCAL_RANK";
  } else if (get("SLURM_NTASKS") != nullptr && get("SLURM_PROCID") != nullptr) {
    env.source = "slurm";
    rank_name = "SLURM_PROCID";
    size_name = "SLURM_NTASKS";
    local_name = "SLURM_LOCALID";
  } else if (get("OMPI_COMM_WORLD_SIZE") != nullptr) {
    env.source = "mpirun";
    rank_name = "OMPI_COMM_WORLD_RANK";
    size_name = "OMPI_COMM_WORLD_SIZE";
    local_name = "OMPI_COMM_WORLD_LOCAL_RANK";
  } else {
    return env;
  }
  for (const char* name : {rank_name, size_name}) {
    if (get(name) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "environment variable ", name, " is not set (", env.source,
          "-style launch: ", rank_name, " and ", size_name, " go together)"));
    }
  }
  absl::StatusOr<int> size = IntegerVariable(size_name, get(size_name), 1, 1 << 16);
  if (!size.ok()) return size.status();
  absl::StatusOr<int> rank = IntegerVariable(rank_name, get(rank_name), 0, *size - 1);
  if (!rank.ok()) return rank.status();
  env.world_size = *size;
  env.rank = *rank;
  env.local_rank = 0;
  if (const char* local = get(local_name)) {
    absl::StatusOr<int> parsed = IntegerVariable(local_name, local, 0, *size - 1);
    if (!parsed.ok()) return parsed.status();
    env.local_rank = *parsed;
  }
  if (const char* addr = get("MASTER_ADDR")) env.master_addr = addr;
  if (const char* port = get("MASTER_PORT")) {
    absl::StatusOr<int> parsed = IntegerVariable("MASTER_PORT", port, 1, 65535);
    if (!parsed.ok()) return parsed.status();
    env.master_port = *parsed;
  }
  if (env.world_size > 1 && env.source != "torchrun" && get("MASTER_ADDR") == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "environment variable MASTER_ADDR is not set: with ", env.source,
        " set it to rank 0's host (see tools/slurm_train.sbatch)"));
  }
  return env;
}

struct Communicator::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

Communicator::Communicator(int rank, int world_size, std::unique_ptr<Impl> impl)
    : rank_(rank), world_size_(world_size), impl_(std::move(impl)) {}

Communicator::~Communicator() = default;

absl::StatusOr<std::unique_ptr<Communicator>> Communicator::Connect(
    const DistributedEnv& env, std::chrono::milliseconds timeout) {
  auto impl = std::make_unique<Impl>();
  absl::Status status = Guarded(
      absl::StrCat("rendezvous at ", env.master_addr, ":", env.master_port).c_str(),
      [&] {
        c10d::TCPStoreOptions store_options;
        store_options.port = static_cast<uint16_t>(env.master_port);
        store_options.isServer = env.rank == 0;
        store_options.numWorkers = env.world_size;
        store_options.waitWorkers = true;
        store_options.timeout = timeout;
        impl->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, store_options);
        auto options = c10d::ProcessGroupGloo::Options::create(timeout);
        // Loopback when everything runs here; else the address the
        // hostname resolves to.
        const bool local = env.master_addr == "127.0.0.1" || env.master_addr == "localhost";
        options->devices.push_back(
            local ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                  : c10d::ProcessGroupGloo::createDefaultDevice());
        impl->group = c10::make_intrusive<c10d::ProcessGroupGloo>(
            impl->store, env.rank, env.world_size, options);
      });
  if (!status.ok()) return status;
  return std::unique_ptr<Communicator>(
      new Communicator(env.rank, env.world_size, std::move(impl)));
}

absl::StatusOr<int64_t> Communicator::AverageGradients(
    const std::vector<torch::Tensor>& parameters, int64_t bucket_bytes) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads;
  for (const torch::Tensor& p : parameters) {
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  int64_t sent = 0;
  size_t begin = 0;
  while (begin < grads.size()) {
    // One bucket: consecutive gradients up to bucket_bytes (at least one).
    size_t end = begin;
    int64_t bytes = 0;
    while (end < grads.size() &&
           (end == begin || bytes + grads[end].nbytes() <= static_cast<size_t>(bucket_bytes))) {
      bytes += grads[end].nbytes();
      ++end;
    }
    std::vector<torch::Tensor> flat;
    for (size_t i = begin; i < end; ++i) flat.push_back(grads[i].reshape({-1}));
    std::vector<torch::Tensor> bucket = {torch::cat(flat)};
    absl::Status status = Guarded("gradient allreduce", [&] {
      impl_->group->allreduce(bucket)->wait();
    });
    if (!status.ok()) return status;
    bucket[0].div_(world_size_);
    int64_t offset = 0;
    for (size_t i = begin; i < end; ++i) {
      const int64_t n = grads[i].numel();
      grads[i].copy_(bucket[0].slice(0, offset, offset + n).view(grads[i].sizes()));
      offset += n;
    }
    sent += bytes;
    begin = end;
  }
  return sent;
}

absl::Status Communicator::SumInPlace(torch::Tensor& tensor) {
  std::vector<torch::Tensor> tensors = {tensor};
  return Guarded("allreduce", [&] { impl_->group->allreduce(tensors)->wait(); });
}

absl::Status Communicator::Broadcast(torch::Tensor& tensor, int root) {
  std::vector<torch::Tensor> tensors = {tensor};
  c10d::BroadcastOptions options;
  options.rootRank = root;
  return Guarded("broadcast",
                 [&] { impl_->group->broadcast(tensors, options)->wait(); });
}

absl::Status Communicator::Barrier() {
  return Guarded("barrier", [&] { impl_->group->barrier()->wait(); });
}

}  // namespace sdbench
