#include "support/Subprocess.h"

#include "support/Cleanup.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace passgym {
namespace {

using Clock = std::chrono::steady_clock;

llvm::Error errnoError(const llvm::Twine &What) {
  return llvm::createStringError(
      std::error_code(errno, std::generic_category()),
      What + ": " + std::strerror(errno));
}

struct Pipe {
  int fds[2] = {-1, -1};
  ~Pipe() {
    for (int Fd : fds)
      if (Fd >= 0)
        ::close(Fd);
  }
  void closeEnd(int End) {
    if (fds[End] >= 0)
      ::close(fds[End]);
    fds[End] = -1;
  }
};

llvm::Error makePipe(Pipe &P) {
  if (::pipe2(P.fds, O_CLOEXEC) != 0)
    return errnoError("cannot create a pipe");
  return llvm::Error::success();
}

/// Moves data between the child's pipes and our buffers until both output
/// pipes close, the deadline passes, or Check stops the program. Returns
/// false on timeout or when stopped.
bool pumpPipes(Pipe &In, Pipe &Out, Pipe &Err, const SubprocessOptions &O,
               SubprocessResult &Result, Clock::time_point Deadline) {
  const std::string &Input = O.StandardInput;
  size_t MaxOutput = O.MaxOutputBytes;
  auto NextCheck = Clock::now() + O.CheckInterval;
  size_t Written = 0;
  if (Input.empty())
    In.closeEnd(1);
  char Buffer[65536];
  while (Out.fds[0] >= 0 || Err.fds[0] >= 0) {
    auto Remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        Deadline - Clock::now());
    if (Remaining.count() <= 0)
      return false;
    if (O.Check && Clock::now() >= NextCheck) {
      if (std::optional<std::string> Stop = O.Check()) {
        Result.Stopped = std::move(*Stop);
        return false;
      }
      NextCheck = Clock::now() + O.CheckInterval;
    }
    if (O.Check)
      Remaining = std::min(Remaining, O.CheckInterval);
    pollfd Fds[3];
    int Count = 0;
    for (int Fd : {Out.fds[0], Err.fds[0]})
      if (Fd >= 0)
        Fds[Count++] = {Fd, POLLIN, 0};
    if (In.fds[1] >= 0)
      Fds[Count++] = {In.fds[1], POLLOUT, 0};
    int Ready = ::poll(Fds, Count, static_cast<int>(Remaining.count()));
    if (Ready < 0 && errno == EINTR)
      continue;
    if (Ready <= 0)
      continue;
    for (int I = 0; I < Count; ++I) {
      if (!Fds[I].revents)
        continue;
      int Fd = Fds[I].fd;
      if (Fd == In.fds[1]) {
        ssize_t N = ::write(Fd, Input.data() + Written, Input.size() - Written);
        if (N > 0)
          Written += N;
        bool Retry = N < 0 && (errno == EAGAIN || errno == EINTR);
        if ((N < 0 && !Retry) || Written == Input.size())
          In.closeEnd(1);
        continue;
      }
      Pipe &Source = Fd == Out.fds[0] ? Out : Err;
      std::string &Sink =
          Fd == Out.fds[0] ? Result.StandardOutput : Result.StandardError;
      ssize_t N = ::read(Fd, Buffer, sizeof(Buffer));
      if (N <= 0) {
        Source.closeEnd(0);
        continue;
      }
      size_t Room = MaxOutput > Sink.size() ? MaxOutput - Sink.size() : 0;
      Sink.append(Buffer, std::min<size_t>(Room, N));
      if (static_cast<size_t>(N) > Room)
        Result.OutputTruncated = true;
    }
  }
  return true;
}

bool waitUntil(pid_t Pid, int &Status, Clock::time_point Deadline) {
  // The child has closed its output, so it is exiting: poll briefly first,
  // then back off, so short runs are not padded by a fixed sleep.
  useconds_t Pause = 20;
  while (true) {
    pid_t Done = ::waitpid(Pid, &Status, WNOHANG);
    if (Done == Pid)
      return true;
    if (Clock::now() >= Deadline)
      return false;
    ::usleep(Pause);
    Pause = std::min<useconds_t>(Pause * 2, 5000);
  }
}

/// What a confined child needs before exec, prepared by the parent: the
/// child shares the parent's memory until it execs (CLONE_VM | CLONE_VFORK)
/// and may only make system calls.
struct ConfinedStart {
  const char *Path;
  char *const *Argv;
  char *const *Envp;
  const char *WorkingDirectory;
  int Stdin, Stdout, Stderr;
  /// Set by the child when exec fails.
  int Errno = 0;
};

