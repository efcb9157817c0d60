//===- support/Cleanup.h - Leaving nothing behind when interrupted --------===//
//
// Ctrl-C or SIGTERM must not leave programs running or temporary files
// behind. Temporary directories and child processes register themselves
// here while they exist; a program that calls installInterruptCleanup()
// handles SIGINT and SIGTERM on a thread of its own, which kills every
// registered process, removes every registered directory, and then ends the
// process with the signal it received.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_SUPPORT_CLEANUP_H
#define PASSGYM_SUPPORT_CLEANUP_H

#include <string>

namespace passgym {

/// Blocks SIGINT and SIGTERM in the calling thread (call it first in main,
/// before other threads exist, so they inherit the mask) and handles them on
/// a thread of its own.
void installInterruptCleanup();

/// A directory removed on interruption; unregister once it is gone.
void registerDirectory(const std::string &Path);
void unregisterDirectory(const std::string &Path);

/// A process group (negative) or pidfd (positive, see openPidFd) killed on
/// interruption.
void registerProcessGroup(int Group);
void unregisterProcessGroup(int Group);
void registerPidFd(int PidFd);
void unregisterPidFd(int PidFd);

} // namespace passgym

#endif
