#include "env/Environment.h"

#include "actions/PassRunner.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

namespace passgym {
namespace {

/// \p E, saying which space of which benchmark failed: a run-time error
/// alone ("stdout differs ...") does not say where it came from.
llvm::Error inSpace(llvm::StringRef Kind, llvm::StringRef Space,
                    const Benchmark &B, llvm::Error E) {
  return llvm::createStringError(Kind + " " + Space + " of '" + B.uri() +
                                 "': " + llvm::toString(std::move(E)));
}

} // namespace

Environment::Environment(EnvironmentOptions Options, const RewardSpace &Reward,
                         const ObservationSpace *Observed)
    : Options(std::move(Options)), Reward(&Reward), Observed(Observed) {}

Environment::~Environment() = default;

llvm::Expected<std::unique_ptr<Environment>>
Environment::create(EnvironmentOptions Options) {
  if (!Options.Actions)
    Options.Actions = std::shared_ptr<const ActionSpace>(
        &ActionSpace::builtin(), [](const ActionSpace *) {});
  if (!Options.Measurement)
    Options.Measurement = std::make_shared<MeasurementContext>();
  auto Reward = findRewardSpace(Options.RewardSpace);
  if (!Reward)
    return Reward.takeError();
  const ObservationSpace *Observed = nullptr;
  if (!Options.ObservationSpace.empty()) {
    auto Space = findObservationSpace(Options.ObservationSpace);
    if (!Space)
      return Space.takeError();
    Observed = &*Space;
  }
  return std::unique_ptr<Environment>(
      new Environment(std::move(Options), *Reward, Observed));
}

llvm::Expected<std::optional<Observation>> Environment::reset(BenchmarkPtr B) {
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
  Bench = std::move(B);
  Tracker = std::move(*NewTracker);
  History.clear();
  EpisodeReward = 0;
  Done = false;
  return observeConfigured();
}

StepResult Environment::endEpisode(std::string Error) {
  Done = true;
  StepResult Result;
  Result.Done = true;
  Result.Reward = Tracker->failurePenalty();
  EpisodeReward += Result.Reward;
  Result.Info.Error = std::move(Error);
  return Result;
}

llvm::Expected<StepResult> Environment::step(size_t Action) {
  if (Done)
    return llvm::createStringError("the episode is over; call reset()");
  if (!inEpisode())
    return llvm::createStringError("step() before reset(): no episode");
  if (Action >= actions().size())
    return llvm::createStringError("action " + std::to_string(Action) +
                                   " is out of range: the space has " +
                                   std::to_string(actions().size()) +
                                   " actions");

  auto Run = Runner->run(actions()[Action].Pipeline);
  if (!Run)
    return passFailed(Action, Run.takeError());
  History.push_back(Action);
  StepResult Result;
  Result.Info.Changed = Run->Changed;
  Result.Info.PassTime = Run->PassTime;
  Result.Info.VerifyTime = Run->VerifyTime;
  auto Reward = Tracker->step(*Module, *Bench, Run->Changed, measurement());
  if (!Reward)
    return endEpisode(llvm::toString(
        inSpace("reward", this->Reward->Name, *Bench, Reward.takeError())));
  auto Observation = observeConfigured();
  if (!Observation)
    return endEpisode(llvm::toString(Observation.takeError()));
  Result.Reward = *Reward;
  EpisodeReward += *Reward;
  Result.Observation = std::move(*Observation);
  return Result;
}

llvm::Expected<StepResult> Environment::passFailed(size_t Action,
                                                   llvm::Error E) {
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
  History.push_back(Action);
  // After a crash or invalid IR the module (and, after a crash, its context)
  // may be half rewritten: destroying them could crash again, so they are
  // abandoned (the runner leaks its analyses itself) and the next reset()
  // starts from a fresh context.
  Runner.reset();
  (void)Module.release();
  (void)Context.release();
  return endEpisode(std::move(Message));
}

llvm::Expected<Observation> Environment::observe(llvm::StringRef Space) const {
  if (!inEpisode())
    return llvm::createStringError("observe() outside an episode");
  auto Found = findObservationSpace(Space);
  if (!Found)
    return Found.takeError();
  auto Value = Found->Compute(*Module, *Bench, measurement());
  if (!Value)
    return inSpace("observation", Found->Name, *Bench, Value.takeError());
  return Value;
}

llvm::Expected<std::optional<Observation>>
Environment::observeConfigured() const {
  if (!Observed)
    return std::nullopt;
  // The reward has just computed this state's cost: observing the same cost
  // must not run codegen or a measurement again.
  if (Observed->Cost == Reward->Cost)
    return std::optional<Observation>(
        costObservationValue(Reward->Cost, Tracker->currentCost()));
  auto Value = Observed->Compute(*Module, *Bench, measurement());
  if (!Value)
    return inSpace("observation", Observed->Name, *Bench, Value.takeError());
  return std::optional<Observation>(std::move(*Value));
}

llvm::Expected<std::unique_ptr<Environment>> Environment::fork() const {
  std::unique_ptr<Environment> Copy(
      new Environment(Options, *Reward, Observed));
  if (!inEpisode())
    return std::move(Copy);
  // Modules cannot be cloned across contexts; a bitcode round trip is the
  // cheapest exact copy.
  llvm::SmallVector<char, 0> Buffer;
  {
    llvm::raw_svector_ostream Stream(Buffer);
    llvm::WriteBitcodeToFile(*Module, Stream);
  }
  Copy->Context = std::make_unique<llvm::LLVMContext>();
  auto Parsed = llvm::parseBitcodeFile(
      llvm::MemoryBufferRef(llvm::StringRef(Buffer.data(), Buffer.size()),
                            Module->getModuleIdentifier()),
      *Copy->Context);
  if (!Parsed)
    return Parsed.takeError();
  Copy->Module = std::move(*Parsed);
  Copy->Module->setModuleIdentifier(Module->getModuleIdentifier());
  auto CopyRunner = PassRunner::create(*Copy->Module);
  if (!CopyRunner)
    return CopyRunner.takeError();
  Copy->Runner = std::move(*CopyRunner);
  Copy->Bench = Bench;
  Copy->Tracker = Tracker;
  Copy->History = History;
  Copy->EpisodeReward = EpisodeReward;
  Copy->Done = Done;
  return std::move(Copy);
}

std::string Environment::pipeline() const {
  return actions().pipeline(History);
}

std::string Environment::commandline(llvm::StringRef Input,
                                     llvm::StringRef Output) const {
  return "opt-19 -passes='" + pipeline() + "' " + Input.str() + " -o " +
         Output.str();
}

} // namespace passgym
