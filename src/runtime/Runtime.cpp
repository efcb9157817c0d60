#include "runtime/Runtime.h"

#include "support/Files.h"
#include "support/Statistics.h"
#include "support/Subprocess.h"
#include "support/Target.h"
#include "toolchain/Toolchain.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Transforms/Utils/Cloning.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <mutex>

namespace passgym {
namespace {

constexpr llvm::StringLiteral kRenamedMain = "passgym_benchmark_main";
constexpr llvm::StringLiteral kTimingFile = ".passgym-elapsed-ns";
/// Where the harness's init says which signal ended the program.
constexpr llvm::StringLiteral kSignalFile = ".passgym-signal";

/// The harness owns `main`. It applies the run's limits (a file-size limit,
/// an optional CPU, no writes outside the run directory), then times the
/// program's main from just before the call to the last exit handler, so a
/// program that calls exit() is timed too; handlers the program registers run
/// before this one. Doing this in the harness rather than with prlimit or
/// taskset saves an exec per run.
constexpr llvm::StringLiteral kHarnessSource = R"(
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/landlock.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE /* Landlock ABI 3; Debian 12's headers predate it */
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
int passgym_benchmark_main(int, char **);
static FILE *timing;
static struct timespec start;
static long long elapsed_before;
static long calls, all_calls;
static long long nanoseconds_since(const struct timespec *from) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long long)(now.tv_sec - from->tv_sec) * 1000000000LL +
         (now.tv_nsec - from->tv_nsec);
}
static void report(void) {
  fprintf(timing, "%lld %ld %ld\n",
          elapsed_before + nanoseconds_since(&start), calls, all_calls);
  fclose(timing);
}
/* The program's global variables, the harness's own included: everything
   from the start of .data to the end of .bss. */
extern char __data_start[], _end[];
static int allow_beneath(int ruleset, const char *path, __u64 access) {
  struct landlock_path_beneath_attr rule = {0};
  rule.allowed_access = access;
  rule.parent_fd = open(path, O_PATH | O_CLOEXEC);
  if (rule.parent_fd < 0)
    return -1;
  long status = syscall(SYS_landlock_add_rule, ruleset,
                        LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
  close(rule.parent_fd);
  return status == 0 ? 0 : -1;
}
/* The ruleset attributes of Landlock ABI 6, which Debian 12's headers
   predate: signal scoping stops the program from signalling processes
   outside its domain (passgym among them). */
struct ruleset_attr_v6 {
  __u64 handled_access_fs;
  __u64 handled_access_net;
  __u64 scoped;
};
#define PASSGYM_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define PASSGYM_SCOPE_SIGNAL (1ULL << 1)
/* Landlock: the program may change files only below its run directory (and
   write to /dev/null) and, from ABI 6, signal only processes it started.
   Kernels without Landlock run it unconfined. */
static int confine_writes(void) {
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
                     LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 1)
    return 0;
  struct ruleset_attr_v6 attr = {0};
  attr.handled_access_fs =
      LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
      LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
      LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
      LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
      LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
  if (abi >= 3)
    attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
  size_t attr_size = sizeof attr.handled_access_fs;
  if (abi >= 6) {
    attr.scoped = PASSGYM_SCOPE_SIGNAL | PASSGYM_SCOPE_ABSTRACT_UNIX_SOCKET;
    attr_size = sizeof attr;
  }
  int ruleset = syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
  if (ruleset < 0)
    return -1;
  __u64 device = LANDLOCK_ACCESS_FS_WRITE_FILE |
                 (abi >= 3 ? LANDLOCK_ACCESS_FS_TRUNCATE : 0);
  if (allow_beneath(ruleset, ".", attr.handled_access_fs) != 0 ||
      allow_beneath(ruleset, "/dev/null", device) != 0 ||
      prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      syscall(SYS_landlock_restrict_self, ruleset, 0) != 0)
    return -1;
  close(ruleset);
  return 0;
}
static int apply_limits(void) {
  const char *max_file = getenv("PASSGYM_MAX_FILE_BYTES");
  if (max_file) {
    struct rlimit limit;
    limit.rlim_cur = limit.rlim_max = strtoull(max_file, NULL, 10);
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0)
      return -1;
  }
  const char *max_memory = getenv("PASSGYM_MAX_MEMORY_BYTES");
  if (max_memory) {
    struct rlimit limit;
    limit.rlim_cur = limit.rlim_max = strtoull(max_memory, NULL, 10);
    if (setrlimit(RLIMIT_AS, &limit) != 0)
      return -1;
  }
  const char *cpu = getenv("PASSGYM_CPU");
  if (cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(atoi(cpu), &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
      return -1;
  }
  return confine_writes();
}
/* As process 1 of a PID namespace the program would ignore signals without
   a handler (SIGXFSZ, SIGPIPE, SIGALRM, abort()'s SIGABRT): process 1 stays
   a small init that runs it as its child, reaps whatever the program leaves,
   and reports how the program ended. */
