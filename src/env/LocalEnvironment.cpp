#include "env/LocalEnvironment.h"

#include "actions/PassRunner.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

namespace passgym {

LocalEnvironment::LocalEnvironment(EnvironmentOptions Options,
                                   const RewardSpace &Reward,
                                   const ObservationSpace *Observed)
    : Environment(std::move(Options), Reward, Observed) {}

LocalEnvironment::~LocalEnvironment() = default;

llvm::Expected<std::optional<Observation>>
LocalEnvironment::startEpisode(const BenchmarkPtr &B) {
  auto NewContext = std::make_unique<llvm::LLVMContext>();
  auto NewModule = B->load(*NewContext);
  if (!NewModule)
    return NewModule.takeError();
  auto NewTracker =
      RewardTracker::start(*Reward, **NewModule, *B, measurement());
  if (!NewTracker)
    return inSpace("reward", Reward->Name, *B, NewTracker.takeError());
  auto NewRunner = PassRunner::create(**NewModule);
  if (!NewRunner)
    return NewRunner.takeError();
  Runner.reset();
  Module.reset();
  Context = std::move(NewContext);
  Module = std::move(*NewModule);
  Runner = std::move(*NewRunner);
  Tracker = std::move(*NewTracker);
  return observeConfigured(*B);
}

llvm::Expected<StepResult>
LocalEnvironment::applyPipeline(const std::string &Pipeline) {
  auto Run = Runner->run(Pipeline);
  if (!Run)
    return passFailed(Run.takeError());
  StepResult Result;
  Result.Info.Changed = Run->Changed;
  Result.Info.PassTime = Run->PassTime;
  Result.Info.VerifyTime = Run->VerifyTime;
  // The runner keeps the instruction count up to date for what changed.
  auto Reward =
      this->Reward->Cost == CostFunction::IrInstructionCount
          ? llvm::Expected<double>(Tracker->stepTo(
                static_cast<double>(Runner->instructionCount())))
          : Tracker->step(*Module, *Bench, Run->Changed, measurement());
  if (!Reward)
    return failedStep(llvm::toString(
        inSpace("reward", this->Reward->Name, *Bench, Reward.takeError())));
  auto Observation = observeConfigured(*Bench);
  if (!Observation)
    return failedStep(llvm::toString(Observation.takeError()));
  Result.Reward = *Reward;
  Result.Observation = std::move(*Observation);
  return Result;
}

llvm::Expected<StepResult> LocalEnvironment::passFailed(llvm::Error E) {
  std::optional<PassFailure> Kind;
  std::string Message;
  if (llvm::Error Other =
          llvm::handleErrors(std::move(E), [&](const PassError &Failure) {
            Kind = Failure.kind();
            Message = Failure.message();
          }))
    return std::move(Other);
  if (*Kind == PassFailure::InvalidPipeline)
    return llvm::createStringError(Message);
  // After a crash or invalid IR the module (and, after a crash, its context)
  // may be half rewritten: destroying them could crash again, so they are
  // abandoned (the runner leaks its analyses itself) and the next reset()
  // starts from a fresh context.
  Runner.reset();
  (void)Module.release();
  (void)Context.release();
  HasModule = false;
  return failedStep(std::move(Message));
}

llvm::Expected<Observation>
LocalEnvironment::computeObservation(const ObservationSpace &Space) const {
  auto Value = Space.Compute(*Module, *Bench, measurement());
  if (!Value)
    return inSpace("observation", Space.Name, *Bench, Value.takeError());
  return Value;
}

llvm::Expected<std::optional<Observation>>
LocalEnvironment::observeConfigured(const Benchmark &B) const {
  if (!Observed)
    return std::nullopt;
  // The reward has just computed this state's cost: observing the same cost
  // must not run codegen or a measurement again.
  if (Observed->Cost == Reward->Cost)
    return std::optional<Observation>(
        costObservationValue(Reward->Cost, Tracker->currentCost()));
  auto Value = Observed->Compute(*Module, B, measurement());
  if (!Value)
    return inSpace("observation", Observed->Name, B, Value.takeError());
  return std::optional<Observation>(std::move(*Value));
}

llvm::Expected<std::unique_ptr<Environment>> LocalEnvironment::copy() const {
  std::unique_ptr<LocalEnvironment> Copy(
      new LocalEnvironment(Options, *Reward, Observed));
  if (!inEpisode())
    return std::move(Copy);
  if (llvm::Error E = Copy->loadModule(moduleBitcode()))
    return std::move(E);
  return std::move(Copy);
}

LocalEnvironment::KeptModule LocalEnvironment::moduleBitcode() const {
  // Modules cannot be cloned across contexts; bitcode is the cheapest exact
  // copy, and a kept state is only ever written (most are never restored).
  KeptModule Kept{Module->getModuleIdentifier(), {}};
  llvm::raw_svector_ostream Stream(Kept.Bitcode);
  llvm::WriteBitcodeToFile(*Module, Stream,
                           /*ShouldPreserveUseListOrder=*/true);
  return Kept;
}

llvm::Error LocalEnvironment::loadModule(const KeptModule &Kept) {
  auto NewContext = std::make_unique<llvm::LLVMContext>();
  auto Parsed = llvm::parseBitcodeFile(
      llvm::MemoryBufferRef(
          llvm::StringRef(Kept.Bitcode.data(), Kept.Bitcode.size()),
          Kept.Identifier),
      *NewContext);
  if (!Parsed)
    return Parsed.takeError();
  (*Parsed)->setModuleIdentifier(Kept.Identifier);
  auto NewRunner = PassRunner::create(**Parsed);
  if (!NewRunner)
    return NewRunner.takeError();
  Runner.reset();
  Module.reset();
  Context = std::move(NewContext);
  Module = std::move(*Parsed);
  Runner = std::move(*NewRunner);
  return llvm::Error::success();
}

llvm::Error LocalEnvironment::keepModule(uint64_t Key) {
  KeptModules[Key] = moduleBitcode();
  return llvm::Error::success();
}

llvm::Error LocalEnvironment::restoreModule(uint64_t Key) {
  // Environment::restore() found the key: keep() stored both or neither.
  return loadModule(KeptModules.at(Key));
}

void LocalEnvironment::forgetModule(uint64_t Key) { KeptModules.erase(Key); }

llvm::Expected<const llvm::Module &> LocalEnvironment::currentModule() const {
  return *Module;
}

} // namespace passgym
