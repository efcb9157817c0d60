//===- support/Channel.h - Messages between processes ---------------------===//
//
// Length-prefixed binary messages over a Unix stream socket, optionally
// carrying file descriptors, with a deadline on receiving: what the
// environment and its worker processes say to each other. The encoding is a
// plain sequence of fixed-width integers, doubles and length-prefixed bytes,
// written and read in the same order by both sides (one build of passgym).
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_SUPPORT_CHANNEL_H
#define PASSGYM_SUPPORT_CHANNEL_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace passgym {

class MessageWriter {
public:
  MessageWriter &u64(uint64_t Value);
  MessageWriter &i64(int64_t Value) {
    return u64(static_cast<uint64_t>(Value));
  }
  MessageWriter &f64(double Value);
  MessageWriter &boolean(bool Value) { return u64(Value ? 1 : 0); }
  MessageWriter &bytes(llvm::StringRef Value);
  MessageWriter &strings(const std::vector<std::string> &Values);
  const std::string &data() const { return Data; }

private:
  std::string Data;
};

/// Reads what a MessageWriter wrote. Reading past the end yields zeros and
/// empty strings and makes ok() false, so a decoder reads everything and
/// checks once.
class MessageReader {
public:
  explicit MessageReader(llvm::StringRef Data) : Rest(Data) {}
  uint64_t u64();
  int64_t i64() { return static_cast<int64_t>(u64()); }
  double f64();
  bool boolean() { return u64() != 0; }
  std::string bytes();
  std::vector<std::string> strings();
  bool ok() const { return !Failed; }
  /// Marks the message malformed (an unknown tag, say).
  void fail() { Failed = true; }
  /// Success if everything read was there and nothing is left over.
  llvm::Error finish(llvm::StringRef What) const;

private:
  llvm::StringRef take(size_t Size);
  llvm::StringRef Rest;
  bool Failed = false;
};

/// A received message and the descriptors that came with it (owned by the
/// receiver).
struct Message {
  std::string Data;
  std::vector<int> Descriptors;
};

enum class ReceiveFailure {
  /// The other end closed the socket (its process ended).
  Closed,
  /// Nothing arrived before the deadline.
  TimedOut,
  /// A broken frame or an I/O error.
  Broken,
};

class ReceiveError : public llvm::ErrorInfo<ReceiveError> {
public:
  static char ID;
  ReceiveError(ReceiveFailure Kind, std::string Message)
      : Kind(Kind), Message(std::move(Message)) {}
  ReceiveFailure kind() const { return Kind; }
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override;

private:
  ReceiveFailure Kind;
  std::string Message;
};

/// One end of a connected Unix stream socket. Owns the descriptor.
class Channel {
public:
  explicit Channel(int Fd) : Fd(Fd) {}
  Channel(Channel &&Other) noexcept : Fd(Other.Fd) { Other.Fd = -1; }
  Channel &operator=(Channel &&Other) noexcept;
  Channel(const Channel &) = delete;
  ~Channel();

  /// A connected pair, both ends close-on-exec.
  static llvm::Expected<std::pair<Channel, Channel>> pair();

  /// Sends \p Data and passes \p Descriptors (they stay open here). Never
  /// raises SIGPIPE: a closed peer is an error.
  llvm::Error send(llvm::StringRef Data,
                   const std::vector<int> &Descriptors = {});
  /// Waits for one message until \p Timeout (none: forever). Fails with a
  /// ReceiveError.
  llvm::Expected<Message>
  receive(std::optional<std::chrono::milliseconds> Timeout = std::nullopt);

  int descriptor() const { return Fd; }
  /// Gives up the descriptor without closing it.
  int release() {
    int Released = Fd;
    Fd = -1;
    return Released;
  }

private:
  int Fd = -1;
};

} // namespace passgym

#endif