static void run_as_child_of_init(void) {
  pid_t program = fork();
  if (program <= 0)
    return; /* the program, or no fork: run unsupervised */
  int status = 0;
  pid_t ended;
  while ((ended = wait(&status)) != program)
    if (ended < 0)
      _exit(125);
  if (WIFSIGNALED(status)) {
    FILE *signal_file = fopen(".passgym-signal", "w");
    if (signal_file) {
      fprintf(signal_file, "%d\n", WTERMSIG(status));
      fclose(signal_file);
    }
    _exit(128 + WTERMSIG(status));
  }
  _exit(WEXITSTATUS(status));
}
int main(int argc, char **argv) {
  if (getpid() == 1)
    run_as_child_of_init();
  timing = fopen(".passgym-elapsed-ns", "w");
  if (!timing || apply_limits() != 0)
    return 125;
  const char *repeat_text = getenv("PASSGYM_MAIN_REPEAT");
  long repeat = repeat_text ? atol(repeat_text) : 1;
  /* Or: as many calls as it takes for the timed ones to add up to this. */
  const char *minimum_text = getenv("PASSGYM_MAIN_REPEAT_NS");
  long long minimum_ns = minimum_text ? atoll(minimum_text) : 0;
  if (minimum_ns > 0)
    repeat = 1000000;
  char **arguments = malloc((argc + 1) * sizeof *arguments);
  if (!arguments)
    return 125;
  /* Every call after the first starts from the global variables the first
     started from, so main need not reset them itself; restoring them is not
     timed. The heap and files are not restored. With repetitions, the first
     call warms the caches and touches the pages and is not timed either:
     the time reported is that of the calls after it (unless, repeating for
     a minimum time, the first call alone lasts that long). */
  size_t globals_size = repeat > 1 ? (size_t)(_end - __data_start) : 0;
  char *globals = globals_size ? malloc(globals_size) : NULL;
  if (globals_size && !globals)
    return 125;
  if (globals)
    memcpy(globals, __data_start, globals_size);
  /* Output waits for the end of the run (when it is not timed) instead of
     going to the pipe every 4 KiB, where a full pipe would stall the timed
     calls until passgym reads. */
  char *output_buffer = repeat > 1 ? malloc(1 << 20) : NULL;
  if (output_buffer) {
    memset(output_buffer, 0, 1 << 20); /* no page faults while timed */
    setvbuf(stdout, output_buffer, _IOFBF, 1 << 20);
  }
  atexit(report);
  int status = 0;
  /* Locals survive the restore; the globals report() reads are set again
     after it. */
  long long elapsed = 0;
  for (long call = 0; call < repeat && status == 0; ++call) {
    if (call > 0) {
      /* Stopping here leaves report() the same sum to write; a first call
         that is long enough is the measurement itself. */
      if (minimum_ns > 0 &&
          elapsed_before + nanoseconds_since(&start) >= minimum_ns)
        break;
      if (call > 1)
        elapsed += nanoseconds_since(&start);
      memcpy(__data_start, globals, globals_size);
    }
    elapsed_before = elapsed;
    calls = call > 0 ? call : 1;
    all_calls = call + 1;
    /* main may permute its arguments (getopt does): every call gets them
       as the first did. */
    for (int i = 0; i <= argc; ++i)
      arguments[i] = argv[i];
    clock_gettime(CLOCK_MONOTONIC, &start);
    status = passgym_benchmark_main(argc, arguments);
  }
  return status;
}
)";

} // namespace

llvm::StringRef harnessSource() { return kHarnessSource; }