int startConfined(void *Arg) {
  auto *S = static_cast<ConfinedStart *>(Arg);
  sigset_t None;
  sigemptyset(&None);
  ::sigprocmask(SIG_SETMASK, &None, nullptr);
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::dup2(S->Stdin, 0) < 0 || ::dup2(S->Stdout, 1) < 0 ||
      ::dup2(S->Stderr, 2) < 0 ||
      (S->WorkingDirectory && ::chdir(S->WorkingDirectory) != 0)) {
    S->Errno = errno;
    ::_exit(127);
  }
  ::execve(S->Path, S->Argv, S->Envp);
  S->Errno = errno;
  ::_exit(127);
}

std::atomic<bool> NamespacesRefused{false};

/// Starts a confined child: in a PID namespace of its own unless the kernel
/// refused one before. Returns its pid, or -1 with errno set.
pid_t cloneConfined(ConfinedStart &Start, bool &Contained) {
  constexpr size_t kStackBytes = 64 * 1024;
  std::vector<char> Stack(kStackBytes);
  char *Top = Stack.data() + Stack.size();
  int Flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
  if (!NamespacesRefused) {
    pid_t Pid = ::clone(startConfined, Top, Flags | CLONE_NEWPID, &Start);
    if (Pid >= 0) {
      Contained = true;
      return Pid;
    }
    if (errno != EPERM && errno != EINVAL && errno != ENOSPC)
      return -1;
    NamespacesRefused = true;
  }
  Contained = false;
  return ::clone(startConfined, Top, Flags, &Start);
}

/// The caller's environment with \p Overrides applied, null-terminated.
std::vector<char *>
childEnvironment(const std::vector<std::string> &Overrides) {
  std::vector<char *> Entries;
  for (char **Entry = environ; *Entry; ++Entry) {
    llvm::StringRef Name = llvm::StringRef(*Entry).split('=').first;
    bool Overridden = llvm::any_of(Overrides, [&](const std::string &O) {
      return llvm::StringRef(O).split('=').first == Name;
    });
    if (!Overridden)
      Entries.push_back(*Entry);
  }
  for (const std::string &Override : Overrides)
    Entries.push_back(const_cast<char *>(Override.c_str()));
  Entries.push_back(nullptr);
  return Entries;
}

} // namespace

bool pidNamespacesAvailable() {
  SubprocessOptions Probe;
  Probe.Argv = {"/bin/true"};
  Probe.Confine = true;
  auto Result = runSubprocess(Probe);
  if (!Result) {
    llvm::consumeError(Result.takeError());
    return false;
  }
  return Result->Contained;
}

std::string SubprocessResult::describeFailure() const {
  if (!Stopped.empty())
    return "stopped: " + Stopped;
  if (TimedOut)
    return llvm::formatv(
        "timed out after {0} ms",
        std::chrono::duration_cast<std::chrono::milliseconds>(WallTime)
            .count());
  if (Signal)
    return llvm::formatv("killed by signal {0} ({1})", *Signal,
                         ::strsignal(*Signal));
  if (ExitCode)
    return llvm::formatv("exit code {0}", *ExitCode);
  return "did not finish";
}

