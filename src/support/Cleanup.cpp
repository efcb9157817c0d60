#include "support/Cleanup.h"

#include "support/Subprocess.h"

#include "llvm/Support/FileSystem.h"

#include <algorithm>
#include <csignal>
#include <mutex>
#include <pthread.h>
#include <set>
#include <thread>
#include <unistd.h>

namespace passgym {
namespace {

struct Registry {
  std::mutex Mutex;
  std::set<std::string> Directories;
  std::set<int> Groups, PidFds;
};

Registry &registry() {
  // Never destroyed: the cleanup thread may use it while the process exits.
  static Registry *R = new Registry;
  return *R;
}

sigset_t interruptSignals() {
  sigset_t Signals;
  sigemptyset(&Signals);
  sigaddset(&Signals, SIGINT);
  sigaddset(&Signals, SIGTERM);
  return Signals;
}

[[noreturn]] void cleanUpAndDie(int Signal) {
  Registry &R = registry();
  // Held until the process ends: a thread whose child is killed here waits
  // to unregister it, rather than report the death as its own failure and
  // exit with an error before the signal ends the process.
  std::lock_guard<std::mutex> Lock(R.Mutex);
  for (int Group : R.Groups)
    ::kill(Group, SIGKILL);
  for (int PidFd : R.PidFds)
    signalPidFd(PidFd, SIGKILL);
  for (const std::string &Dir : R.Directories)
    llvm::sys::fs::remove_directories(Dir, /*IgnoreErrors=*/true);
  // End as the signal would have ended us, so the shell sees it.
  std::signal(Signal, SIG_DFL);
  sigset_t Signals = interruptSignals();
  pthread_sigmask(SIG_UNBLOCK, &Signals, nullptr);
  ::kill(::getpid(), Signal);
  ::_exit(128 + Signal);
}

} // namespace

void installInterruptCleanup() {
  sigset_t Signals = interruptSignals();
  pthread_sigmask(SIG_BLOCK, &Signals, nullptr);
  std::thread([Signals] {
    int Signal = 0;
    while (sigwait(&Signals, &Signal) != 0)
      ;
    cleanUpAndDie(Signal);
  }).detach();
}

void registerDirectory(const std::string &Path) {
  std::lock_guard<std::mutex> Lock(registry().Mutex);
  registry().Directories.insert(Path);
}

void unregisterDirectory(const std::string &Path) {
  std::lock_guard<std::mutex> Lock(registry().Mutex);
  registry().Directories.erase(Path);
}

void registerProcessGroup(int Group) {
  std::lock_guard<std::mutex> Lock(registry().Mutex);
  registry().Groups.insert(-std::abs(Group));
}

void unregisterProcessGroup(int Group) {
  std::lock_guard<std::mutex> Lock(registry().Mutex);
  registry().Groups.erase(-std::abs(Group));
}

void registerPidFd(int PidFd) {
  std::lock_guard<std::mutex> Lock(registry().Mutex);
  registry().PidFds.insert(PidFd);
}

void unregisterPidFd(int PidFd) {
  std::lock_guard<std::mutex> Lock(registry().Mutex);
  registry().PidFds.erase(PidFd);
}

} // namespace passgym