namespace {

/// Compiles the harness to \p Object.
llvm::Error compileHarness(const std::string &Object) {
  auto Source = TempDir::create("passgym-harness");
  if (!Source)
    return Source.takeError();
  if (llvm::Error E =
          writeFileAtomically(Source->file("harness.c"), kHarnessSource))
    return E;
  auto Compiled = toolchain::compileObject(Source->file("harness.c"), {"-O2"});
  if (!Compiled)
    return Compiled.takeError();
  return writeFileAtomically(Object, Compiled->Output->getBuffer());
}

/// The harness object, compiled once per process, or once per session of
/// worker processes (kSessionDirectoryVariable), whose forks keep using it
/// after the worker that compiled it ends. The caller holds linkerCommand's
/// lock.
llvm::Expected<std::string> harnessObjectLocked() {
  if (const char *Session = std::getenv(kSessionDirectoryVariable)) {
    std::string Object = std::string(Session) + "/harness.o";
    if (llvm::sys::fs::exists(Object))
      return Object;
    if (llvm::Error E = compileHarness(Object))
      return std::move(E);
    return Object;
  }
  static std::optional<TempDir> Dir;
  if (Dir)
    return Dir->file("harness.o");
  auto NewDir = TempDir::create("passgym-harness");
  if (!NewDir)
    return NewDir.takeError();
  if (llvm::Error E = compileHarness(NewDir->file("harness.o")))
    return std::move(E);
  Dir.emplace(std::move(*NewDir));
  return Dir->file("harness.o");
}

/// How programs are linked for one set of link flags, worked out once per
/// process and flag set: clang's driver probes the file system for the GCC
/// installation every time it is asked.
struct LinkerCommand {
  toolchain::LinkCommand Command;
  std::string HarnessObject;
};

llvm::Expected<LinkerCommand>
linkerCommand(const std::vector<std::string> &LinkFlags) {
  static std::mutex Mutex;
  static std::map<std::vector<std::string>, LinkerCommand> Commands;
  std::lock_guard<std::mutex> Lock(Mutex);
  if (auto It = Commands.find(LinkFlags); It != Commands.end())
    return It->second;
  auto Harness = harnessObjectLocked();
  if (!Harness)
    return Harness.takeError();
  // The static relocation model of the objects (llc's default) needs a
  // position-dependent executable.
  std::vector<std::string> Flags = {"-fuse-ld=gold", "-no-pie"};
  llvm::append_range(Flags, LinkFlags);
  auto Command = toolchain::linkCommand(Flags);
  if (!Command)
    return Command.takeError();
  return Commands
      .emplace(LinkFlags, LinkerCommand{std::move(*Command), *Harness})
      .first->second;
}

llvm::Expected<std::string> readFile(const std::string &Path) {
  auto Buffer = llvm::MemoryBuffer::getFile(Path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!Buffer)
    return llvm::createStringError(Buffer.getError(),
                                   "cannot read '" + Path + "'");
  return (*Buffer)->getBuffer().str();
}

/// Copies \p Source to \p Target: a file, or a directory with everything
/// below it.
llvm::Error copyTree(const std::string &Source, const std::string &Target) {
  auto Failed = [&](std::error_code EC) {
    return llvm::createStringError(EC, "cannot copy input '" + Source +
                                           "': " + EC.message());
  };
  if (!llvm::sys::fs::is_directory(Source)) {
    if (std::error_code EC = llvm::sys::fs::copy_file(Source, Target))
      return Failed(EC);
    return llvm::Error::success();
  }
  if (std::error_code EC = llvm::sys::fs::create_directories(Target))
    return Failed(EC);
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator It(Source, EC), End; It != End && !EC;
       It.increment(EC))
    if (llvm::Error E =
            copyTree(It->path(),
                     Target + "/" + llvm::sys::path::filename(It->path()).str()))
      return E;
  if (EC)
    return Failed(EC);
  return llvm::Error::success();
}

llvm::Error copyInputs(const RunSpec &Spec, const TempDir &RunDir) {
  for (const std::string &Input : Spec.InputFiles)
    if (llvm::Error E =
            copyTree(Input, RunDir.file(llvm::sys::path::filename(Input))))
      return E;
  return llvm::Error::success();
}

