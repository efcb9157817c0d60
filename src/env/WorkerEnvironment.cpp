#include "env/WorkerEnvironment.h"

#include "actions/PassRunner.h"
#include "env/WorkerProtocol.h"
#include "support/Channel.h"
#include "support/Cleanup.h"
#include "support/Installation.h"
#include "support/Subprocess.h"
#include "support/TempDir.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstring>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace passgym {

using worker::Request;

namespace {

/// What is in a reply before its payload: the status and the cache lookups.
constexpr size_t kReplyHeaderBytes = 3 * sizeof(uint64_t);

/// The directory under which every worker of this process keeps its
/// temporary files: removed when this process ends normally, whatever
/// happened to the workers.
llvm::Expected<const TempDir &> sessionDirectory() {
  static llvm::Expected<TempDir> Session = TempDir::create("passgym-workers");
  if (!Session)
    return llvm::createStringError(
        "cannot create the workers' temporary directory: " +
        llvm::toString(Session.takeError()));
  return *Session;
}

std::string describeExit(int Status) {
  if (WIFSIGNALED(Status))
    return llvm::formatv("killed by signal {0} ({1})", WTERMSIG(Status),
                         ::strsignal(WTERMSIG(Status)));
  if (WIFEXITED(Status))
    return "exit code " + std::to_string(WEXITSTATUS(Status));
  return "ended";
}

} // namespace

/// A worker process and what belongs to it.
struct WorkerEnvironment::Process {
  Channel Socket;
  pid_t Pid;
  /// Signals reach exactly this process, even after its pid is reused.
  int PidFd;
  /// Spawned by this process (so it is ours to reap), not forked by a worker.
  bool Spawned;
  std::unique_ptr<TempDir> Temporary;

  Process(Channel Socket, pid_t Pid, int PidFd, bool Spawned,
          std::unique_ptr<TempDir> Temporary)
      : Socket(std::move(Socket)), Pid(Pid), PidFd(PidFd), Spawned(Spawned),
        Temporary(std::move(Temporary)) {
    registerPidFd(PidFd);
  }

  /// Kills the worker and, if it is ours, waits for it: how it ended, or
  /// empty when that is not ours to know.
  std::string end() {
    if (PidFd < 0)
      return "";
    signalPidFd(PidFd, SIGKILL);
    unregisterPidFd(PidFd);
    ::close(PidFd);
    PidFd = -1;
    if (!Spawned)
      return "";
    int Status = 0;
    while (::waitpid(Pid, &Status, 0) < 0 && errno == EINTR)
      ;
    return describeExit(Status);
  }

  /// How the worker ended if it already has, without killing it.
  std::string exitedHow() {
    if (!Spawned)
      return "";
    int Status = 0;
    for (int Tries = 0; Tries < 100; ++Tries) {
      if (::waitpid(Pid, &Status, WNOHANG) == Pid) {
        Spawned = false; // reaped
        return describeExit(Status);
      }
      ::usleep(1000);
    }
    return "";
  }