llvm::Expected<SubprocessResult>
runSubprocess(const SubprocessOptions &Options) {
  if (Options.Argv.empty())
    return llvm::createStringError("no program to run");
  Pipe In, Out, Err;
  for (Pipe *P : {&In, &Out, &Err})
    if (llvm::Error E = makePipe(*P))
      return std::move(E);

  posix_spawn_file_actions_t Actions;
  posix_spawn_file_actions_init(&Actions);
  posix_spawn_file_actions_adddup2(&Actions, In.fds[0], 0);
  posix_spawn_file_actions_adddup2(&Actions, Out.fds[1], 1);
  posix_spawn_file_actions_adddup2(&Actions, Err.fds[1], 2);
  if (!Options.WorkingDirectory.empty())
    posix_spawn_file_actions_addchdir_np(&Actions,
                                         Options.WorkingDirectory.c_str());
  posix_spawnattr_t Attributes;
  posix_spawnattr_init(&Attributes);
  // The caller may block signals it handles on a thread of its own
  // (support/Cleanup.h); the child starts with none blocked.
  sigset_t None;
  sigemptyset(&None);
  posix_spawnattr_setsigmask(&Attributes, &None);
  posix_spawnattr_setflags(&Attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&Attributes, 0);

  std::vector<char *> Argv;
  for (const std::string &Arg : Options.Argv)
    Argv.push_back(const_cast<char *>(Arg.c_str()));
  Argv.push_back(nullptr);
  std::vector<char *> Environment = childEnvironment(Options.Environment);

  auto Start = Clock::now();
  pid_t Pid = 0;
  int SpawnError = 0;
  SubprocessResult Result;
  if (Options.Confine) {
    ConfinedStart Confined{Argv[0],
                           Argv.data(),
                           Environment.data(),
                           Options.WorkingDirectory.empty()
                               ? nullptr
                               : Options.WorkingDirectory.c_str(),
                           In.fds[0],
                           Out.fds[1],
                           Err.fds[1]};
    Pid = cloneConfined(Confined, Result.Contained);
    SpawnError = Pid < 0 ? errno : Confined.Errno;
    if (Pid > 0 && Confined.Errno)
      ::waitpid(Pid, nullptr, 0);
  } else {
    SpawnError = ::posix_spawnp(&Pid, Argv[0], &Actions, &Attributes,
                                Argv.data(), Environment.data());
  }
  posix_spawn_file_actions_destroy(&Actions);
  posix_spawnattr_destroy(&Attributes);
  if (SpawnError != 0)
    return llvm::createStringError(
        std::error_code(SpawnError, std::generic_category()),
        "cannot run '" + Options.Argv[0] + "': " + std::strerror(SpawnError));
  // Killed with everything it started if we are interrupted meanwhile.
  registerProcessGroup(Pid);
  In.closeEnd(0);
  Out.closeEnd(1);
  Err.closeEnd(1);
  // A blocking write of more than a pipe's capacity would stall until the
  // child reads, while nobody drains its output.
  ::fcntl(In.fds[1], F_SETFL, O_NONBLOCK);

  auto Deadline = Start + Options.Timeout;
  // A child that exits without reading its input would kill us with SIGPIPE
  // when we write to it: the signal is blocked in this thread while we feed
  // the child (the write then fails with EPIPE) and discarded afterwards, so
  // the process keeps the default disposition for its own output.
  sigset_t Sigpipe, Previous;
  sigemptyset(&Sigpipe);
  sigaddset(&Sigpipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &Sigpipe, &Previous);
  bool Finished = pumpPipes(In, Out, Err, Options, Result, Deadline);
  timespec NoWait{0, 0};
  while (sigtimedwait(&Sigpipe, nullptr, &NoWait) > 0) {
  }
  pthread_sigmask(SIG_SETMASK, &Previous, nullptr);
  int Status = 0;
  if (!Finished || !waitUntil(Pid, Status, Deadline)) {
    Result.TimedOut = Result.Stopped.empty();
    ::kill(-Pid, SIGKILL);
    ::waitpid(Pid, &Status, 0);
  } else if (Options.Check && Result.Stopped.empty()) {
    if (std::optional<std::string> Stop = Options.Check())
      Result.Stopped = std::move(*Stop);
  }
  unregisterProcessGroup(Pid);
  Result.WallTime = Clock::now() - Start;
  if (WIFEXITED(Status))
    Result.ExitCode = WEXITSTATUS(Status);
  if (WIFSIGNALED(Status))
    Result.Signal = WTERMSIG(Status);
  return Result;
}

int openPidFd(int Pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, Pid, 0));
}

bool signalPidFd(int PidFd, int Signal) {
  return ::syscall(SYS_pidfd_send_signal, PidFd, Signal, nullptr, 0) == 0;
}

std::string firstErrorLine(llvm::StringRef Diagnostics) {
  llvm::SmallVector<llvm::StringRef> Lines;
  Diagnostics.split(Lines, '\n', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef Line : Lines)
    if (Line.contains("error:"))
      return Line.trim().str();
  return Lines.empty() ? "no diagnostics" : Lines.front().trim().str();
}

llvm::Error runChecked(const SubprocessOptions &Options) {
  llvm::Expected<SubprocessResult> Result = runSubprocess(Options);
  if (!Result)
    return Result.takeError();
  if (Result->succeeded())
    return llvm::Error::success();
  std::string Stderr = Result->StandardError;
  if (Stderr.size() > 4000)
    Stderr = Stderr.substr(0, 4000) + "...";
  return llvm::createStringError(Options.Argv[0] + " failed (" +
                                 Result->describeFailure() + "): " + Stderr);
}

} // namespace passgym