/// The bytes of the regular files below \p Dir.
uint64_t directoryBytes(const std::string &Dir) {
  uint64_t Total = 0;
  std::error_code EC;
  for (llvm::sys::fs::recursive_directory_iterator It(Dir, EC), End;
       It != End && !EC; It.increment(EC)) {
    llvm::sys::fs::file_status Status;
    if (!llvm::sys::fs::status(It->path(), Status, /*Follow=*/false) &&
        Status.type() == llvm::sys::fs::file_type::regular_file)
      Total += Status.getSize();
  }
  return Total;
}

/// The harness's report, "NANOSECONDS TIMED-CALLS ALL-CALLS".
struct HarnessReport {
  double MillisecondsPerCall = 0;
  long Calls = 1;
};

llvm::Expected<HarnessReport> readTiming(const std::string &Path) {
  auto Report = readFile(Path);
  if (!Report)
    return Report.takeError();
  llvm::SmallVector<llvm::StringRef, 3> Fields;
  llvm::StringRef(*Report).trim().split(Fields, ' ');
  long long Nanoseconds = 0;
  long TimedCalls = 0, Calls = 0;
  if (Fields.size() == 3 && llvm::to_integer(Fields[0], Nanoseconds) &&
      llvm::to_integer(Fields[1], TimedCalls) && TimedCalls > 0 &&
      llvm::to_integer(Fields[2], Calls) && Calls >= TimedCalls)
    return HarnessReport{Nanoseconds / 1e6 / TimedCalls, Calls};
  return llvm::createStringError("malformed timing report '" + *Report + "'");
}

/// What one of \p Calls calls of main printed, when every call printed the
/// same.
llvm::Expected<std::string> outputOfOneCall(const std::string &Output,
                                            long Calls) {
  llvm::StringRef Text(Output);
  size_t Size = Text.size() / Calls;
  llvm::StringRef First = Text.take_front(Size);
  bool Same = Text.size() == Size * Calls;
  for (long Call = 1; Same && Call < Calls; ++Call)
    Same = Text.substr(Call * Size, Size) == First;
  if (!Same)
    return llvm::make_error<BehaviourDifference>(
        "its " + std::to_string(Calls) +
        " calls of main did not all print the same: to be called again "
        "and again in one run (main_repeat, main_repeat_ms), main must "
        "return 0 and reset the state it keeps outside global variables");
  return First.str();
}

std::string firstDifference(const std::string &Expected,
                            const std::string &Actual) {
  size_t At = 0;
  while (At < Expected.size() && At < Actual.size() &&
         Expected[At] == Actual[At])
    ++At;
  return "first difference at byte " + std::to_string(At) + " (expected " +
         std::to_string(Expected.size()) + " bytes, got " +
         std::to_string(Actual.size()) + ")";
}

void summarize(RuntimeEstimate &Estimate) {
  Estimate.Median = median(Estimate.Samples);
  Estimate.Minimum =
      *std::min_element(Estimate.Samples.begin(), Estimate.Samples.end());
  std::tie(Estimate.Lower, Estimate.Upper) = medianInterval(Estimate.Samples);
}

} // namespace

char BehaviourDifference::ID = 0;

void BehaviourDifference::log(llvm::raw_ostream &OS) const { OS << Message; }

std::error_code BehaviourDifference::convertToErrorCode() const {
  return llvm::inconvertibleErrorCode();
}

llvm::Error compareBehaviour(const ProgramBehaviour &Reference,
                             const ProgramBehaviour &Actual,
                             const RunSpec &Spec) {
  if (Actual.ExitCode != Reference.ExitCode)
    return llvm::make_error<BehaviourDifference>(
        "exit code " + std::to_string(Actual.ExitCode) +
        ", the unoptimized "
        "program's is " +
        std::to_string(Reference.ExitCode));
  if (Spec.CompareStdout && Actual.StandardOutput != Reference.StandardOutput)
    return llvm::make_error<BehaviourDifference>(
        "stdout differs from the unoptimized program's: " +
        firstDifference(Reference.StandardOutput, Actual.StandardOutput));
  for (const auto &[Name, Contents] : Reference.OutputFiles) {
    auto Match =
        std::find_if(Actual.OutputFiles.begin(), Actual.OutputFiles.end(),
                     [&](const auto &File) { return File.first == Name; });
    if (Match == Actual.OutputFiles.end())
      return llvm::make_error<BehaviourDifference>("output file '" + Name +
                                                   "' was not written");
    if (Match->second != Contents)
      return llvm::make_error<BehaviourDifference>(
          "output file '" + Name +
          "' differs: " + firstDifference(Contents, Match->second));
  }
  if (Actual.OutputFiles.size() != Reference.OutputFiles.size())
    return llvm::make_error<BehaviourDifference>(
        "an output file the unoptimized program did not write was written");
  return llvm::Error::success();
}

