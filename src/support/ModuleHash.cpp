#include "support/ModuleHash.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/BLAKE3.h"
#include "llvm/Support/raw_ostream.h"

namespace passgym {
namespace {

/// Feeds printed IR straight into the hash, without building the text.
class HashingStream : public llvm::raw_ostream {
public:
  explicit HashingStream(llvm::BLAKE3 &Hasher) : Hasher(Hasher) {}
  ~HashingStream() override { flush(); }

private:
  void write_impl(const char *Data, size_t Size) override {
    Hasher.update(llvm::StringRef(Data, Size));
    Position += Size;
  }
  uint64_t current_pos() const override { return Position; }

  llvm::BLAKE3 &Hasher;
  uint64_t Position = 0;
};

} // namespace

std::string irHash(const llvm::Module &M) {
  llvm::BLAKE3 Hasher;
  {
    HashingStream Stream(Hasher);
    M.print(Stream, nullptr);
  }
  auto Digest = Hasher.final<16>();
  return llvm::toHex(Digest, /*LowerCase=*/true);
}

std::string bytesHash(llvm::StringRef Bytes) {
  llvm::BLAKE3 Hasher;
  Hasher.update(Bytes);
  return llvm::toHex(Hasher.final<16>(), /*LowerCase=*/true);
}

} // namespace passgym
