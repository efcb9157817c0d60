#include "datasets/RunSpec.h"

#include "support/Channel.h"

namespace passgym {

void encodeRunSpec(MessageWriter &Out, const RunSpec &Spec) {
  Out.strings(Spec.Args)
      .bytes(Spec.StandardInput)
      .strings(Spec.Environment)
      .strings(Spec.InputFiles)
      .strings(Spec.OutputFiles)
      .boolean(Spec.CompareStdout)
      .i64(Spec.ExpectedExitCode)
      .u64(Spec.MainRepeat)
      .u64(Spec.MainRepeatMs)
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
  Spec.Environment = In.strings();
  Spec.InputFiles = In.strings();
  Spec.OutputFiles = In.strings();
  Spec.CompareStdout = In.boolean();
  Spec.ExpectedExitCode = static_cast<int>(In.i64());
  Spec.MainRepeat = static_cast<unsigned>(In.u64());
  Spec.MainRepeatMs = static_cast<unsigned>(In.u64());
  Spec.LinkFlags = In.strings();
  Spec.Timeout = std::chrono::milliseconds(In.i64());
  Spec.MaxFileBytes = In.u64();
  Spec.MaxMemoryBytes = In.u64();
  Spec.MaxWrittenBytes = In.u64();
  return Spec;
}

} // namespace passgym