bool floorConfirmed(const std::vector<double> &Samples,
                    const MeasurementOptions &Options) {
  if (Samples.empty() || Samples.size() < Options.MinRuns)
    return false;
  double Fastest = *std::min_element(Samples.begin(), Samples.end());
  double Bound = Fastest * (1 + Options.Agreement);
  size_t Agreeing = std::count_if(Samples.begin(), Samples.end(),
                                  [&](double Ms) { return Ms <= Bound; });
  return Agreeing >= Options.AgreeingRuns;
}

std::pair<double, double> medianInterval(std::vector<double> Samples) {
  if (Samples.empty())
    return {0, 0};
  std::sort(Samples.begin(), Samples.end());
  double N = static_cast<double>(Samples.size());
  if (Samples.size() < 6)
    return {Samples.front(), Samples.back()};
  // Ranks (1-based) n/2 -+ 1.96 sqrt(n)/2 bound the median with 95%
  // probability whatever the distribution (Le Boudec, Performance Evaluation
  // of Computer and Communication Systems, 2010, Theorem 2.1).
  double HalfSpread = 0.98 * std::sqrt(N);
  size_t Low =
      static_cast<size_t>(std::max(1.0, std::floor(N / 2 - HalfSpread)));
  size_t High =
      static_cast<size_t>(std::min(N, std::ceil(N / 2 + 1 + HalfSpread)));
  return {Samples[Low - 1], Samples[High - 1]};
}

llvm::Expected<Program> Program::build(const llvm::Module &M,
                                       const RunSpec &Spec) {
  std::unique_ptr<llvm::Module> Clone = llvm::CloneModule(M);
  llvm::Function *Main = Clone->getFunction("main");
  if (!Main || Main->isDeclaration())
    return llvm::createStringError("'" + M.getModuleIdentifier() +
                                   "' has no main function: it cannot run");
  Main->setName(kRenamedMain);
  auto Object = emitObject(*Clone, llvm::CodeGenOptLevel::Default);
  if (!Object)
    return Object.takeError();
  auto Linker = linkerCommand(Spec.LinkFlags);
  if (!Linker)
    return Linker.takeError();
  auto Dir = TempDir::create("passgym-program");
  if (!Dir)
    return Dir.takeError();
  std::string ObjectPath = Dir->file("program.o");
  if (llvm::Error E = writeFileAtomically(
          ObjectPath, llvm::StringRef(Object->data(), Object->size())))
    return std::move(E);
  std::string Executable = Dir->file("program");
  SubprocessOptions Link;
  Link.Argv =
      Linker->Command.argv({ObjectPath, Linker->HarnessObject}, Executable);
  auto Linked = runSubprocess(Link);
  if (!Linked)
    return Linked.takeError();
  if (!Linked->succeeded())
    return llvm::createStringError(
        "cannot link '" + M.getModuleIdentifier() +
        "': " + firstErrorLine(Linked->StandardError));
  return Program(std::move(*Dir), std::move(Executable));
}

llvm::Expected<std::pair<ProgramBehaviour, double>>
Program::run(const RunSpec &Spec, const std::optional<unsigned> &Cpu) const {
  auto RunDir = TempDir::create("passgym-run");
  if (!RunDir)
    return RunDir.takeError();
  return runIn(*RunDir, Spec, Cpu);
}

