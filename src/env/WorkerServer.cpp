#include "env/WorkerServer.h"

#include "actions/PassRunner.h"
#include "env/WorkerProtocol.h"
#include "support/Subprocess.h"

#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace passgym::worker {
namespace {

CacheStatistics difference(const CacheStatistics &After,
                           const CacheStatistics &Before) {
  return {After.Hits - Before.Hits, After.Misses - Before.Misses};
}

class Server {
public:
  explicit Server(int Fd) : Socket(Fd) {}
  int run();

private:
  /// Handles one request; false when the process should end.
  bool handle(Request Kind, MessageReader &In);
  llvm::Error configure(MessageReader &In);
  void reply(MessageWriter Out, const std::vector<int> &Descriptors = {});
  void fail(llvm::Error E);
  CacheStatistics lookupsSinceRequest() const;
  void reapForkedChildren();
  bool fork(MessageReader &In);

  Channel Socket;
  std::unique_ptr<Environment> Env;
  std::shared_ptr<MeasurementContext> Measurement;
  CacheStatistics AtRequest;
  std::vector<pid_t> Children;
};

CacheStatistics Server::lookupsSinceRequest() const {
  if (!Measurement)
    return {};
  return difference(Measurement->statistics(), AtRequest);
}

void Server::reply(MessageWriter Out, const std::vector<int> &Descriptors) {
  // A caller that is gone cannot be told; the next receive sees it.
  llvm::consumeError(Socket.send(Out.data(), Descriptors));
}

void Server::fail(llvm::Error E) {
  reply(errorReply(lookupsSinceRequest(), llvm::toString(std::move(E))));
}

void Server::reapForkedChildren() {
  llvm::erase_if(Children, [](pid_t Child) {
    return ::waitpid(Child, nullptr, WNOHANG) != 0;
  });
}

llvm::Error Server::configure(MessageReader &In) {
  Configuration C = decodeConfiguration(In);
  if (llvm::Error E = In.finish("configure"))
    return E;
  for (const std::string &Plugin : C.PassPlugins)
    if (llvm::Error E = addPassPlugin(Plugin))
      return E;
  Measurement =
      std::make_shared<MeasurementContext>(C.Measurement, C.CachePath);
  EnvironmentOptions Options;
  Options.Actions =
      std::make_shared<ActionSpace>(C.ActionSpaceName, std::move(C.Actions));
  Options.ObservationSpace = C.ObservationSpace;
  Options.RewardSpace = C.RewardSpace;
  Options.Measurement = Measurement;
  auto Created = Environment::create(std::move(Options));
  if (!Created)
    return Created.takeError();
  Env = std::move(*Created);
  return llvm::Error::success();
}

bool Server::fork(MessageReader &In) {
  std::string TemporaryDirectory = In.bytes();
  if (llvm::Error E = In.finish("fork")) {
    fail(std::move(E));
    return true;
  }
  auto Pair = Channel::pair();
  if (!Pair) {
    fail(Pair.takeError());
    return true;
  }
  pid_t Child = ::fork();
  if (Child < 0) {
    fail(llvm::createStringError("the worker cannot fork"));
    return true;
  }
  if (Child == 0) {
    // The copy serves its own socket, keeps its temporary files apart, and
    // opens its own connection to the measurement cache.
    Socket = std::move(Pair->second);
    Children.clear();
    ::setenv("TMPDIR", TemporaryDirectory.c_str(), /*overwrite=*/1);
    std::string Stderr = TemporaryDirectory + "/" + kWorkerStderrFile;
    int StderrFd = ::open(Stderr.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (StderrFd >= 0) {
      ::dup2(StderrFd, STDERR_FILENO);
      ::close(StderrFd);
    }
    if (Measurement)
      Measurement->forgetCacheConnection();
    return true;
  }
  Children.push_back(Child);
  int PidFd = openPidFd(Child);
  if (PidFd < 0) {
    fail(llvm::createStringError("cannot open a pidfd of the forked worker"));
    return true;
  }
  MessageWriter Out = okReply(lookupsSinceRequest());
  Out.i64(Child);
  reply(std::move(Out), {Pair->first.descriptor(), PidFd});
  ::close(PidFd);
  return true;
}

bool Server::handle(Request Kind, MessageReader &In) {
  if (Kind == Request::Configure) {
    if (llvm::Error E = configure(In))
      fail(std::move(E));
    else
      reply(okReply({}));
    return true;
  }
  if (!Env) {
    fail(llvm::createStringError("the worker was not configured"));
    return true;
  }
  switch (Kind) {
  case Request::Reset: {
    BenchmarkPtr B = decodeBenchmark(In);
    if (llvm::Error E = In.finish("reset")) {
      fail(std::move(E));
      return true;
    }
    auto Initial = Env->reset(B);
    if (!Initial) {
      fail(Initial.takeError());
      return true;
    }
    MessageWriter Out = okReply(lookupsSinceRequest());
    encode(Out, *Initial);
    encode(Out, Env->reward());
    reply(std::move(Out));
    return true;
  }
  case Request::Step: {
    std::string Pipeline = In.bytes();
    if (llvm::Error E = In.finish("step")) {
      fail(std::move(E));
      return true;
    }
    auto Result = Env->stepPipeline(Pipeline);
    if (!Result) {
      fail(Result.takeError());
      return true;
    }
    MessageWriter Out = okReply(lookupsSinceRequest());
    encode(Out, *Result);
    encode(Out, Env->reward());
    Out.boolean(Env->inEpisode());
    reply(std::move(Out));
    // A crash may have left the heap corrupted: nothing more runs here.
    return Env->inEpisode();
  }
  case Request::Observe: {
    std::string Space = In.bytes();
    if (llvm::Error E = In.finish("observe")) {
      fail(std::move(E));
      return true;
    }
    auto Value = Env->observe(Space);
    if (!Value) {
      fail(Value.takeError());
      return true;
    }
    MessageWriter Out = okReply(lookupsSinceRequest());
    encode(Out, std::optional<Observation>(std::move(*Value)));
    reply(std::move(Out));
    return true;
  }
  case Request::Fork:
    return fork(In);
  case Request::Module: {
    auto M = Env->module();
    if (!M) {
      fail(M.takeError());
      return true;
    }
    std::string Bitcode;
    llvm::raw_string_ostream Stream(Bitcode);
    llvm::WriteBitcodeToFile(*M, Stream, /*ShouldPreserveUseListOrder=*/true);
    MessageWriter Out = okReply(lookupsSinceRequest());
    Out.bytes(Bitcode);
    reply(std::move(Out));
    return true;
  }
  case Request::Keep:
  case Request::Restore:
  case Request::Forget: {
    uint64_t Key = In.u64();
    if (llvm::Error E = In.finish("keep, restore or forget")) {
      fail(std::move(E));
      return true;
    }
    llvm::Error E = llvm::Error::success();
    if (Kind == Request::Keep)
      E = Env->keep(Key);
    else if (Kind == Request::Restore)
      E = Env->restore(Key);
    else
      Env->forget(Key);
    if (E)
      fail(std::move(E));
    else
      reply(okReply(lookupsSinceRequest()));
    return true;
  }
  case Request::Configure:
    break;
  }
  fail(llvm::createStringError("an unknown request"));
  return true;
}

int Server::run() {
  while (true) {
    auto Received = Socket.receive();
    if (!Received) {
      // The caller closed its end: it has no more use for this worker.
      llvm::consumeError(Received.takeError());
      return 0;
    }
    reapForkedChildren();
    MessageReader In(Received->Data);
    auto Kind = static_cast<Request>(In.u64());
    uint64_t TimeoutMs = In.u64();
    // Should the caller be gone while a pass never returns, this still ends.
    ::alarm(static_cast<unsigned>(2 * TimeoutMs / 1000 + 5));
    AtRequest = Measurement ? Measurement->statistics() : CacheStatistics();
    bool Continue = handle(Kind, In);
    ::alarm(0);
    if (!Continue)
      std::_Exit(0);
  }
}

} // namespace

int serve(int Fd) { return Server(Fd).run(); }

} // namespace passgym::worker
