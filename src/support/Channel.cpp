#include "support/Channel.h"

#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace passgym {

char ReceiveError::ID = 0;

void ReceiveError::log(llvm::raw_ostream &OS) const { OS << Message; }

std::error_code ReceiveError::convertToErrorCode() const {
  return llvm::inconvertibleErrorCode();
}

//===----------------------------------------------------------------------===//
// Encoding
//===----------------------------------------------------------------------===//

MessageWriter &MessageWriter::u64(uint64_t Value) {
  Data.append(reinterpret_cast<const char *>(&Value), sizeof Value);
  return *this;
}

MessageWriter &MessageWriter::f64(double Value) {
  Data.append(reinterpret_cast<const char *>(&Value), sizeof Value);
  return *this;
}

MessageWriter &MessageWriter::bytes(llvm::StringRef Value) {
  u64(Value.size());
  Data.append(Value.data(), Value.size());
  return *this;
}

MessageWriter &MessageWriter::strings(const std::vector<std::string> &Values) {
  u64(Values.size());
  for (const std::string &Value : Values)
    bytes(Value);
  return *this;
}

llvm::StringRef MessageReader::take(size_t Size) {
  if (Failed || Size > Rest.size()) {
    Failed = true;
    return {};
  }
  llvm::StringRef Taken = Rest.take_front(Size);
  Rest = Rest.drop_front(Size);
  return Taken;
}

uint64_t MessageReader::u64() {
  uint64_t Value = 0;
  llvm::StringRef Raw = take(sizeof Value);
  if (!Raw.empty())
    std::memcpy(&Value, Raw.data(), sizeof Value);
  return Value;
}

double MessageReader::f64() {
  double Value = 0;
  llvm::StringRef Raw = take(sizeof Value);
  if (!Raw.empty())
    std::memcpy(&Value, Raw.data(), sizeof Value);
  return Value;
}

std::string MessageReader::bytes() { return take(u64()).str(); }

std::vector<std::string> MessageReader::strings() {
  uint64_t Count = u64();
  std::vector<std::string> Values;
  for (uint64_t I = 0; I < Count && !Failed; ++I)
    Values.push_back(bytes());
  return Values;
}

llvm::Error MessageReader::finish(llvm::StringRef What) const {
  if (Failed || !Rest.empty())
    return llvm::createStringError("a malformed " + What + " message");
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Transport
//===----------------------------------------------------------------------===//

namespace {

using Clock = std::chrono::steady_clock;

/// Descriptors a message may carry.
constexpr size_t kMaxDescriptors = 4;

llvm::Error receiveFailure(ReceiveFailure Kind, std::string Message) {
  return llvm::make_error<ReceiveError>(Kind, std::move(Message));
}

/// Waits until \p Fd is readable or \p Deadline passes.
llvm::Error waitReadable(int Fd, std::optional<Clock::time_point> Deadline,
                         std::chrono::milliseconds Timeout) {
  while (true) {
    int Wait = -1;
    if (Deadline) {
      auto Left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *Deadline - Clock::now());
      if (Left.count() <= 0)
        return receiveFailure(ReceiveFailure::TimedOut,
                              "no answer within " +
                                  std::to_string(Timeout.count()) + " ms");
      Wait = static_cast<int>(std::min<int64_t>(Left.count(), INT32_MAX));
    }
    pollfd Poll{Fd, POLLIN, 0};
    int Ready = ::poll(&Poll, 1, Wait);
    if (Ready > 0)
      return llvm::Error::success();
    if (Ready < 0 && errno != EINTR)
      return receiveFailure(ReceiveFailure::Broken,
                            std::string("poll: ") + std::strerror(errno));
  }
}

} // namespace

Channel &Channel::operator=(Channel &&Other) noexcept {
  if (this != &Other) {
    if (Fd >= 0)
      ::close(Fd);
    Fd = Other.Fd;
    Other.Fd = -1;
  }
  return *this;
}

Channel::~Channel() {
  if (Fd >= 0)
    ::close(Fd);
}

llvm::Expected<std::pair<Channel, Channel>> Channel::pair() {
  int Fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, Fds) != 0)
    return llvm::createStringError(std::string("socketpair: ") +
                                   std::strerror(errno));
  return std::make_pair(Channel(Fds[0]), Channel(Fds[1]));
}