llvm::Expected<std::pair<ProgramBehaviour, double>>
Program::runIn(const TempDir &RunDir, const RunSpec &Spec,
               const std::optional<unsigned> &Cpu) const {
  // Every run starts from the same directory contents.
  for (const std::string &Name : Spec.OutputFiles)
    llvm::sys::fs::remove(RunDir.file(Name));
  llvm::sys::fs::remove(RunDir.file(kTimingFile));
  llvm::sys::fs::remove(RunDir.file(kSignalFile));
  if (llvm::Error E = copyInputs(Spec, RunDir))
    return std::move(E);
  SubprocessOptions Options;
  Options.Environment = {
      "PASSGYM_MAX_FILE_BYTES=" + std::to_string(Spec.MaxFileBytes),
      "PASSGYM_MAX_MEMORY_BYTES=" + std::to_string(Spec.MaxMemoryBytes)};
  llvm::append_range(Options.Environment, Spec.Environment);
  Options.Confine = true;
  Options.Check = [&]() -> std::optional<std::string> {
    uint64_t Written = directoryBytes(RunDir.path());
    if (Written <= Spec.MaxWrittenBytes)
      return std::nullopt;
    return "its files add up to more than " +
           std::to_string(Spec.MaxWrittenBytes) + " bytes";
  };
  if (Cpu)
    Options.Environment.push_back("PASSGYM_CPU=" + std::to_string(*Cpu));
  if (Spec.MainRepeat > 1)
    Options.Environment.push_back("PASSGYM_MAIN_REPEAT=" +
                                  std::to_string(Spec.MainRepeat));
  if (Spec.MainRepeatMs > 0)
    Options.Environment.push_back(
        "PASSGYM_MAIN_REPEAT_NS=" +
        std::to_string(uint64_t(Spec.MainRepeatMs) * 1000000));
  Options.Argv.push_back(Executable);
  Options.Argv.insert(Options.Argv.end(), Spec.Args.begin(), Spec.Args.end());
  Options.WorkingDirectory = RunDir.path();
  Options.StandardInput = Spec.StandardInput;
  Options.Timeout = Spec.Timeout;
  auto Result = runSubprocess(Options);
  if (!Result)
    return Result.takeError();
  if (auto Signalled = readFile(RunDir.file(kSignalFile))) {
    int Signal = 0;
    if (llvm::to_integer(llvm::StringRef(*Signalled).trim(), Signal)) {
      Result->Signal = Signal;
      Result->ExitCode.reset();
    }
  } else {
    llvm::consumeError(Signalled.takeError());
  }
  if (Result->TimedOut || Result->Signal || !Result->Stopped.empty())
    return llvm::createStringError("the program " + Result->describeFailure());
  if (Result->OutputTruncated)
    return llvm::createStringError(
        "the program wrote more output than allowed");
  auto Timing = readTiming(RunDir.file(kTimingFile));
  if (!Timing) {
    llvm::consumeError(Timing.takeError());
    return llvm::createStringError(
        "the program ended without reporting its time (" +
        Result->describeFailure() + ")");
  }
  ProgramBehaviour Behaviour;
  Behaviour.ExitCode = Result->ExitCode.value_or(-1);
  Behaviour.Calls = Timing->Calls;
  Behaviour.StandardOutput = std::move(Result->StandardOutput);
  if (Spec.CompareStdout && Behaviour.Calls > 1) {
    auto OneCall = outputOfOneCall(Behaviour.StandardOutput, Behaviour.Calls);
    if (!OneCall)
      return OneCall.takeError();
    Behaviour.StandardOutput = std::move(*OneCall);
  }
  Behaviour.StandardError = std::move(Result->StandardError);
  for (const std::string &Name : Spec.OutputFiles) {
    auto Contents = readFile(RunDir.file(Name));
    if (!Contents) {
      llvm::consumeError(Contents.takeError());
      continue;
    }
    Behaviour.OutputFiles.emplace_back(Name, std::move(*Contents));
  }
  return std::make_pair(std::move(Behaviour), Timing->MillisecondsPerCall);
}

llvm::Expected<RuntimeEstimate>
Program::measure(const RunSpec &Spec, const ProgramBehaviour &Reference,
                 const MeasurementOptions &Options) const {
  auto RunDir = TempDir::create("passgym-run");
  if (!RunDir)
    return RunDir.takeError();
  RuntimeEstimate Estimate;
  unsigned Runs = Options.WarmupRuns + std::max(Options.MaxRuns, 1u);
  for (unsigned I = 0; I < Runs; ++I) {
    auto Outcome = runIn(*RunDir, Spec, Options.Cpu);
    if (!Outcome)
      return Outcome.takeError();
    if (llvm::Error E = compareBehaviour(Reference, Outcome->first, Spec))
      return std::move(E);
    if (I < Options.WarmupRuns)
      continue;
    Estimate.Samples.push_back(Outcome->second);
    summarize(Estimate);
    if (floorConfirmed(Estimate.Samples, Options)) {
      Estimate.Converged = true;
      break;
    }
  }
  return Estimate;
}

} // namespace passgym
