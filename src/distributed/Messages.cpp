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
  RankMessage M{static_cast<unsigned>(Status.MPI_SOURCE), Status.MPI_TAG,
                std::string(Count, '\0')};
  if (int Code = MPI_Recv(M.Text.data(), Count, MPI_CHAR, Status.MPI_SOURCE,
                          Status.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE))
    return mpiError("cannot receive from rank " +
                        std::to_string(Status.MPI_SOURCE),
                    Code);
  return M;
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
