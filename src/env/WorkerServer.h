//===- env/WorkerServer.h - The worker process's side ---------------------===//
//
// A worker process (passgym-worker) serves one WorkerEnvironment: it runs a
// LocalEnvironment on the requests it reads from its socket until the socket
// closes. It protects itself: a request that runs past twice the caller's
// timeout ends the process (in case the caller is gone), and a step that
// lost its module to a crash ends the process after replying, because a
// crash may have corrupted its heap. A fork request forks the process: the
// child serves a new socket, sent to the caller with a pidfd of the child.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_ENV_WORKERSERVER_H
#define PASSGYM_ENV_WORKERSERVER_H

namespace passgym::worker {

/// Serves requests on the socket \p Fd; returns the process's exit code.
int serve(int Fd);

} // namespace passgym::worker

#endif
