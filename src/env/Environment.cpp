#include "env/Environment.h"

#include "env/LocalEnvironment.h"
#include "env/WorkerEnvironment.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

namespace passgym {

llvm::StringRef isolationName(Isolation I) {
  return I == Isolation::Worker ? "worker" : "in-process";
}

std::optional<Isolation> parseIsolation(llvm::StringRef Name) {
  if (Name == "worker")
    return Isolation::Worker;
  if (Name == "in-process")
    return Isolation::InProcess;
  return std::nullopt;
}

std::chrono::milliseconds stepTimeoutFor(const Benchmark &B,
                                         const RewardSpace &Reward,
                                         const MeasurementOptions &Measure) {
  auto Counted =
      B.cached<size_t>("instructions", [&]() -> llvm::Expected<size_t> {
        llvm::LLVMContext Context;
        auto M = B.load(Context);
        if (!M)
          return M.takeError();
        return (*M)->getInstructionCount();
      });
  size_t Count = Counted ? *Counted : 0;
  if (!Counted)
    llvm::consumeError(Counted.takeError());
  std::chrono::milliseconds Timeout(10000 + Count / 10);
  if (Reward.Cost == CostFunction::Runtime && B.runSpec())
    // Building the program, the reference run, and every measured run.
    Timeout += B.runSpec()->Timeout *
               (Measure.WarmupRuns + std::max(Measure.MaxRuns, 1u) + 2);
  return Timeout;
}

llvm::Error inSpace(llvm::StringRef Kind, llvm::StringRef Space,
                    const Benchmark &B, llvm::Error E) {
  return llvm::createStringError(Kind + " " + Space + " of '" + B.uri() +
                                 "': " + llvm::toString(std::move(E)));
}

namespace {

/// One `opt -passes=` text that runs \p Pipelines in order. An empty one is
/// left out: `opt -passes=` accepts it alone, not between commas.
std::string joinPipelines(llvm::ArrayRef<std::string> Pipelines) {
  std::string Joined;
  for (const std::string &Pipeline : Pipelines) {
    if (Pipeline.empty())
      continue;
    if (!Joined.empty())
      Joined += ',';
    Joined += Pipeline;
  }
  return Joined;
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
  if (Options.Isolation == Isolation::Worker)
    return WorkerEnvironment::create(std::move(Options), *Reward, Observed);
  return std::unique_ptr<Environment>(
      new LocalEnvironment(std::move(Options), *Reward, Observed));
}

llvm::Expected<std::optional<Observation>> Environment::reset(BenchmarkPtr B) {
  auto Initial = startEpisode(B);
  if (!Initial)
    return Initial.takeError();
  Bench = std::move(B);
  HasModule = true;
  History.clear();
  Applied.clear();
  EpisodeReward = 0;
  Done = false;
  return Initial;
}

StepResult Environment::failedStep(std::string Error) const {
  StepResult Result;
  Result.Done = true;
  Result.Reward = Tracker->failurePenalty();
  Result.Info.Error = std::move(Error);
  return Result;
}

llvm::Error Environment::checkCanStep() const {
  if (Done)
    return llvm::createStringError("the episode is over; call reset()");
  if (!inEpisode())
    return llvm::createStringError("step() before reset(): no episode");
  return llvm::Error::success();
}

llvm::Error Environment::checkAction(size_t Action) const {
  if (Action < actions().size())
    return llvm::Error::success();
  return llvm::createStringError("action " + std::to_string(Action) +
                                 " is out of range: the space has " +
                                 std::to_string(actions().size()) + " actions");
}

llvm::Expected<StepResult>
Environment::applyAsOne(llvm::ArrayRef<std::string> Pipelines) {
  StepsInFlight = Pipelines.size();
  auto Result = applyPipeline(joinPipelines(Pipelines));
  StepsInFlight = 1;
  return Result;
}

llvm::Expected<StepResult>
Environment::applySteps(llvm::ArrayRef<std::string> Pipelines, size_t &Taken) {
  Taken = 0;
  if (Pipelines.empty())
    return llvm::createStringError("a multistep needs at least one action");
  auto Result = applyAsOne(Pipelines);
  if (!Result)
    return Result.takeError();
  if (Result->Done && Pipelines.size() > 1)
    return replayStepwise(Pipelines, std::move(*Result), Taken);
  Taken = Pipelines.size();
  Applied.insert(Applied.end(), Pipelines.begin(), Pipelines.end());
  EpisodeReward += Result->Reward;
  Done = Result->Done;
  return Result;
}

StepResult Environment::replayStepwise(llvm::ArrayRef<std::string> Pipelines,
                                       StepResult Failed, size_t &Taken) {
  // Whatever the batch left behind (a module that may be broken, a dead
  // worker) is replaced; passes are deterministic, so the same steps lead to
  // the same states.
  auto Restarted = startEpisode(Bench);
  HasModule = static_cast<bool>(Restarted);
  llvm::Error Problem =
      Restarted ? llvm::Error::success() : Restarted.takeError();
  if (!Problem && !Applied.empty()) {
    auto Before = applyAsOne(Applied);
    if (!Before)
      Problem = Before.takeError();
    else if (Before->Done)
      Problem = llvm::createStringError(Before->Info.Error);
  }
  if (Problem) {
    HasModule = false;
    Failed.Info.Error += "; replaying the episode to find the step that "
                         "failed did not work: " +
                         llvm::toString(std::move(Problem));
    Taken = Pipelines.size();
    Applied.insert(Applied.end(), Pipelines.begin(), Pipelines.end());
    EpisodeReward += Failed.Reward;
    Done = true;
    return Failed;
  }
  StepResult Result;
  double Reward = 0;
  auto PassTime = Failed.Info.PassTime, VerifyTime = Failed.Info.VerifyTime;
  bool Changed = false;
  for (const std::string &Pipeline : Pipelines) {
    auto Step = applyPipeline(Pipeline);
    // Each part parsed as part of the batch.
    Result =
        Step ? std::move(*Step) : failedStep(llvm::toString(Step.takeError()));
    ++Taken;
    Applied.push_back(Pipeline);
    Reward += Result.Reward;
    Changed |= Result.Info.Changed;
    PassTime += Result.Info.PassTime;
    VerifyTime += Result.Info.VerifyTime;
    if (Result.Done)
      break;
  }
  Result.Reward = Reward;
  Result.Info.Changed = Changed;
  Result.Info.PassTime = PassTime;
  Result.Info.VerifyTime = VerifyTime;
  EpisodeReward += Reward;
  Done = Result.Done;
  return Result;
}

llvm::Expected<StepResult> Environment::step(size_t Action) {
  return multistep(Action);
}

llvm::Expected<StepResult> Environment::stepPipeline(llvm::StringRef Pipeline) {
  return multistepPipelines(Pipeline.str());
}

llvm::Expected<StepResult>
Environment::multistep(llvm::ArrayRef<size_t> Actions) {
  if (llvm::Error E = checkCanStep())
    return std::move(E);
  std::vector<std::string> Pipelines;
  for (size_t Action : Actions) {
    if (llvm::Error E = checkAction(Action))
      return std::move(E);
    Pipelines.push_back(actions()[Action].Pipeline);
  }
  size_t Taken = 0;
  auto Result = applySteps(Pipelines, Taken);
  History.insert(History.end(), Actions.begin(), Actions.begin() + Taken);
  return Result;
}

llvm::Expected<StepResult>
Environment::multistepPipelines(llvm::ArrayRef<std::string> Pipelines) {
  if (llvm::Error E = checkCanStep())
    return std::move(E);
  size_t Taken = 0;
  return applySteps(Pipelines, Taken);
}

llvm::Expected<Observation> Environment::observe(llvm::StringRef Space) const {
  if (!inEpisode())
    return llvm::createStringError("observe() outside an episode");
  auto Found = findObservationSpace(Space);
  if (!Found)
    return Found.takeError();
  return computeObservation(*Found);
}

llvm::Expected<const llvm::Module &> Environment::module() const {
  if (!inEpisode())
    return llvm::createStringError(
        "no module: the environment is not in an episode");
  return currentModule();
}

llvm::Expected<std::unique_ptr<Environment>> Environment::fork() const {
  auto Copy = copy();
  if (!Copy)
    return Copy.takeError();
  Environment &C = **Copy;
  C.setEpisodeState(episodeState());
  C.HasModule = HasModule;
  return Copy;
}

Environment::EpisodeState Environment::episodeState() const {
  return {Bench, Tracker, History, Applied, EpisodeReward, Done};
}

void Environment::setEpisodeState(const EpisodeState &S) {
  Bench = S.Bench;
  Tracker = S.Tracker;
  History = S.History;
  Applied = S.Applied;
  EpisodeReward = S.EpisodeReward;
  Done = S.Done;
}

llvm::Error Environment::keep(uint64_t Key) {
  if (!inEpisode())
    return llvm::createStringError("keep() outside an episode");
  if (llvm::Error E = keepModule(Key))
    return E;
  Kept[Key] = episodeState();
  return llvm::Error::success();
}

llvm::Error Environment::restore(uint64_t Key) {
  auto Found = Kept.find(Key);
  if (Found == Kept.end())
    return llvm::createStringError("no state is kept under " +
                                   std::to_string(Key));
  if (llvm::Error E = restoreModule(Key))
    return E;
  setEpisodeState(Found->second);
  HasModule = true;
  return llvm::Error::success();
}

void Environment::forget(uint64_t Key) {
  if (Kept.erase(Key))
    forgetModule(Key);
}

std::string Environment::pipeline() const { return joinPipelines(Applied); }

std::string Environment::commandline(llvm::StringRef Input,
                                     llvm::StringRef Output) const {
  return "opt-19 -passes='" + pipeline() + "' " + Input.str() + " -o " +
         Output.str();
}

} // namespace passgym