llvm::Error Channel::send(llvm::StringRef Data,
                          const std::vector<int> &Descriptors) {
  uint64_t Size = Data.size();
  std::string Frame(reinterpret_cast<const char *>(&Size), sizeof Size);
  Frame.append(Data.data(), Data.size());
  size_t Sent = 0;
  while (Sent < Frame.size()) {
    iovec Vector{Frame.data() + Sent, Frame.size() - Sent};
    msghdr Header{};
    Header.msg_iov = &Vector;
    Header.msg_iovlen = 1;
    alignas(cmsghdr) char Control[CMSG_SPACE(sizeof(int) * kMaxDescriptors)];
    if (Sent == 0 && !Descriptors.empty()) {
      size_t Bytes = sizeof(int) * Descriptors.size();
      Header.msg_control = Control;
      Header.msg_controllen = CMSG_SPACE(Bytes);
      cmsghdr *Rights = CMSG_FIRSTHDR(&Header);
      Rights->cmsg_level = SOL_SOCKET;
      Rights->cmsg_type = SCM_RIGHTS;
      Rights->cmsg_len = CMSG_LEN(Bytes);
      std::memcpy(CMSG_DATA(Rights), Descriptors.data(), Bytes);
    }
    ssize_t Written = ::sendmsg(Fd, &Header, MSG_NOSIGNAL);
    if (Written < 0 && errno == EINTR)
      continue;
    if (Written < 0)
      return llvm::createStringError(std::string("cannot send a message: ") +
                                     std::strerror(errno));
    Sent += static_cast<size_t>(Written);
  }
  return llvm::Error::success();
}

llvm::Expected<Message>
Channel::receive(std::optional<std::chrono::milliseconds> Timeout) {
  std::optional<Clock::time_point> Deadline;
  if (Timeout)
    Deadline = Clock::now() + *Timeout;
  Message Received;
  uint64_t Size = 0;
  std::string Buffer;
  size_t Wanted = sizeof Size;
  bool HaveSize = false;
  while (Buffer.size() < Wanted || !HaveSize) {
    if (Buffer.size() == Wanted && !HaveSize) {
      std::memcpy(&Size, Buffer.data(), sizeof Size);
      HaveSize = true;
      Wanted += Size;
      Buffer.reserve(Wanted);
      continue;
    }
    if (llvm::Error E = waitReadable(
            Fd, Deadline, Timeout.value_or(std::chrono::milliseconds(0))))
      return std::move(E);
    char Chunk[1 << 16];
    iovec Vector{Chunk, std::min(sizeof Chunk, Wanted - Buffer.size())};
    msghdr Header{};
    Header.msg_iov = &Vector;
    Header.msg_iovlen = 1;
    alignas(cmsghdr) char Control[CMSG_SPACE(sizeof(int) * kMaxDescriptors)];
    Header.msg_control = Control;
    Header.msg_controllen = sizeof Control;
    ssize_t Read = ::recvmsg(Fd, &Header, MSG_CMSG_CLOEXEC);
    if (Read < 0 && errno == EINTR)
      continue;
    if (Read < 0)
      return receiveFailure(ReceiveFailure::Broken,
                            std::string("cannot receive a message: ") +
                                std::strerror(errno));
    if (Read == 0)
      return receiveFailure(ReceiveFailure::Closed,
                            "the other process closed the connection");
    for (cmsghdr *C = CMSG_FIRSTHDR(&Header); C; C = CMSG_NXTHDR(&Header, C)) {
      if (C->cmsg_level != SOL_SOCKET || C->cmsg_type != SCM_RIGHTS)
        continue;
      size_t Count = (C->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t I = 0; I < Count; ++I) {
        int Passed;
        std::memcpy(&Passed, CMSG_DATA(C) + I * sizeof(int), sizeof(int));
        Received.Descriptors.push_back(Passed);
      }
    }
    Buffer.append(Chunk, static_cast<size_t>(Read));
  }
  Received.Data = Buffer.substr(sizeof Size);
  return Received;
}

} // namespace passgym
