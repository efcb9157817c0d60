#include "bench/SoakBench.h"

#include "datasets/Benchmark.h"
#include "env/Environment.h"
#include "support/Files.h"
#include "support/Subprocess.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <nlohmann/json.hpp>
#include <random>

namespace passgym {
namespace {

/// Episodes that once took passgym down (issue #10): replayed as they were.
struct HostileEpisode {
  const char *Uri;
  const char *Actions;
};
constexpr HostileEpisode kHostileEpisodes[] = {
    // The attributor leaves IR that crashes the verifier printing it.
    {"generator://csmith-v0/22", "gvn ipsccp sroa tailcallelim attributor"},
    // The scalarizer corrupts the heap.
    {"generator://llvm-stress-v0/53", "sccp bdce scalarizer"},
    // NewGVN never returns.
    {"benchmark://builtin-v0/susan_edges",
     "strip inject-tli-mappings loop-unswitch licm loop-unroll "
     "infer-address-spaces post-inline-ee-instrument reassociate "
     "slp-vectorizer name-anon-globals lowerinvoke loop-interchange mergeicmps "
     "loop-vectorize strip-nondebug bdce guard-widening correlated-propagation "
     "indvars loop-predication attributor libcalls-shrinkwrap licm "
     "ee-instrument bdce loop-rotate reassociate break-crit-edges "
     "libcalls-shrinkwrap loop-vectorize globaldce loop-interchange "
     "loop-reduce loop-sink instnamer callsite-splitting argpromotion "
     "mergereturn coro-cleanup canonicalize-aliases loop-versioning sancov "
     "strip-dead-prototypes lower-expect inline loop-fusion memcpyopt newgvn"},
};

/// The programs random episodes run on: the built-ins, 60 csmith programs
/// and 150 llvm-stress modules, as issue #10's soak had.
std::vector<std::string> soakPrograms() {
  std::vector<std::string> Uris;
  if (auto Builtins = builtinBenchmarkUris())
    Uris = std::move(*Builtins);
  else
    llvm::consumeError(Builtins.takeError());
  for (int Seed = 1; Seed <= 60; ++Seed)
    Uris.push_back("generator://csmith-v0/" + std::to_string(Seed));
  for (int Seed = 1; Seed <= 150; ++Seed)
    Uris.push_back("generator://llvm-stress-v0/" + std::to_string(Seed));
  return Uris;
}

/// What ended an episode early, by the words of its error.
std::string failureKind(llvm::StringRef Error) {
  if (Error.contains("timed out"))
    return "timed out";
  if (Error.contains("the worker died"))
    return "worker died";
  if (Error.contains("crashed"))
    return "crashed";
  if (Error.contains("invalid IR"))
    return "invalid IR";
  return "other";
}

struct Counts {
  uint64_t Episodes = 0, Steps = 0, Hostile = 0, Unloadable = 0;
  std::map<std::string, uint64_t> Failures;

  nlohmann::json json() const {
    return {{"episodes", Episodes},
            {"steps", Steps},
            {"hostile", Hostile},
            {"unloadable", Unloadable},
            {"failures", Failures}};
  }
  void add(const nlohmann::json &J) {
    Episodes += J.value("episodes", 0ULL);
    Steps += J.value("steps", 0ULL);
    Hostile += J.value("hostile", 0ULL);
    Unloadable += J.value("unloadable", 0ULL);
    nlohmann::json Kinds = J.value("failures", nlohmann::json::object());
    for (auto &[Kind, N] : Kinds.items())
      Failures[Kind] += N.get<uint64_t>();
  }
};

class ChunkRunner {
public:
  explicit ChunkRunner(const SoakOptions &Options) : Options(Options) {}
  llvm::Error episode(uint64_t Index);
  Counts Totals;

private:
  llvm::Expected<BenchmarkPtr> benchmark(const std::string &Uri);
  llvm::Error play(const BenchmarkPtr &B, std::vector<size_t> Actions);

