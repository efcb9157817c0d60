//===- distributed/Job.cpp - What every rank is told, where it runs -------===//
#include "distributed/Distributed.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"

#include <nlohmann/json.hpp>

#include <unistd.h>

namespace passgym {
namespace {

bool aboveOne(const char *Variable) {
  std::optional<std::string> Value = llvm::sys::Process::GetEnv(Variable);
  unsigned N = 0;
  return Value && !llvm::StringRef(*Value).getAsInteger(10, N) && N > 1;
}

std::string cpuModel() {
  auto CpuInfo = llvm::MemoryBuffer::getFileAsStream("/proc/cpuinfo");
  if (!CpuInfo)
    return "unknown CPU";
  llvm::SmallVector<llvm::StringRef> Lines;
  (*CpuInfo)->getBuffer().split(Lines, '\n');
  for (llvm::StringRef Line : Lines)
    if (Line.starts_with("model name"))
      return Line.split(':').second.trim().str();
  return "unknown CPU";
}

} // namespace

bool launchedByMpi() {
  return aboveOne("OMPI_COMM_WORLD_SIZE") || aboveOne("PMI_SIZE") ||
         aboveOne("PMIX_SIZE");
}

std::string hostFingerprint() {
  char Name[256] = {};
  if (gethostname(Name, sizeof(Name) - 1) != 0)
    return "unknown host (" + cpuModel() + ")";
  return std::string(Name) + " (" + cpuModel() + ")";
}

DistributedJob jobOf(const Benchmark &B, const EnvironmentOptions &Env,
                     CostFunction Cost) {
  const ActionSpace &Actions = spaceOrBuiltin(Env.Actions);
  DistributedJob Job;
  Job.Benchmark = B.uri();
  Job.Cost = Cost;
  Job.ActionsName = Actions.name();
  Job.Actions = Actions.actions();
  Job.Isolation = Env.Isolation;
  if (Env.Measurement)
    Job.Measurement = Env.Measurement->options();
  return Job;
}

std::string encodeJob(const DistributedJob &Job) {
  nlohmann::json Actions = nlohmann::json::array();
  for (const Action &A : Job.Actions)
    Actions.push_back({A.Name, A.Pipeline});
  const MeasurementOptions &M = Job.Measurement;
  nlohmann::json Measurement = {{"warmup_runs", M.WarmupRuns},
                                {"min_runs", M.MinRuns},
                                {"max_runs", M.MaxRuns},
                                {"agreeing_runs", M.AgreeingRuns},
                                {"agreement", M.Agreement}};
  if (M.Cpu)
    Measurement["cpu"] = *M.Cpu;
  return nlohmann::json{{"benchmark", Job.Benchmark},
                        {"cost", costName(Job.Cost)},
                        {"actions_name", Job.ActionsName},
                        {"actions", std::move(Actions)},
                        {"isolation", isolationName(Job.Isolation)},
                        {"measurement", std::move(Measurement)}}
      .dump();
}

llvm::Expected<DistributedJob> decodeJob(llvm::StringRef Text) {
  auto J = nlohmann::json::parse(Text.begin(), Text.end(), nullptr,
                                 /*allow_exceptions=*/false);
  if (J.is_discarded() || !J.is_object())
    return llvm::createStringError("the job message is not a JSON object");
  try {
    DistributedJob Job;
    Job.Benchmark = J.at("benchmark").get<std::string>();
    std::string Cost = J.at("cost").get<std::string>();
    std::optional<CostFunction> ParsedCost = parseCostName(Cost);
    if (!ParsedCost)
      return llvm::createStringError("the job names an unknown cost '" + Cost +
                                     "'");
    Job.Cost = *ParsedCost;
    Job.ActionsName = J.at("actions_name").get<std::string>();
    for (const auto &A : J.at("actions"))
      Job.Actions.push_back(
          {A.at(0).get<std::string>(), A.at(1).get<std::string>()});
    std::string Isolation = J.at("isolation").get<std::string>();
    std::optional<passgym::Isolation> ParsedIsolation =
        parseIsolation(Isolation);
    if (!ParsedIsolation)
      return llvm::createStringError("the job names an unknown isolation '" +
                                     Isolation + "'");
    Job.Isolation = *ParsedIsolation;
    const auto &M = J.at("measurement");
    Job.Measurement.WarmupRuns = M.at("warmup_runs").get<unsigned>();
    Job.Measurement.MinRuns = M.at("min_runs").get<unsigned>();
    Job.Measurement.MaxRuns = M.at("max_runs").get<unsigned>();
    Job.Measurement.AgreeingRuns = M.at("agreeing_runs").get<unsigned>();
    Job.Measurement.Agreement = M.at("agreement").get<double>();
    if (M.contains("cpu"))
      Job.Measurement.Cpu = M.at("cpu").get<unsigned>();
    return Job;
  } catch (const nlohmann::json::exception &E) {
    return llvm::createStringError(std::string("malformed job message: ") +
                                   E.what());
  }
}

llvm::Error MpiJob::serveWith(
    llvm::function_ref<llvm::Expected<std::string>(const RankMessage &)>
        Answer) {
  auto Stopped = answerUntilStopped(Answer);
  if (!Stopped)
    return Stopped.takeError();
  auto Stop = nlohmann::json::parse(*Stopped, nullptr,
                                    /*allow_exceptions=*/false);
  RankLost = Stop.is_object() && Stop.value("rank_lost", false);
  return llvm::Error::success();
}

} // namespace passgym
