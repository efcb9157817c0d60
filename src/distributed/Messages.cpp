//===- distributed/Messages.cpp - Tagged messages over MPI ----------------===//
#include "distributed/Messages.h"

#include <mpi.h>

#include <thread>

namespace passgym {
namespace {

int mpiRank(int Rank) { return Rank == kAnyRank ? MPI_ANY_SOURCE : Rank; }
int mpiTag(int Tag) { return Tag == kAnyTag ? MPI_ANY_TAG : Tag; }

} // namespace

llvm::Error mpiError(llvm::StringRef What, int Code) {
  char Text[MPI_MAX_ERROR_STRING];
  int Length = 0;
  MPI_Error_string(Code, Text, &Length);
  return llvm::createStringError(What + ": " + std::string(Text, Length));
}

llvm::Error sendTo(unsigned To, int Tag, llvm::StringRef Text,
                   RankClock::time_point Deadline) {
  MPI_Request Request;
  if (int Code = MPI_Isend(Text.data(), static_cast<int>(Text.size()),
                           MPI_CHAR, static_cast<int>(To), Tag,
                           MPI_COMM_WORLD, &Request))
    return mpiError("cannot send to rank " + std::to_string(To), Code);
  for (;;) {
    int Done = 0;
    if (int Code = MPI_Test(&Request, &Done, MPI_STATUS_IGNORE))
      return mpiError("cannot send to rank " + std::to_string(To), Code);
    if (Done)
      return llvm::Error::success();
    if (RankClock::now() > Deadline) {
      MPI_Cancel(&Request);
      MPI_Request_free(&Request);
      return llvm::createStringError("rank " + std::to_string(To) +
                                     " did not take a message in time");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

llvm::Expected<std::optional<RankMessage>> receiveIfArrived(int From,
                                                            int Tag) {
  int Arrived = 0;
  MPI_Status Status;
  if (int Code = MPI_Iprobe(mpiRank(From), mpiTag(Tag), MPI_COMM_WORLD,
                            &Arrived, &Status))
    return mpiError("cannot receive", Code);
  if (!Arrived)
    return std::nullopt;
  int Count = 0;
  MPI_Get_count(&Status, MPI_CHAR, &Count);
  std::string Source = std::to_string(Status.MPI_SOURCE);
  // A large message comes in parts, each sent when the receiver asks: a
  // sender stopped or killed after the first would block MPI_Recv forever
  // (rank 0 of a training job hung so, its rank 1 stopped by SIGSTOP).
  auto Buffer = std::make_unique<std::string>(Count, '\0');
  MPI_Request Request;
  if (int Code = MPI_Irecv(Buffer->data(), Count, MPI_CHAR, Status.MPI_SOURCE,
                           Status.MPI_TAG, MPI_COMM_WORLD, &Request))
    return mpiError("cannot receive from rank " + Source, Code);
  RankClock::time_point GiveUp = RankClock::now() + kMessageCompletion;
  for (;;) {
    int Done = 0;
    if (int Code = MPI_Test(&Request, &Done, MPI_STATUS_IGNORE))
      return mpiError("cannot receive from rank " + Source, Code);
    if (Done)
      return RankMessage{static_cast<unsigned>(Status.MPI_SOURCE),
                         Status.MPI_TAG, std::move(*Buffer)};
    if (RankClock::now() > GiveUp) {
      MPI_Cancel(&Request);
      MPI_Request_free(&Request);
      // MPI may still write into the buffer of a request it could not
      // cancel: it is left to MPI, not freed.
      (void)Buffer.release();
      return llvm::createStringError("rank " + Source +
                                     " stopped in the middle of a message");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

llvm::Expected<RankMessage> receiveFrom(int From, int Tag,
                                        RankClock::time_point Deadline) {
  for (;;) {
    auto M = receiveIfArrived(From, Tag);
    if (!M)
      return M.takeError();
    if (*M)
      return std::move(**M);
    if (RankClock::now() > Deadline)
      return llvm::createStringError("no message in time");
    std::this_thread::sleep_for(kPollInterval);
  }
}

llvm::Expected<std::string> answerUntilStopped(
    llvm::function_ref<llvm::Expected<std::string>(const RankMessage &)>
        Answer) {
  for (;;) {
    auto M = receiveFrom(0, kAnyTag, RankClock::time_point::max());
    if (!M)
      return M.takeError();
    if (M->Tag == StopTag)
      return std::move(M->Text);
    if (M->Tag != JobTag && M->Tag != TaskTag)
      return llvm::createStringError("unexpected message tag " +
                                     std::to_string(M->Tag));
    auto Reply = Answer(*M);
    if (!Reply)
      return Reply.takeError();
    if (llvm::Error E = sendTo(0, M->Tag == JobTag ? ReadyTag : ResultTag,
                               *Reply,
                               RankClock::now() + std::chrono::minutes(10)))
      return E;
  }
}

} // namespace passgym
