#include "lib/distributed/communicator.h"

#include <cstdlib>
#include <exception>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lib/distributed/process_groups.h"

namespace sdbench {
namespace {

absl::StatusOr<int> IntegerVariable(const char* name, const char* value, int low, int high) {
  int parsed = 0;
  if (!absl::SimpleAtoi(value, &parsed) || parsed < low || parsed > high) {
    return absl::InvalidArgumentError(absl::StrCat("environment variable ", name, "='", value,
                                                   "' must be an integer in ", low, "..", high));
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
      return absl::InvalidArgumentError(absl::StrCat("environment variable ", name, " is not set (",
                                                     env.source, "-style launch: ", rank_name,
                                                     " and ", size_name, " go together)"));
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
  absl::StatusOr<int> local_size = 0;
  if (env.source == "torchrun" && get("LOCAL_WORLD_SIZE") != nullptr) {
    local_size = IntegerVariable("LOCAL_WORLD_SIZE", get("LOCAL_WORLD_SIZE"), 1, *size);
  } else if (env.source == "mpirun" && get("OMPI_COMM_WORLD_LOCAL_SIZE") != nullptr) {
    local_size =
        IntegerVariable("OMPI_COMM_WORLD_LOCAL_SIZE", get("OMPI_COMM_WORLD_LOCAL_SIZE"), 1, *size);
  } else if (env.source == "slurm") {
    const char* list_name = get("SLURM_STEP_TASKS_PER_NODE") != nullptr
                                ? "SLURM_STEP_TASKS_PER_NODE"
                                : "SLURM_TASKS_PER_NODE";
    if (get(list_name) != nullptr) {
      absl::StatusOr<int> node = 0;
      if (get("SLURM_NODEID") != nullptr) {
        node = IntegerVariable("SLURM_NODEID", get("SLURM_NODEID"), 0, *size - 1);
      }
      if (!node.ok()) return node.status();
      local_size = SlurmTasksOnNode(list_name, get(list_name), *node);
    }
  }
  if (!local_size.ok()) return local_size.status();
  env.local_world_size = *local_size;
  if (env.local_world_size > 0 && env.local_rank >= env.local_world_size) {
    return absl::InvalidArgumentError(absl::StrCat(local_name, "=", env.local_rank, " but only ",
                                                   env.local_world_size,
                                                   " ranks run on this node (", env.source, ")"));
  }
  if (const char* addr = get("MASTER_ADDR")) env.master_addr = addr;
  if (const char* port = get("MASTER_PORT")) {
    absl::StatusOr<int> parsed = IntegerVariable("MASTER_PORT", port, 1, 65535);
    if (!parsed.ok()) return parsed.status();
    env.master_port = *parsed;
  }
  if (env.world_size > 1 && env.source != "torchrun" && get("MASTER_ADDR") == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("environment variable MASTER_ADDR is not set: with ", env.source,
                     " set it to rank 0's host (see tools/slurm_train.sbatch)"));
  }
  return env;
}

absl::StatusOr<int> SlurmTasksOnNode(const char* variable, absl::string_view list, int node) {
  auto malformed = [&]() {
    return absl::InvalidArgumentError(
        absl::StrCat("environment variable ", variable, "='", list,
                     "' is not a Slurm tasks-per-node list (e.g. '2(x3),1') with node ", node));
  };
  int first_node = 0;
  for (absl::string_view item : absl::StrSplit(list, ',')) {
    int tasks = 0;
    int nodes = 1;
    absl::string_view count = item;
    if (const size_t open = item.find("(x"); open != absl::string_view::npos) {
      count = item.substr(0, open);
      absl::string_view repeat = item.substr(open + 2);
      if (!absl::ConsumeSuffix(&repeat, ")") || !absl::SimpleAtoi(repeat, &nodes) || nodes < 1) {
        return malformed();
      }
    }
    if (!absl::SimpleAtoi(count, &tasks) || tasks < 1) return malformed();
    if (node < first_node + nodes) return tasks;
    first_node += nodes;
  }
  return malformed();
}

const char* CollectiveBackendName(CollectiveBackend backend) {
  return backend == CollectiveBackend::kNccl ? "nccl" : "gloo";
}

absl::StatusOr<CollectiveBackend> ChooseBackend(const std::string& device,
                                                const std::string& requested, bool gloo_available,
                                                bool nccl_available) {
  const bool cuda = absl::StartsWith(device, "cuda");
  if (requested != "auto" && requested != "gloo" && requested != "nccl") {
    return absl::InvalidArgumentError(absl::StrCat("unknown collective backend '", requested,
                                                   "' (known: 'auto', 'gloo', 'nccl')"));
  }
  if (requested == "nccl" && !cuda) {
    return absl::InvalidArgumentError(
        absl::StrCat("the NCCL backend needs CUDA tensors, and this job trains on '", device,
                     "': use --device=cuda, or Gloo"));
  }
  if (cuda && requested != "gloo") {
    if (nccl_available) return CollectiveBackend::kNccl;
    return absl::FailedPreconditionError(
        "data-parallel training on CUDA needs c10d's NCCL process group, which this build "
        "does not have (a CPU-only LibTorch, such as Debian's, or no nccl.h when it was "
        "configured); use --dist_backend=gloo (slower: through the host), --device=cpu, one "
        "process per GPU job, or build against a CUDA LibTorch with NCCL (README: GPU and "
        "other LibTorch builds)");
  }
  if (gloo_available) return CollectiveBackend::kGloo;
  return absl::FailedPreconditionError(
      "data-parallel training with Gloo needs c10d's Gloo process group, which this build "
      "lacks (Gloo's headers were not found when it was configured); install Gloo's "
      "headers (Debian: libgloo-dev) and rebuild, or train in one process");
}

struct Communicator::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<CollectiveGroup> group;
  torch::Device device = torch::kCPU;  // Where collectives run.
};

Communicator::Communicator(int rank, int world_size, CollectiveBackend backend,
                           std::unique_ptr<Impl> impl)
    : rank_(rank), world_size_(world_size), backend_(backend), impl_(std::move(impl)) {}

Communicator::~Communicator() = default;

absl::StatusOr<std::unique_ptr<Communicator>> Communicator::Connect(
    const DistributedEnv& env, std::chrono::milliseconds timeout, CollectiveBackend backend,
    const torch::Device& device) {
  auto impl = std::make_unique<Impl>();
  impl->device = device;
  absl::Status status =
      Guarded(absl::StrCat("rendezvous at ", env.master_addr, ":", env.master_port).c_str(), [&] {
        c10d::TCPStoreOptions store_options;
        store_options.port = static_cast<uint16_t>(env.master_port);
        store_options.isServer = env.rank == 0;
        store_options.numWorkers = env.world_size;
        store_options.waitWorkers = true;
        store_options.timeout = timeout;
        impl->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, store_options);
      });
  if (!status.ok()) return status;
  GroupOptions options;
  options.rank = env.rank;
  options.world_size = env.world_size;
  options.timeout = timeout;
  options.loopback = env.master_addr == "127.0.0.1" || env.master_addr == "localhost";
  absl::StatusOr<c10::intrusive_ptr<CollectiveGroup>> group =
      backend == CollectiveBackend::kNccl ? MakeNcclGroup(impl->store, options)
                                          : MakeGlooGroup(impl->store, options);
  if (!group.ok()) return group.status();
  impl->group = *std::move(group);
  return std::unique_ptr<Communicator>(
      new Communicator(env.rank, env.world_size, backend, std::move(impl)));
}

