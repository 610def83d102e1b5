// Data-parallel training over PyTorch's c10d: the launch environment
// (torchrun, Slurm, mpirun, or the runner's own --nproc), TCPStore
// rendezvous, a Gloo (CPU) or NCCL (GPU) process group with timeouts, and the collectives the
// trainer needs: bucketed gradient averaging that leaves dropped blocks out,
// sums of metrics, packed broadcasts.
#ifndef SDBENCH_LIB_DISTRIBUTED_COMMUNICATOR_H_
#define SDBENCH_LIB_DISTRIBUTED_COMMUNICATOR_H_

#include <torch/torch.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sdbench {

struct DistributedEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  int local_world_size = 0;  // Ranks on this node; 0 when the launcher does not say.
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string source = "none";  // "torchrun", "slurm", "mpirun" or "none".
};

// Reads the launcher's variables: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
// MASTER_PORT (torchrun and the runner's --nproc); else SLURM_PROCID,
// SLURM_NTASKS, SLURM_LOCALID (srun); else OMPI_COMM_WORLD_RANK/SIZE/
// LOCAL_RANK (mpirun). The ranks on this node come from LOCAL_WORLD_SIZE,
// Slurm's SLURM_STEP_TASKS_PER_NODE (else SLURM_TASKS_PER_NODE) at
// SLURM_NODEID, or OMPI_COMM_WORLD_LOCAL_SIZE. None set: one process. Malformed or inconsistent
// values (rank >= world size, a port out of range, RANK without
// WORLD_SIZE) are errors naming the variable. `get` defaults to getenv.
absl::StatusOr<DistributedEnv> ReadDistributedEnv(
    const std::function<const char*(const char*)>& get = nullptr);

// Slurm's tasks-per-node list ("2(x3),1": three nodes of 2 tasks, then one
// of 1) at node `node` (0-based); an error naming `variable` when the list is
// malformed or shorter.
absl::StatusOr<int> SlurmTasksOnNode(const char* variable, absl::string_view list, int node);

// The c10d process group of a job: Gloo for training on CPUs, NCCL for
// training on GPUs (one process per GPU).
enum class CollectiveBackend { kGloo, kNccl };
const char* CollectiveBackendName(CollectiveBackend backend);

// The backend for training on `device` ("cpu", "cuda", "cuda:K"), given
// what this build has: `requested` "auto" picks NCCL for CUDA and Gloo for
// the CPU; "gloo" is also allowed for CUDA tensors (collectives staged
// through the host: slower, but several ranks may share one GPU, which NCCL
// refuses); "nccl" only for CUDA. An error says what is missing or wrong
// and what to do.
absl::StatusOr<CollectiveBackend> ChooseBackend(const std::string& device,
                                                const std::string& requested, bool gloo_available,
                                                bool nccl_available);

class Communicator {
 public:
  // Rendezvous at master_addr:master_port (rank 0 hosts the TCPStore) and a
  // process group of `backend`, whose collectives run on `device` (tensors
  // elsewhere are moved there and back); every collective fails with an
  // error, instead of hanging, when a peer is gone or silent for `timeout`.
  static absl::StatusOr<std::unique_ptr<Communicator>> Connect(
      const DistributedEnv& env, std::chrono::milliseconds timeout,
      CollectiveBackend backend = CollectiveBackend::kGloo,
      const torch::Device& device = torch::kCPU);
  ~Communicator();

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  CollectiveBackend backend() const { return backend_; }

  static constexpr int64_t kBucketBytes = 25 << 20;

  // Averages the gradients of `parameters` over the ranks, in place. A
  // parameter without a gradient (a block dropped on every rank: all ranks
  // draw the same gates) takes no part: its bytes are not sent. The
  // gradients are packed into buckets of at most `bucket_bytes`, one
  // allreduce each. Returns the bytes this rank contributed.
  absl::StatusOr<int64_t> AverageGradients(const std::vector<torch::Tensor>& parameters,
                                           int64_t bucket_bytes = kBucketBytes);

  // Sums a (small) tensor over the ranks, in place.
  absl::Status SumInPlace(torch::Tensor& tensor);
  // Rank `root`'s values of `tensors` (all of one dtype), everywhere, in
  // place, packed into as few broadcasts as the buckets allow.
  absl::Status Broadcast(const std::vector<torch::Tensor>& tensors, int root = 0);

 private:
  struct Impl;
  Communicator(int rank, int world_size, CollectiveBackend backend, std::unique_ptr<Impl> impl);
  absl::StatusOr<int64_t> Packed(const std::vector<torch::Tensor>& tensors, int64_t bucket_bytes,
                                 const char* what,
                                 const std::function<void(torch::Tensor&)>& collective);
  int rank_;
  int world_size_;
  CollectiveBackend backend_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sdbench

#endif  // SDBENCH_LIB_DISTRIBUTED_COMMUNICATOR_H_