  const SoakOptions &Options;
  std::map<std::string, BenchmarkPtr> Loaded;
  std::vector<std::string> Programs = soakPrograms();
  std::unique_ptr<Environment> Env;
};

llvm::Expected<BenchmarkPtr> ChunkRunner::benchmark(const std::string &Uri) {
  if (auto It = Loaded.find(Uri); It != Loaded.end())
    return It->second;
  auto B = loadBenchmark(Uri);
  if (!B)
    return B.takeError();
  return Loaded[Uri] = *B;
}

llvm::Error ChunkRunner::play(const BenchmarkPtr &B,
                              std::vector<size_t> Actions) {
  if (!Env) {
    EnvironmentOptions Isolated;
    Isolated.Isolation = Isolation::Worker;
    Isolated.StepTimeout = Options.StepTimeout;
    auto Created = Environment::create(std::move(Isolated));
    if (!Created)
      return Created.takeError();
    Env = std::move(*Created);
  }
  if (auto Started = Env->reset(B); !Started)
    return Started.takeError();
  ++Totals.Episodes;
  for (size_t Action : Actions) {
    auto Step = Env->step(Action);
    if (!Step)
      return Step.takeError();
    ++Totals.Steps;
    if (Step->Done) {
      ++Totals.Failures[failureKind(Step->Info.Error)];
      break;
    }
  }
  return llvm::Error::success();
}

llvm::Error ChunkRunner::episode(uint64_t Index) {
  const ActionSpace &Space = ActionSpace::builtin();
  if (Options.HostileEvery && Index % Options.HostileEvery == 0) {
    const HostileEpisode &H = kHostileEpisodes[(Index / Options.HostileEvery) %
                                               std::size(kHostileEpisodes)];
    auto B = benchmark(H.Uri);
    if (!B)
      return B.takeError();
    llvm::SmallVector<llvm::StringRef> Names;
    llvm::StringRef(H.Actions).split(Names, ' ');
    std::vector<std::string> Words(Names.begin(), Names.end());
    auto Actions = Space.resolve(Words);
    if (!Actions)
      return Actions.takeError();
    ++Totals.Hostile;
    return play(*B, std::move(*Actions));
  }
  std::mt19937_64 Random(Options.Seed * 1000003 + Index);
  const std::string &Uri = Programs[Random() % Programs.size()];
  auto B = benchmark(Uri);
  if (!B) {
    // Some generated programs do not compile or run (a csmith program that
    // times out, say); the soak is about what passes do.
    llvm::consumeError(B.takeError());
    ++Totals.Unloadable;
    return llvm::Error::success();
  }
  std::vector<size_t> Actions;
  for (unsigned I = 0; I < Options.EpisodeLength; ++I)
    Actions.push_back(Random() % Space.size());
  return play(*B, std::move(Actions));
}

} // namespace

llvm::Error runSoakChunk(const SoakOptions &Options, uint64_t First,
                         uint64_t Count, llvm::raw_ostream &Out) {
  ChunkRunner Runner(Options);
  for (uint64_t I = First; I < First + Count; ++I)
    if (llvm::Error E = Runner.episode(I))
      return E;
  Out << Runner.Totals.json().dump() << "\n";
  return llvm::Error::success();
}

llvm::Error runSoak(const SoakOptions &Options, llvm::raw_ostream &Out,
                    const std::function<void(double)> &Progress) {
  if (Options.Executable.empty())
    return llvm::createStringError("the soak needs the passgym executable");
  Counts Totals;
  uint64_t HostCrashes = 0, HostHangs = 0, Chunks = 0;
  std::vector<std::string> HostFailures;
  auto Start = std::chrono::steady_clock::now();
  for (uint64_t First = 0; First < Options.Episodes; First += Options.Chunk) {
    Progress(static_cast<double>(First) / Options.Episodes);
    uint64_t Count = std::min(Options.Chunk, Options.Episodes - First);
    SubprocessOptions Host;
    Host.Argv = {Options.Executable,
                 "bench",
                 "soak",
                 "--chunk-of",
                 std::to_string(First) + ":" + std::to_string(Count),
                 "--episode-length",
                 std::to_string(Options.EpisodeLength),
                 "--hostile-every",
                 std::to_string(Options.HostileEvery),
                 "--step-timeout",
                 std::to_string(Options.StepTimeout.count()),
                 "--seed",
                 std::to_string(Options.Seed)};
    // Far more than a chunk can take when every step times out one by one
    // is not needed: a host that is still busy after this is hung.
    Host.Timeout = std::chrono::minutes(30) +
                   Options.StepTimeout * static_cast<int64_t>(Count);
    auto Result = runSubprocess(Host);
    if (!Result)
      return Result.takeError();
    ++Chunks;
    std::string Which = "episodes " + std::to_string(First) + "-" +
                        std::to_string(First + Count - 1);
    if (Result->TimedOut) {
      ++HostHangs;
      HostFailures.push_back(Which + ": " + Result->describeFailure());
      continue;
    }
    if (Result->Signal) {
      ++HostCrashes;
      HostFailures.push_back(Which + ": " + Result->describeFailure());
      continue;
    }
    if (!Result->succeeded())
      return llvm::createStringError(
          Which + " failed: " + firstErrorLine(Result->StandardError));
    nlohmann::json J = nlohmann::json::parse(Result->StandardOutput, nullptr,
                                             /*allow_exceptions=*/false);
    if (!J.is_object())
      return llvm::createStringError(Which + " printed no counts");
    Totals.add(J);
  }
  Progress(1);
  double Seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - Start)
          .count();
  uint64_t Recovered = 0;
  for (auto &[Kind, N] : Totals.Failures)
    Recovered += N;
  Out << llvm::formatv("episodes          {0} ({1} of them known hostile; "
                       "{2} on programs that could not be loaded)\n",
                       Totals.Episodes, Totals.Hostile, Totals.Unloadable)
      << llvm::formatv("steps             {0}\n", Totals.Steps)
      << llvm::formatv("recovered         {0} episodes ended by a failure:",
                       Recovered);
  for (auto &[Kind, N] : Totals.Failures)
    Out << " " << N << " " << Kind << ";";
  Out << "\n"
      << llvm::formatv("host crashes      {0} (of {1} host processes)\n",
                       HostCrashes, Chunks)
      << llvm::formatv("host hangs        {0}\n", HostHangs)
      << llvm::formatv("wall time         {0:F0} s ({1:F1} episodes/s)\n",
                       Seconds, Totals.Episodes / Seconds);
  for (const std::string &Failure : HostFailures)
    Out << "  host failure: " << Failure << "\n";
  if (!Options.JsonPath.empty()) {
    nlohmann::json J = Totals.json();
    J["host_crashes"] = HostCrashes;
    J["host_hangs"] = HostHangs;
    J["host_processes"] = Chunks;
    J["seconds"] = Seconds;
    if (llvm::Error E = writeFileAtomically(Options.JsonPath, J.dump(2) + "\n"))
      return E;
  }
  if (HostCrashes || HostHangs)
    return llvm::createStringError(
        std::to_string(HostCrashes) + " host crashes and " +
        std::to_string(HostHangs) + " host hangs (the goal is none)");
  return llvm::Error::success();
}

} // namespace passgym
