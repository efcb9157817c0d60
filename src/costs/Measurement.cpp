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
