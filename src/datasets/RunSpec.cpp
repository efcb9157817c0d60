#include "datasets/RunSpec.h"

#include "support/Channel.h"

namespace passgym {

void encodeRunSpec(MessageWriter &Out, const RunSpec &Spec) {
  Out.strings(Spec.Args)
      .bytes(Spec.StandardInput)
      .strings(Spec.InputFiles)
      .strings(Spec.OutputFiles)
      .strings(Spec.LinkFlags)
      .i64(Spec.Timeout.count())
      .u64(Spec.MaxFileBytes)
      .u64(Spec.MaxMemoryBytes)
      .u64(Spec.MaxWrittenBytes);
}

RunSpec decodeRunSpec(MessageReader &In) {
  RunSpec Spec;
  Spec.Args = In.strings();
  Spec.StandardInput = In.bytes();
  Spec.InputFiles = In.strings();
  Spec.OutputFiles = In.strings();
  Spec.LinkFlags = In.strings();
  Spec.Timeout = std::chrono::milliseconds(In.i64());
  Spec.MaxFileBytes = In.u64();
  Spec.MaxMemoryBytes = In.u64();
  Spec.MaxWrittenBytes = In.u64();
  return Spec;
}

} // namespace passgym
