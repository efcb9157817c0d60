//===- env/LocalEnvironment.h - An environment in this process ------------===//
//
// The environment's steps run in the calling process: the module, its
// LLVMContext and the PassRunner that keeps its analyses between steps live
// here. A worker process serves one of these too.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_ENV_LOCALENVIRONMENT_H
#define PASSGYM_ENV_LOCALENVIRONMENT_H

#include "env/Environment.h"

#include "llvm/ADT/SmallVector.h"

#include <map>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace passgym {

class PassRunner;

class LocalEnvironment final : public Environment {
public:
  LocalEnvironment(EnvironmentOptions Options, const RewardSpace &Reward,
                   const ObservationSpace *Observed);
  ~LocalEnvironment() override;

private:
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

  llvm::Expected<std::optional<Observation>>
  observeConfigured(const Benchmark &B) const;
  llvm::Expected<StepResult> passFailed(llvm::Error E);
  /// A module as keep() holds it.
  struct KeptModule {
    std::string Identifier;
    llvm::SmallVector<char, 0> Bitcode;
  };
  KeptModule moduleBitcode() const;
  /// Makes \p Kept the module, in a context and with a runner of its own.
  llvm::Error loadModule(const KeptModule &Kept);

  std::unique_ptr<llvm::LLVMContext> Context;
  std::unique_ptr<llvm::Module> Module;
  /// Applies the actions to Module, keeping LLVM's analyses between steps;
  /// declared after Module so that it is destroyed first.
  std::unique_ptr<PassRunner> Runner;
  /// keep()'s copies, as bitcode: writing it costs half of a copy (no
  /// parse), most kept states are never restored, and a module in memory,
  /// with its context, is many times the size of its bitcode.
  std::map<uint64_t, KeptModule> KeptModules;
};

} // namespace passgym

#endif
