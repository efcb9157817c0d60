#include "bench/EnvBench.h"

#include "costs/Cost.h"
#include "datasets/Benchmark.h"
#include "datasets/Manifest.h"
#include "env/Environment.h"
#include "support/Files.h"
#include "support/Statistics.h"
#include "support/Subprocess.h"
#include "support/TempDir.h"

#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>
#include <random>

namespace passgym {
namespace {

std::string tool(llvm::StringRef Name) {
  return (llvm::Twine(PASSGYM_LLVM_BINDIR) + "/" + Name).str();
}

struct Samples {
  std::vector<double> Step, WorkerStep, OptStep, Fork, WorkerFork, ObjectSize,
      ClangObjectSize;
  void append(const Samples &Other) {
    for (auto [Mine, Theirs] : {std::pair{&Step, &Other.Step},
                                {&WorkerStep, &Other.WorkerStep},
                                {&OptStep, &Other.OptStep},
                                {&Fork, &Other.Fork},
                                {&WorkerFork, &Other.WorkerFork},
                                {&ObjectSize, &Other.ObjectSize},
                                {&ClangObjectSize, &Other.ClangObjectSize}})
      Mine->insert(Mine->end(), Theirs->begin(), Theirs->end());
  }
};

llvm::Error writeBitcode(const Environment &Env, const std::string &Path) {
  auto M = Env.module();
  if (!M)
    return M.takeError();
  std::error_code EC;
  llvm::raw_fd_ostream Out(Path, EC);
  if (EC)
    return llvm::createStringError(EC, "cannot write '" + Path + "'");
  llvm::WriteBitcodeToFile(*M, Out);
  return llvm::Error::success();
}

/// One step the subprocess way: opt-19 applies the pass to the state on
/// disk, and the reward needs the new module's instruction count.
llvm::Expected<double> timeOptStep(const TempDir &Dir,
                                   llvm::StringRef Pipeline) {
  SubprocessOptions Opt;
  Opt.Argv = {tool("opt"), "-passes=" + Pipeline.str(), Dir.file("in.bc"), "-o",
              Dir.file("out.bc")};
  llvm::Error Failure = llvm::Error::success();
  double Ms = millisecondsOf([&] {
    if ((Failure = runChecked(Opt)))
      return;
    auto Buffer = llvm::MemoryBuffer::getFile(Dir.file("out.bc"));
    if (!Buffer) {
      Failure = llvm::createStringError(Buffer.getError(), "no opt output");
      return;
    }
    llvm::LLVMContext Context;
    auto M = parseModule(**Buffer, Context);
    if (!M) {
      Failure = M.takeError();
      return;
    }
    (void)(*M)->getInstructionCount();
  });
  if (Failure)
    return Failure;
  return Ms;
}

/// Object text size the subprocess way, as CompilerGym computed it:
/// `clang -c` on the IR, then read the object's sections.
llvm::Expected<double> timeClangObjectSize(const TempDir &Dir) {
  SubprocessOptions Clang;
  Clang.Argv = {
      tool("clang"),    "-w", "-c", "-x", "ir", Dir.file("in.bc"), "-o",
      Dir.file("out.o")};
  llvm::Error Failure = llvm::Error::success();
  double Ms = millisecondsOf([&] {
    if ((Failure = runChecked(Clang)))
      return;
    auto Buffer = llvm::MemoryBuffer::getFile(Dir.file("out.o"));
    if (!Buffer) {
      Failure = llvm::createStringError(Buffer.getError(), "no clang output");
      return;
    }
    if (auto Size = objectTextSize((*Buffer)->getBuffer()); !Size)
      Failure = Size.takeError();
  });
  if (Failure)
    return Failure;
  return Ms;
}

llvm::Expected<Samples> measureBenchmark(const BenchmarkPtr &B,
                                         const EnvBenchOptions &Options,
                                         std::mt19937_64 &Random,
                                         const TempDir &Dir) {
  Samples S;
  // The same actions in this process and in a worker process.
  auto Env = Environment::create({});
  if (!Env)
    return Env.takeError();
  EnvironmentOptions InWorker;
  InWorker.Isolation = Isolation::Worker;
  auto Worker = Environment::create(InWorker);
  if (!Worker)
    return Worker.takeError();
  auto Restart = [&]() -> llvm::Error {
    for (Environment *E : {Env->get(), Worker->get()})
      if (auto Started = E->reset(B); !Started)
        return Started.takeError();
    return llvm::Error::success();
  };
  if (llvm::Error E = Restart())
    return std::move(E);
  std::uniform_int_distribution<size_t> Pick(0, (*Env)->actions().size() - 1);

  auto TimedStep = [](Environment &E, size_t Action,
                      std::vector<double> &Times) -> llvm::Error {
    llvm::Expected<StepResult> Step = llvm::createStringError("not run");
    Times.push_back(millisecondsOf([&] { Step = E.step(Action); }));
    return Step.takeError();
  };
  for (unsigned I = 0; I < Options.StepsPerBenchmark; ++I) {
    if ((*Env)->done() || (*Worker)->done())
      if (llvm::Error E = Restart())
        return std::move(E);
    size_t Action = Pick(Random);
    if (llvm::Error E = writeBitcode(**Env, Dir.file("in.bc")))
      return E;
    auto OptMs = timeOptStep(Dir, (*Env)->actions()[Action].Pipeline);
    if (!OptMs)
      return OptMs.takeError();
    S.OptStep.push_back(*OptMs);
    if (llvm::Error E = TimedStep(**Env, Action, S.Step))
      return E;
    if (llvm::Error E = TimedStep(**Worker, Action, S.WorkerStep))
      return E;
  }
  if ((*Env)->done() || (*Worker)->done())
    if (llvm::Error E = Restart())
      return std::move(E);

  if (llvm::Error E = writeBitcode(**Env, Dir.file("in.bc")))
    return E;
  auto M = (*Env)->module();
  if (!M)
    return M.takeError();
  for (unsigned I = 0; I < Options.Repetitions; ++I) {
    for (auto [From, Times] :
         {std::pair{Env->get(), &S.Fork}, {Worker->get(), &S.WorkerFork}}) {
      llvm::Expected<std::unique_ptr<Environment>> Copy = nullptr;
      Times->push_back(millisecondsOf([&] { Copy = From->fork(); }));
      if (!Copy)
        return Copy.takeError();
    }
    llvm::Expected<double> Size = 0.0;
    S.ObjectSize.push_back(millisecondsOf([&] {
      Size = computeCost(CostFunction::ObjectTextSizeBytes, *M, *B,
                         (*Env)->measurement());
    }));
    if (!Size)
      return Size.takeError();
    auto ClangMs = timeClangObjectSize(Dir);
    if (!ClangMs)
      return ClangMs.takeError();
    S.ClangObjectSize.push_back(*ClangMs);
  }
  return S;
}

/// Fork latency on a generated module of about \p Instructions instructions.
llvm::Expected<std::pair<int64_t, double>>
measureLargeFork(unsigned Instructions, unsigned Repetitions,
                 const TempDir &Dir) {
  std::string Path = Dir.file("large.ll");
  SubprocessOptions Stress;
  Stress.Argv = {tool("llvm-stress"), "-seed=1",
                 "-size=" + std::to_string(Instructions), "-o", Path};
  if (llvm::Error E = runChecked(Stress))
    return E;
  auto B = loadBenchmark(Path);
  if (!B)
    return B.takeError();
  auto Env = Environment::create({});
  if (!Env)
    return Env.takeError();
  if (auto Started = (*Env)->reset(*B); !Started)
    return Started.takeError();
  std::vector<double> Times;
  for (unsigned I = 0; I < std::max(Repetitions, 20u); ++I) {
    llvm::Expected<std::unique_ptr<Environment>> Copy = nullptr;
    Times.push_back(millisecondsOf([&] { Copy = (*Env)->fork(); }));
    if (!Copy)
      return Copy.takeError();
  }
  auto M = (*Env)->module();
  if (!M)
    return M.takeError();
  return std::make_pair(static_cast<int64_t>(M->getInstructionCount()),
                        median(Times));
}

std::string verdict(bool Met) { return Met ? "met" : "NOT MET"; }

} // namespace

llvm::Error runEnvBench(const EnvBenchOptions &Options, llvm::raw_ostream &Out,
                        const std::function<void(double)> &Progress) {
  auto Uris = urisOrBuiltins(Options.Benchmarks);
  if (!Uris)
    return Uris.takeError();
  auto Dir = TempDir::create("passgym-bench");
  if (!Dir)
    return Dir.takeError();
  std::mt19937_64 Random(Options.Seed);

  BenchmarkColumn Column = benchmarkColumn(*Uris);
  Out << Column.Note;
  Out << llvm::formatv("{0} {1,7} {2,9} {3,9} {4,9} {5,7} {6,8} {7,9} "
                       "{8,9} {9,9} {10,7}\n",
                       Column.cell("benchmark"), "insts", "step ms",
                       "worker ms", "opt ms",
                       "ratio", "fork ms", "wfork ms", "objsz ms", "clang ms",
                       "ratio");
  Samples All;
  nlohmann::json Json;
  for (size_t I = 0; I < Uris->size(); ++I) {
    Progress(static_cast<double>(I) / (Uris->size() + 1));
    auto B = loadBenchmark((*Uris)[I]);
    if (!B)
      return B.takeError();
    auto S = measureBenchmark(*B, Options, Random, *Dir);
    if (!S)
      return llvm::createStringError("measuring " + (*Uris)[I] + ": " +
                                     llvm::toString(S.takeError()));
    // Counting instructions measures nothing: a default context stays unused.
    MeasurementContext Unused;
    auto Insts = baselineCost(CostFunction::IrInstructionCount, Baseline::O0,
                              **B, Unused);
    if (!Insts)
      return Insts.takeError();
    double Step = median(S->Step), Opt = median(S->OptStep);
    double Obj = median(S->ObjectSize), Clang = median(S->ClangObjectSize);
    Out << Column.cell((*Uris)[I])
        << llvm::format(" %7lld %9.3f %9.3f %9.2f %6.1fx %8.3f %9.3f "
                        "%9.2f %9.2f %6.1fx\n", static_cast<long long>(*Insts),
                        Step, median(S->WorkerStep), Opt, Opt / Step,
                        median(S->Fork), median(S->WorkerFork), Obj, Clang,
                        Clang / Obj);
    Json["benchmarks"].push_back({{"uri", (*Uris)[I]},
                                  {"instructions", *Insts},
                                  {"step_ms", Step},
                                  {"worker_step_ms", median(S->WorkerStep)},
                                  {"worker_fork_ms", median(S->WorkerFork)},
                                  {"opt_step_ms", Opt},
                                  {"fork_ms", median(S->Fork)},
                                  {"object_size_ms", Obj},
                                  {"clang_object_size_ms", Clang}});
    All.append(*S);
  }
  Progress(static_cast<double>(Uris->size()) / (Uris->size() + 1));
  auto Large = measureLargeFork(Options.LargeModuleInstructions,
                                Options.Repetitions, *Dir);
  if (!Large)
    return Large.takeError();
  Progress(1);

  double Step = median(All.Step), Opt = median(All.OptStep);
  double Obj = median(All.ObjectSize), Clang = median(All.ClangObjectSize);
  Out << "\nmedians over all " << All.Step.size() << " steps of "
      << Uris->size() << " benchmarks:\n"
      << llvm::format("  step (IrInstructionCount reward)   %8.3f ms   "
                      "opt-19 subprocess per step %8.2f ms   ratio %6.1fx  "
                      "(target >= 20x: %s)\n",
                      Step, Opt, Opt / Step, verdict(Opt / Step >= 20).c_str())
      << llvm::format("  step in a worker process          %8.3f ms   "
                      "(%.2fx the in-process step)\n",
                      median(All.WorkerStep), median(All.WorkerStep) / Step)
      << llvm::format("  fork, %lld-instruction module      %8.3f ms   "
                      "(target < 1 ms: %s)\n",
                      static_cast<long long>(Large->first), Large->second,
                      verdict(Large->second < 1).c_str())
      << llvm::format("  fork, built-in programs            %8.3f ms   "
                      "in a worker process %8.3f ms\n",
                      median(All.Fork), median(All.WorkerFork))
      << llvm::format("  ObjectTextSizeBytes                %8.3f ms   "
                      "clang-19 -c subprocess    %8.2f ms   ratio %6.1fx  "
                      "(target >= 5x: %s)\n",
                      Obj, Clang, Clang / Obj,
                      verdict(Clang / Obj >= 5).c_str());
  if (Options.JsonPath.empty())
    return llvm::Error::success();
  Json["summary"] = {{"step_ms", Step},
                     {"worker_step_ms", median(All.WorkerStep)},
                     {"worker_fork_ms", median(All.WorkerFork)},
                     {"opt_step_ms", Opt},
                     {"step_ratio", Opt / Step},
                     {"large_fork_instructions", Large->first},
                     {"large_fork_ms", Large->second},
                     {"fork_ms", median(All.Fork)},
                     {"object_size_ms", Obj},
                     {"clang_object_size_ms", Clang},
                     {"object_size_ratio", Clang / Obj}};
  return writeFileAtomically(Options.JsonPath, Json.dump(2) + "\n");
}

} // namespace passgym