  /// The last lines the worker printed on stderr, or empty.
  std::string lastWords() const {
    auto Text = llvm::MemoryBuffer::getFile(
        Temporary->file(worker::kWorkerStderrFile));
    if (!Text)
      return "";
    llvm::SmallVector<llvm::StringRef, 8> Lines;
    llvm::StringRef((*Text)->getBuffer())
        .split(Lines, '\n', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
    constexpr size_t kLines = 3;
    auto Last = llvm::ArrayRef(Lines).take_back(kLines);
    return llvm::join(Last.begin(), Last.end(), " / ");
  }

  ~Process() { end(); }
};

WorkerEnvironment::WorkerEnvironment(EnvironmentOptions Options,
                                     const RewardSpace &Reward,
                                     const ObservationSpace *Observed)
    : Environment(std::move(Options), Reward, Observed) {}

WorkerEnvironment::~WorkerEnvironment() = default;

llvm::Expected<std::unique_ptr<Environment>>
WorkerEnvironment::create(EnvironmentOptions Options, const RewardSpace &Reward,
                          const ObservationSpace *Observed) {
  // Find the worker now, so that a missing one is an error of create().
  auto Executable = installedExecutable("passgym-worker", kWorkerVariable);
  if (!Executable)
    return Executable.takeError();
  return std::unique_ptr<Environment>(
      new WorkerEnvironment(std::move(Options), Reward, Observed));
}

std::chrono::milliseconds WorkerEnvironment::timeout() const {
  std::chrono::milliseconds OneStep = Options.StepTimeout.value_or(
      stepTimeoutFor(*Bench, *Reward, measurement().options()));
  return OneStep * StepsInFlight;
}

llvm::Error WorkerEnvironment::startWorker() {
  auto Executable = installedExecutable("passgym-worker", kWorkerVariable);
  if (!Executable)
    return Executable.takeError();
  auto Session = sessionDirectory();
  if (!Session)
    return Session.takeError();
  auto Temporary = TempDir::create(Session->path() + "/worker");
  if (!Temporary)
    return Temporary.takeError();
  auto Pair = Channel::pair();
  if (!Pair)
    return Pair.takeError();

  // The worker reads its socket as descriptor 3; TMPDIR keeps its files
  // under the session directory, which also holds the shared harness.
  constexpr int kWorkerFd = 3;
  posix_spawn_file_actions_t Actions;
  posix_spawn_file_actions_init(&Actions);
  posix_spawn_file_actions_adddup2(&Actions, Pair->second.descriptor(),
                                   kWorkerFd);
  std::string Stderr = Temporary->file(worker::kWorkerStderrFile);
  posix_spawn_file_actions_addopen(&Actions, STDERR_FILENO, Stderr.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawnattr_t Attributes;
  posix_spawnattr_init(&Attributes);
  sigset_t None;
  sigemptyset(&None);
  posix_spawnattr_setsigmask(&Attributes, &None);
  posix_spawnattr_setflags(&Attributes, POSIX_SPAWN_SETSIGMASK);
  std::vector<std::string> Environment = {
      "TMPDIR=" + Temporary->path(),
      std::string(kSessionDirectoryVariable) + "=" + Session->path()};
  for (char **Var = environ; *Var; ++Var) {
    llvm::StringRef Entry(*Var);
    if (!Entry.starts_with("TMPDIR=") &&
        !Entry.starts_with(std::string(kSessionDirectoryVariable) + "="))
      Environment.push_back(Entry.str());
  }
  std::vector<char *> Envp;
  for (std::string &Var : Environment)
    Envp.push_back(Var.data());
  Envp.push_back(nullptr);
  std::string FdText = std::to_string(kWorkerFd);
  std::vector<char *> Argv = {Executable->data(), FdText.data(), nullptr};
  pid_t Pid = 0;
  int Failed = ::posix_spawn(&Pid, Executable->c_str(), &Actions, &Attributes,
                             Argv.data(), Envp.data());
  posix_spawn_file_actions_destroy(&Actions);
  posix_spawnattr_destroy(&Attributes);
  if (Failed)
    return llvm::createStringError("cannot start '" + *Executable +
                                   "': " + std::strerror(Failed));
  int PidFd = openPidFd(Pid);
  Worker = std::make_unique<Process>(
      std::move(Pair->first), Pid, PidFd, /*Spawned=*/true,
      std::make_unique<TempDir>(std::move(*Temporary)));

  worker::Configuration C;
  C.ActionSpaceName = actions().name();
  C.Actions = actions().actions();
  C.ObservationSpace = Options.ObservationSpace;
  C.RewardSpace = Options.RewardSpace;
  C.Measurement = measurement().options();
  C.CachePath = measurement().cachePath();
  C.PassPlugins = passPlugins();
  MessageWriter Payload;
  worker::encode(Payload, C);
  auto Configured = call(Request::Configure, Payload.data(),
                         std::chrono::seconds(60), "starting");
  if (!Configured)
    return Configured.takeError();
  return llvm::Error::success();
}

llvm::Expected<std::string>
WorkerEnvironment::call(Request Kind, llvm::StringRef Payload,
                        std::chrono::milliseconds Timeout, llvm::StringRef What,
                        std::vector<int> *Descriptors) const {
  MessageWriter Header;
  Header.u64(static_cast<uint64_t>(Kind)).u64(Timeout.count());
  std::string Frame = Header.data() + Payload.str();
  auto Lost = [&](std::string Why) -> llvm::Error {
    Worker.reset();
    return llvm::createStringError(Why);
  };
  if (llvm::Error E = Worker->Socket.send(Frame))
    return Lost("the worker is gone (" + llvm::toString(std::move(E)) +
                ") while " + What.str());
  auto Reply = Worker->Socket.receive(Timeout);
  if (!Reply) {
    std::optional<ReceiveFailure> Kind;
    std::string Message;
    llvm::handleAllErrors(Reply.takeError(), [&](const ReceiveError &R) {
      Kind = R.kind();
      Message = R.message();
    });
    if (Kind == ReceiveFailure::TimedOut) {
      Worker->end();
      return Lost(What.str() + " timed out after " +
                  std::to_string(Timeout.count()) +
                  " ms; the worker was killed");
    }
    std::string How = Worker->exitedHow();
    std::string Said = Worker->lastWords();
    return Lost("the worker died" + (How.empty() ? "" : " (" + How + ")") +
                " while " + What.str() +
                (Said.empty() ? "" : "; the worker said: " + Said));
  }
  if (Descriptors)
    *Descriptors = std::move(Reply->Descriptors);
  else
    for (int Fd : Reply->Descriptors)
      ::close(Fd);
  MessageReader In(Reply->Data);
  bool Ok = In.boolean();
  CacheStatistics Lookups{In.u64(), In.u64()};
  measurement().addStatistics(Lookups);
  std::string Rest = Reply->Data.size() >= kReplyHeaderBytes
                         ? Reply->Data.substr(kReplyHeaderBytes)
                         : std::string();
  if (Ok)
    return Rest;
  MessageReader Error(Rest);
  return llvm::createStringError(Error.bytes());
}

llvm::Expected<std::optional<Observation>>
WorkerEnvironment::startEpisode(const BenchmarkPtr &B) {
  if (!Worker)
    if (llvm::Error E = startWorker())
      return std::move(E);
  Fetched.reset();
  MessageWriter Payload;
  worker::encode(Payload, *B);
  std::chrono::milliseconds Timeout =
      Options.StepTimeout.value_or(
          stepTimeoutFor(*B, *Reward, measurement().options())) *
      3;
  auto Reply = call(Request::Reset, Payload.data(), Timeout,
                    "starting an episode on '" + B->uri() + "'");
  if (!Reply)
    return Reply.takeError();
  MessageReader In(*Reply);
  std::optional<Observation> Initial = worker::decodeObservation(In);
  Tracker = worker::decodeTracker(In);
  if (llvm::Error E = In.finish("reset reply"))
    return std::move(E);
  return Initial;
}

llvm::Expected<StepResult>
WorkerEnvironment::applyPipeline(const std::string &Pipeline) {
  Fetched.reset();
  if (!Worker) {
    HasModule = false;
    return failedStep("the worker of this episode is gone");
  }
  MessageWriter Payload;
  Payload.bytes(Pipeline);
  auto Reply = call(Request::Step, Payload.data(), timeout(),
                    "running '" + Pipeline + "' on '" +
                        Bench->uri() + "'");
  if (!Reply) {
    if (Worker)
      return Reply.takeError(); // the worker refused the request
    HasModule = false;
    return failedStep(llvm::toString(Reply.takeError()));
  }
  MessageReader In(*Reply);
  StepResult Result = worker::decodeStepResult(In);
  Tracker = worker::decodeTracker(In);
  HasModule = In.boolean();
  if (llvm::Error E = In.finish("step reply"))
    return std::move(E);
  if (!HasModule) {
    // What LLVM printed before the crash ("LLVM ERROR: ...") says why.
    std::string Said = Worker->lastWords();
    if (!Said.empty())
      Result.Info.Error += "; the worker said: " + Said;
    Worker.reset(); // it ends itself after losing its module
  }
  return Result;
}

llvm::Expected<Observation>
WorkerEnvironment::computeObservation(const ObservationSpace &Space) const {
  if (!Worker)
    return llvm::createStringError("the worker of this episode is gone");
  MessageWriter Payload;
  Payload.bytes(Space.Name);
  auto Reply = call(Request::Observe, Payload.data(), timeout(),
                    "observing " + Space.Name + " of '" + Bench->uri() + "'");
  if (!Reply)
    return Reply.takeError();
  MessageReader In(*Reply);
  std::optional<Observation> Value = worker::decodeObservation(In);
  if (llvm::Error E = In.finish("observe reply"))
    return std::move(E);
  if (!Value)
    return llvm::createStringError("the worker sent no observation");
  return std::move(*Value);
}

llvm::Expected<std::unique_ptr<Environment>> WorkerEnvironment::copy() const {
  std::unique_ptr<WorkerEnvironment> Copy(
      new WorkerEnvironment(Options, *Reward, Observed));
  if (!Worker)
    return std::move(Copy);
  auto Session = sessionDirectory();
  if (!Session)
    return Session.takeError();
  auto Temporary = TempDir::create(Session->path() + "/worker");
  if (!Temporary)
    return Temporary.takeError();
  MessageWriter Payload;
  Payload.bytes(Temporary->path());
  std::vector<int> Descriptors;
  auto Reply =
      call(Request::Fork, Payload.data(), timeout(),
           "forking the worker of '" + Bench->uri() + "'", &Descriptors);
  if (!Reply)
    return Reply.takeError();
  MessageReader In(*Reply);
  pid_t Pid = static_cast<pid_t>(In.i64());
  if (llvm::Error E = In.finish("fork reply"))
    return std::move(E);
  if (Descriptors.size() != 2) {
    for (int Fd : Descriptors)
      ::close(Fd);
    return llvm::createStringError(
        "the forked worker's descriptors are missing");
  }
  Copy->Worker = std::make_unique<Process>(
      Channel(Descriptors[0]), Pid, Descriptors[1], /*Spawned=*/false,
      std::make_unique<TempDir>(std::move(*Temporary)));
  return std::move(Copy);
}

llvm::Error WorkerEnvironment::callWithKey(Request Kind, uint64_t Key,
                                           llvm::StringRef What) {
  if (!Worker)
    return llvm::createStringError("the worker of this episode is gone");
  MessageWriter Payload;
  Payload.u64(Key);
  auto Reply = call(Kind, Payload.data(), timeout(),
                    What.str() + " a state of '" + Bench->uri() + "'");
  if (!Reply)
    return Reply.takeError();
  return llvm::Error::success();
}

llvm::Error WorkerEnvironment::keepModule(uint64_t Key) {
  return callWithKey(Request::Keep, Key, "keeping");
}

llvm::Error WorkerEnvironment::restoreModule(uint64_t Key) {
  Fetched.reset();
  return callWithKey(Request::Restore, Key, "restoring");
}

void WorkerEnvironment::forgetModule(uint64_t Key) {
  // A worker that is gone has forgotten everything already.
  llvm::consumeError(callWithKey(Request::Forget, Key, "forgetting"));
}

llvm::Expected<const llvm::Module &> WorkerEnvironment::currentModule() const {
  if (Fetched)
    return *Fetched;
  if (!Worker)
    return llvm::createStringError("the worker of this episode is gone");
  auto Reply = call(Request::Module, "", timeout(),
                    "sending the module of '" + Bench->uri() + "'");
  if (!Reply)
    return Reply.takeError();
  MessageReader In(*Reply);
  std::string Bitcode = In.bytes();
  if (llvm::Error E = In.finish("module reply"))
    return std::move(E);
  auto Context = std::make_unique<llvm::LLVMContext>();
  auto Parsed = llvm::parseBitcodeFile(
      llvm::MemoryBufferRef(Bitcode, Bench->uri()), *Context);
  if (!Parsed)
    return Parsed.takeError();
  (*Parsed)->setModuleIdentifier(Bench->uri());
  Fetched.reset();
  FetchedContext = std::move(Context);
  Fetched = std::move(*Parsed);
  return *Fetched;
}

} // namespace passgym
