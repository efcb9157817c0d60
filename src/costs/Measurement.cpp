#include "costs/Measurement.h"

#include "datasets/Benchmark.h"
#include "support/ModuleHash.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

namespace passgym {
namespace {

llvm::Expected<const RunSpec &> runSpecOf(const Benchmark &B) {
  if (!B.runSpec())
    return llvm::createStringError("benchmark '" + B.uri() +
                                   "' is not runnable (it has no run spec)");
  return *B.runSpec();
}

/// The first line of \p Text, with an ellipsis when there is more.
std::string head(llvm::StringRef Text) {
  llvm::StringRef Line = Text.split('\n').first.take_front(200);
  return (Line + (Line.size() < Text.rtrim().size() ? " ..." : "")).str();
}

/// How a run ended that should have exited with the spec's code.
std::string describeExit(const ProgramBehaviour &Run, const RunSpec &Spec) {
  std::string Text = "exit code " + std::to_string(Run.ExitCode) +
                     " (expected " + std::to_string(Spec.ExpectedExitCode) +
                     ")";
  if (!Run.StandardError.empty())
    Text += "; stderr: " + head(Run.StandardError);
  if (!Run.StandardOutput.empty())
    Text += "; stdout: " + head(Run.StandardOutput);
  return Text;
}

/// \p M built as \p B's program, with what the unoptimized program did.
struct ProgramToJudge {
  Program Built;
  ProgramBehaviour Reference;
};

llvm::Expected<ProgramToJudge> buildAgainstReference(const llvm::Module &M,
                                                     const Benchmark &B) {
  auto Reference = referenceBehaviour(B);
  if (!Reference)
    return Reference.takeError();
  auto Built = Program::build(M, *B.runSpec());
  if (!Built)
    return Built.takeError();
  return ProgramToJudge{std::move(*Built), std::move(*Reference)};
}

/// With RunSpec::MainRepeat, one run calls main several times: sound only if
/// every call does what the first does. Seen from outside, N calls must
/// print N times what one call prints.
llvm::Error checkMainRepeats(const Program &Built,
                             const ProgramBehaviour &Repeated,
                             const Benchmark &B) {
  const RunSpec &Spec = *B.runSpec();
  if (Spec.MainRepeat <= 1 || !Spec.CompareStdout)
    return llvm::Error::success();
  RunSpec Once = Spec;
  Once.MainRepeat = 1;
  auto Single = Built.run(Once);
  if (!Single)
    return llvm::createStringError("the unoptimized program of '" + B.uri() +
                                   "' fails when main is called once: " +
                                   llvm::toString(Single.takeError()));
  std::string Expected;
  for (unsigned Call = 0; Call < Spec.MainRepeat; ++Call)
    Expected += Single->first.StandardOutput;
  if (Repeated.StandardOutput == Expected)
    return llvm::Error::success();
  return llvm::createStringError(
      "'" + B.uri() + "' sets main_repeat to " +
      std::to_string(Spec.MainRepeat) + ", but " +
      std::to_string(Spec.MainRepeat) +
      " calls of its main do not print that many copies of what one call "
      "prints: main must return 0 and reset the global state it uses");
}

} // namespace

llvm::Expected<ProgramBehaviour> referenceBehaviour(const Benchmark &B) {
  return B.cached<ProgramBehaviour>(
      "runtime.reference", [&]() -> llvm::Expected<ProgramBehaviour> {
        auto Spec = runSpecOf(B);
        if (!Spec)
          return Spec.takeError();
        llvm::LLVMContext Context;
        auto M = B.load(Context);
        if (!M)
          return M.takeError();
        auto Built = Program::build(**M, *Spec);
        if (!Built)
          return Built.takeError();
        // Twice: a program that behaves differently from run to run (it
        // prints the time, say) would make every optimization look wrong.
        std::optional<ProgramBehaviour> First;
        for (int Run = 0; Run < 2; ++Run) {
          auto Outcome = Built->run(*Spec);
          if (!Outcome)
            return llvm::createStringError(
                "the unoptimized program of '" + B.uri() +
                "' fails: " + llvm::toString(Outcome.takeError()));
          if (!First) {
            if (Outcome->first.ExitCode != Spec->ExpectedExitCode)
              return llvm::createStringError(
                  "the unoptimized program of '" + B.uri() +
                  "' fails: " + describeExit(Outcome->first, *Spec));
            First = std::move(Outcome->first);
            continue;
          }
          if (llvm::Error Differs =
                  compareBehaviour(*First, Outcome->first, *Spec))
            return llvm::createStringError(
                "'" + B.uri() +
                "' is not deterministic: two runs of its unoptimized program "
                "differ (" +
                llvm::toString(std::move(Differs)) +
                "), so optimized code cannot be validated against it");
        }
        if (llvm::Error E = checkMainRepeats(*Built, *First, B))
          return std::move(E);
        return std::move(*First);
      });
}

llvm::Error validateModule(const llvm::Module &M, const Benchmark &B) {
  auto Judged = buildAgainstReference(M, B);
  if (!Judged)
    return Judged.takeError();
  auto Outcome = Judged->Built.run(*B.runSpec());
  if (!Outcome)
    // The unoptimized program ran fine: a crash or a timeout now is a
    // change of behaviour.
    return llvm::make_error<BehaviourDifference>(
        llvm::toString(Outcome.takeError()));
  return compareBehaviour(Judged->Reference, Outcome->first, *B.runSpec());
}

llvm::Expected<RuntimeEstimate>
measureModule(const llvm::Module &M, const Benchmark &B,
              const MeasurementOptions &Options) {
  auto Judged = buildAgainstReference(M, B);
  if (!Judged)
    return Judged.takeError();
  return Judged->Built.measure(*B.runSpec(), Judged->Reference, Options);
}

llvm::Expected<RuntimeEstimate>
measureModuleCached(const llvm::Module &M, const Benchmark &B,
                    MeasurementContext &Context) {
  auto Spec = runSpecOf(B);
  if (!Spec)
    return Spec.takeError();
  return Context.measureCached(
      irHash(M), *Spec, [&] { return measureModule(M, B, Context.options()); });
}

} // namespace passgym