// Runs `collective` on `tensors` (all of one dtype) packed into flat buckets
// of at most `bucket_bytes` (at least one tensor each), then copies each
// bucket back into its tensors. Returns the bytes packed.
absl::StatusOr<int64_t> Communicator::Packed(
    const std::vector<torch::Tensor>& tensors, int64_t bucket_bytes, const char* what,
    const std::function<void(torch::Tensor&)>& collective) {
  torch::NoGradGuard no_grad;
  int64_t sent = 0;
  size_t begin = 0;
  while (begin < tensors.size()) {
    size_t end = begin;
    int64_t bytes = 0;
    while (end < tensors.size() &&
           (end == begin || bytes + static_cast<int64_t>(tensors[end].nbytes()) <= bucket_bytes)) {
      bytes += tensors[end].nbytes();
      ++end;
    }
    std::vector<torch::Tensor> flat;
    for (size_t i = begin; i < end; ++i) flat.push_back(tensors[i].reshape({-1}));
    torch::Tensor bucket = torch::cat(flat);
    absl::Status status = Guarded(what, [&] {
      // NCCL works on the GPU: tensors elsewhere go there and back.
      if (bucket.device() == impl_->device) {
        collective(bucket);
      } else {
        torch::Tensor there = bucket.to(impl_->device);
        collective(there);
        bucket.copy_(there);
      }
    });
    if (!status.ok()) return status;
    int64_t offset = 0;
    for (size_t i = begin; i < end; ++i) {
      const int64_t n = tensors[i].numel();
      // The flat order is the logical order, whatever the tensor's layout.
      tensors[i].copy_(bucket.slice(0, offset, offset + n).view(tensors[i].sizes()));
      offset += n;
    }
    sent += bytes;
    begin = end;
  }
  return sent;
}

absl::StatusOr<int64_t> Communicator::AverageGradients(const std::vector<torch::Tensor>& parameters,
                                                       int64_t bucket_bytes) {
  std::vector<torch::Tensor> grads;
  for (const torch::Tensor& p : parameters) {
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  return Packed(grads, bucket_bytes, "gradient allreduce", [&](torch::Tensor& bucket) {
    std::vector<torch::Tensor> one = {bucket};
    impl_->group->allreduce(one)->wait();
    bucket.div_(world_size_);
  });
}

absl::Status Communicator::SumInPlace(torch::Tensor& tensor) {
  return Guarded("allreduce", [&] {
    std::vector<torch::Tensor> tensors = {tensor.to(impl_->device)};
    impl_->group->allreduce(tensors)->wait();
    if (!tensors[0].is_same(tensor)) tensor.copy_(tensors[0]);
  });
}

absl::Status Communicator::Broadcast(const std::vector<torch::Tensor>& tensors, int root) {
  c10d::BroadcastOptions options;
  options.rootRank = root;
  return Packed(tensors, kBucketBytes, "broadcast",
                [&](torch::Tensor& bucket) {
                  std::vector<torch::Tensor> one = {bucket};
                  impl_->group->broadcast(one, options)->wait();
                })
      .status();
}

}  // namespace sdbench
