//===- env/WorkerEnvironment.h - An environment in a worker process -------===//
//
// The environment's module lives in a worker process (passgym-worker, found
// beside the code that runs; PASSGYM_WORKER overrides): each reset, step,
// observation and fork is a request to it, answered within a timeout. A
// worker that dies (a crash, memory corruption) or runs past the timeout is
// killed; the step ends the episode saying why, and the next reset() starts
// a new worker. fork() forks the worker process itself, so a fork costs a
// copy-on-write fork(), not a copy of the module. All of a session's workers
// keep their temporary files under one directory that this process removes.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_ENV_WORKERENVIRONMENT_H
#define PASSGYM_ENV_WORKERENVIRONMENT_H

#include "env/Environment.h"

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace passgym {

class Channel;
class TempDir;

namespace worker {
enum class Request : uint64_t;
} // namespace worker

class WorkerEnvironment final : public Environment {
public:
  static llvm::Expected<std::unique_ptr<Environment>>
  create(EnvironmentOptions Options, const RewardSpace &Reward,
         const ObservationSpace *Observed);
  ~WorkerEnvironment() override;

private:
  struct Process;

  WorkerEnvironment(EnvironmentOptions Options, const RewardSpace &Reward,
                    const ObservationSpace *Observed);

  llvm::Expected<std::optional<Observation>>
  startEpisode(const BenchmarkPtr &B) override;
  llvm::Expected<StepResult>
  applyPipeline(const std::string &Pipeline) override;
  llvm::Expected<Observation>
  computeObservation(const ObservationSpace &Space) const override;
  llvm::Expected<std::unique_ptr<Environment>> copy() const override;
  llvm::Expected<const llvm::Module &> currentModule() const override;
  llvm::Error keepModule(uint64_t Key) override;
  llvm::Error restoreModule(uint64_t Key) override;
  void forgetModule(uint64_t Key) override;
  llvm::Error callWithKey(worker::Request Kind, uint64_t Key,
                          llvm::StringRef What);

  /// Sends a request and waits for its reply's payload within \p Timeout. A
  /// worker that does not answer or died is killed and forgotten, and the
  /// error says what happened to it while doing \p What.
  llvm::Expected<std::string>
  call(worker::Request Kind, llvm::StringRef Payload,
       std::chrono::milliseconds Timeout, llvm::StringRef What,
       std::vector<int> *Descriptors = nullptr) const;
  llvm::Error startWorker();
  /// The step timeout, once for every step a multistep applies.
  std::chrono::milliseconds timeout() const;

  /// The worker; null before the first reset and after it was lost.
  mutable std::unique_ptr<Process> Worker;
  /// The module fetched from the worker, until the next step.
  mutable std::unique_ptr<llvm::LLVMContext> FetchedContext;
  mutable std::unique_ptr<llvm::Module> Fetched;
};

} // namespace passgym

#endif
