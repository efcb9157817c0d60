#include "cli/Common.h"

#include "support/Files.h"
#include "support/Subprocess.h"
#include "support/TempDir.h"

#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>
#include <cmath>
#include <unistd.h>

namespace passgym::cli {

int reportError(llvm::Error E) {
  llvm::WithColor::error(llvm::errs(), "passgym")
      << llvm::toString(std::move(E)) << "\n";
  return 1;
}

void runWith(CLI::App &Command, std::function<int()> Run) {
  Command.callback([Run = std::move(Run)] {
    if (int Code = Run())
      throw CLI::RuntimeError(Code);
  });
}

llvm::Expected<std::unique_ptr<Environment>>
replay(const std::string &Benchmark, const std::string &ActionsFile,
       const std::vector<std::string> &Sequence, EnvironmentOptions Options) {
  auto Space = ActionSpace::load(ActionsFile);
  if (!Space)
    return Space.takeError();
  auto Actions = (*Space)->resolve(splitSequence(Sequence));
  if (!Actions)
    return Actions.takeError();
  Options.Actions = *Space;
  auto Env = Environment::create(std::move(Options));
  if (!Env)
    return Env.takeError();
  auto B = loadBenchmark(Benchmark);
  if (!B)
    return B.takeError();
  if (auto Started = (*Env)->reset(*B); !Started)
    return Started.takeError();
  if (Actions->empty())
    return std::move(*Env);
  auto Step = (*Env)->multistep(*Actions);
  if (!Step)
    return Step.takeError();
  if (Step->Done)
    return llvm::createStringError(Step->Info.Error);
  return std::move(*Env);
}

CLI::Validator actionSpaceArgument() {
  std::string Names = "builtin:" + llvm::join(ActionSpace::builtinNames(),
                                              ", builtin:");
  return CLI::Validator(
      [Names](std::string &Text) -> std::string {
        if (llvm::StringRef(Text).starts_with("builtin:")) {
          std::string Name = Text.substr(8);
          if (llvm::is_contained(ActionSpace::builtinNames(), Name))
            return "";
          return "'" + Text + "' is not a built-in space (" + Names + ")";
        }
        if (llvm::sys::fs::is_regular_file(Text))
          return "";
        return "action file '" + Text + "' does not exist";
      },
      "FILE or builtin:NAME");
}

CLI::Validator wholeNumber(int64_t Min, int64_t Max) {
  std::string Range = "a whole number from " + std::to_string(Min) + " to " +
                      std::to_string(Max);
  return CLI::Validator(
      [Min, Max, Range](std::string &Text) -> std::string {
        int64_t Value = 0;
        if (llvm::StringRef(Text).trim().getAsInteger(10, Value) ||
            Value < Min || Value > Max)
          return "'" + Text + "' is not " + Range;
        return "";
      },
      Range);
}

CLI::Validator realNumber(double Min, double Max) {
  std::string Range;
  llvm::raw_string_ostream(Range)
      << llvm::format("a number from %g to %g", Min, Max);
  return CLI::Validator(
      [Min, Max, Range](std::string &Text) -> std::string {
        double Value = 0;
        if (llvm::StringRef(Text).trim().getAsDouble(Value) ||
            !std::isfinite(Value) || Value < Min || Value > Max)
          return "'" + Text + "' is not " + Range;
        return "";
      },
      Range);
}

void addIsolationOption(CLI::App &Command, Isolation &Into) {
  Into = Isolation::Worker;
  Command
      .add_option_function<std::string>(
          "--isolation",
          [&Into](const std::string &Name) { Into = *parseIsolation(Name); },
          "where passes run: worker (a process of its own, which a crash or "
          "hang in LLVM cannot take down with passgym; default) or "
          "in-process (faster)")
      ->check(CLI::IsMember({"worker", "in-process"}));
}

llvm::Error writeModule(const llvm::Module &M, const std::string &Path) {
  std::string Bytes;
  llvm::raw_string_ostream Stream(Bytes);
  if (llvm::StringRef(Path).ends_with(".bc"))
    llvm::WriteBitcodeToFile(M, Stream);
  else
    M.print(Stream, nullptr);
  if (Path != "-")
    return writeFileAtomically(Path, Bytes);
  llvm::outs() << Bytes;
  return llvm::Error::success();
}

std::vector<std::string> splitSequence(const std::vector<std::string> &Items) {
  std::vector<std::string> Parts;
  for (const std::string &Item : Items) {
    std::string Current;
    int Depth = 0;
    for (char C : Item) {
      Depth += (C == '(' || C == '<') - (C == ')' || C == '>');
      if (Depth == 0 && (C == ',' || C == ' ')) {
        if (!Current.empty())
          Parts.push_back(std::move(Current));
        Current.clear();
        continue;
      }
      Current += C;
    }
    if (!Current.empty())
      Parts.push_back(std::move(Current));
  }
  return Parts;
}

ProgressBar::ProgressBar(std::string Label)
    : Label(std::move(Label)), Enabled(::isatty(STDERR_FILENO)) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(double Fraction, const std::string &Status) {
  if (!Enabled)
    return;
  auto Now = std::chrono::steady_clock::now();
  if (Drawn && Now - LastDraw < std::chrono::milliseconds(100))
    return;
  LastDraw = Now;
  Drawn = true;
  constexpr int Width = 30;
  Fraction = std::min(std::max(Fraction, 0.0), 1.0);
  int Filled = static_cast<int>(Fraction * Width);
  std::string Bar(Filled, '#');
  Bar.resize(Width, '.');
  llvm::errs() << "\r\x1b[2K" << Label << " [" << Bar << "] "
               << static_cast<int>(Fraction * 100) << "% " << Status;
}

void ProgressBar::finish() {
  if (Enabled && Drawn)
    llvm::errs() << "\r\x1b[2K";
  Drawn = false;
}

std::string learningBinary() {
  std::string Self = llvm::sys::fs::getMainExecutable(nullptr, nullptr);
  llvm::SmallString<256> Path(llvm::sys::path::parent_path(Self));
  llvm::sys::path::append(Path, "passgym-learn");
  return std::string(Path);
}

ProposalSource policyProposals(const std::string &Benchmark,
                               const std::string &Policy,
                               const std::string &ActionsFile, uint64_t Seed) {
  auto Failed = std::make_shared<bool>(false);
  return [=](size_t Count, uint64_t Round) {
    std::vector<Candidate> Proposals;
    if (*Failed)
      return Proposals;
    SubprocessOptions Propose;
    Propose.Argv = {learningBinary(), "propose", Benchmark,
                    "--policy", Policy,
                    "--count", std::to_string(std::max<size_t>(Count, 16)),
                    "--seed", std::to_string(Seed + Round)};
    if (!ActionsFile.empty())
      Propose.Argv.insert(Propose.Argv.end(),
                          {"--actions", ActionsFile});
    auto Ran = runSubprocess(Propose);
    if (!Ran || !Ran->succeeded()) {
      std::string Why = Ran ? Ran->describeFailure() + ": " +
                                  Ran->StandardError
                            : llvm::toString(Ran.takeError());
      llvm::errs() << "passgym: the policy's proposals failed, so the "
                      "search stops: "
                   << llvm::StringRef(Why).trim() << "\n";
      *Failed = true;
      return Proposals;
    }
    llvm::SmallVector<llvm::StringRef> Lines;
    llvm::StringRef(Ran->StandardOutput).split(Lines, '\n', -1, false);
    for (llvm::StringRef Line : Lines)
      Proposals.push_back(splitPipeline(Line.trim()));
    return Proposals;
  };
}

std::optional<double> parseDuration(llvm::StringRef Text) {
  double Scale = 1;
  if (Text.consume_back("h"))
    Scale = 3600;
  else if (Text.consume_back("m"))
    Scale = 60;
  else
    Text.consume_back("s");
  double Value = 0;
  if (Text.getAsDouble(Value) || !(Value > 0) || Value * Scale > 7 * 24 * 3600)
    return std::nullopt;
  return Value * Scale;
}

} // namespace passgym::cli
