//===- cli/tests/CliTest.cpp - End-to-end tests of the passgym binary -----===//
//
// Runs the built `passgym` (PASSGYM_BINARY) as a user would and checks its exit
// code, stdout and stderr; LLVM 19's own tools (opt-19, llvm-as-19) check the
// modules it writes. The input program is tests/data/cli/small.ll, a
// hand-written -O0-style module with 37 instructions.
//
//===----------------------------------------------------------------------===//
#include "actions/ActionSpace.h"
#include "observations/Features.h"
#include "support/Files.h"
#include "support/Subprocess.h"
#include "support/TempDir.h"
#include "support/tests/TestHelpers.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <csignal>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>

namespace passgym {
namespace {

using testing::take;

constexpr const char *kOpt = "/usr/bin/opt-19";
constexpr const char *kLlvmAs = "/usr/bin/llvm-as-19";
/// Instructions in small.ll, counted by hand from its text.
constexpr int64_t kSmallInstructions = 37;
/// The hint CLI11 prints after its own usage errors.

std::string smallProgram() { return testing::testData("cli/small.ll"); }

struct Outcome {
  int ExitCode = -1;
  std::string Out;
  std::string Err;
};

Outcome run(std::vector<std::string> Argv) {
  SubprocessOptions Options;
  Options.Argv = std::move(Argv);
  Options.Timeout = std::chrono::seconds(60);
  SubprocessResult R = take(runSubprocess(Options));
  EXPECT_TRUE(R.ExitCode) << Options.Argv[0] << ": " << R.describeFailure()
                          << "\nstderr:\n"
                          << R.StandardError;
  return {R.ExitCode.value_or(-1), std::move(R.StandardOutput),
          std::move(R.StandardError)};
}

Outcome passgym(std::vector<std::string> Args) {
  Args.insert(Args.begin(), PASSGYM_BINARY);
  return run(std::move(Args));
}

/// Runs a tool that must succeed.
Outcome tool(std::vector<std::string> Argv) {
  Outcome R = run(Argv);
  EXPECT_EQ(R.ExitCode, 0) << Argv[0] << " failed:\n" << R.Err;
  return R;
}

std::string describe(const Outcome &R) {
  return "exit code " + std::to_string(R.ExitCode) + "\nstdout:\n" + R.Out +
         "\nstderr:\n" + R.Err;
}

std::vector<std::string> lines(const std::string &Text) {
  std::vector<std::string> Lines;
  std::istringstream Stream(Text);
  for (std::string Line; std::getline(Stream, Line);)
    Lines.push_back(Line);
  return Lines;
}

bool contains(const std::string &Text, const std::string &Part) {
  return Text.find(Part) != std::string::npos;
}

/// Nothing on stdout and one "passgym: error: " line on stderr holding every
/// one of \p Mentions.
void expectOneErrorLine(const Outcome &R,
                        const std::vector<std::string> &Mentions) {
  EXPECT_EQ(R.Out, "") << describe(R);
  std::vector<std::string> Lines = lines(R.Err);
  ASSERT_EQ(Lines.size(), 1u) << describe(R);
  EXPECT_TRUE(llvm::StringRef(Lines[0]).starts_with("passgym: error: "))
      << describe(R);
  for (const std::string &Mention : Mentions)
    EXPECT_TRUE(contains(Lines[0], Mention))
        << "the error should mention '" << Mention << "'\n"
        << describe(R);
}

/// A failure reported by passgym itself: exit code 1.
void expectError(const Outcome &R, const std::vector<std::string> &Mentions) {
  EXPECT_EQ(R.ExitCode, 1) << describe(R);
  expectOneErrorLine(R, Mentions);
}

/// A usage error caught by CLI11: a non-zero exit code of its own.
void expectUsageError(const Outcome &R,
                      const std::vector<std::string> &Mentions) {
  EXPECT_NE(R.ExitCode, 0) << describe(R);
  expectOneErrorLine(R, Mentions);
}

void writeFile(const std::string &Path, const std::string &Contents) {
  std::ofstream Out(Path, std::ios::binary);
  Out << Contents;
  ASSERT_TRUE(Out.good()) << "cannot write " << Path;
}

std::string readFile(const std::string &Path) {
  std::ifstream In(Path, std::ios::binary);
  EXPECT_TRUE(In.good()) << "cannot read " << Path;
  std::ostringstream Contents;
  Contents << In.rdbuf();
  return Contents.str();
}

std::vector<std::string> directoryEntries(const std::string &Path) {
  std::vector<std::string> Names;
  for (const auto &Entry : std::filesystem::directory_iterator(Path))
    Names.push_back(Entry.path().filename().string());
  std::sort(Names.begin(), Names.end());
  return Names;
}

/// The file has no "PATH.tmp-XXXXXX" siblings left by an atomic write.
void expectNoTemporaryFiles(const std::string &Directory) {
  for (const std::string &Name : directoryEntries(Directory))
    EXPECT_FALSE(contains(Name, ".tmp-"))
        << "temporary file left behind: " << Directory << "/" << Name;
}

void expectVerifies(const std::string &Path) {
  Outcome R = run({kOpt, "-passes=verify", "-disable-output", Path});
  EXPECT_EQ(R.ExitCode, 0) << Path << " does not verify:\n" << R.Err;
}

/// The module in \p Path as `opt -S` prints it after parsing the text (so use
/// lists are in text order), without the lines that name the input.
std::string canonicalModule(const std::string &Path) {
  Outcome R = tool({kOpt, "-S", Path, "-o", "-"});
  std::string Text;
  for (const std::string &Line : lines(R.Out)) {
    llvm::StringRef L(Line);
    if (L.starts_with("; ModuleID") || L.starts_with("source_filename"))
      continue;
    Text += Line + "\n";
  }
  return Text;
}

/// The opt-19 command passgym printed in \p Text ("opt-19 -passes='PIPELINE'
/// INPUT.bc -o OUTPUT"), from the first line holding one.
std::string optCommand(const std::string &Text) {
  for (const std::string &Line : lines(Text))
    if (size_t At = Line.find("opt-19 -passes="); At != std::string::npos)
      return llvm::StringRef(Line).drop_front(At).rtrim().str();
  ADD_FAILURE() << "no opt-19 command in:\n" << Text;
  return "";
}

/// Runs \p Command (as printed by passgym) with a shell, after replacing its
/// INPUT.bc by \p Input and its output by \p Output (in IR text).
void runReproduction(const std::string &Command, const std::string &Input,
                     const std::string &Output) {
  ASSERT_TRUE(llvm::StringRef(Command).starts_with("opt-19 -passes='"))
      << Command;
  size_t In = Command.find(" INPUT.bc -o ");
  ASSERT_NE(In, std::string::npos) << Command;
  std::string Shell =
      Command.substr(0, In) + " '" + Input + "' -S -o '" + Output + "'";
  Outcome R = run({"sh", "-c", Shell});
  ASSERT_EQ(R.ExitCode, 0) << Shell << "\n" << R.Err;
}

/// The value column of the row called \p Name in `search`'s table.
int64_t tableValue(const std::string &Report, const std::string &Name) {
  for (const std::string &Line : lines(Report))
    if (llvm::StringRef(Line).starts_with(Name)) {
      std::istringstream Row(Line.substr(Name.size()));
      int64_t Value = -1;
      Row >> Value;
      EXPECT_FALSE(Row.fail()) << "no value in '" << Line << "'";
      return Value;
    }
  ADD_FAILURE() << "no row '" << Name << "' in:\n" << Report;
  return -1;
}

std::string lineStartingWith(const std::string &Text,
                             const std::string &Prefix) {
  for (const std::string &Line : lines(Text))
    if (llvm::StringRef(Line).starts_with(Prefix))
      return Line;
  ADD_FAILURE() << "no line starting with '" << Prefix << "' in:\n" << Text;
  return "";
}

int64_t observeInstructions(const std::string &Benchmark,
                            const std::string &Apply = "") {
  std::vector<std::string> Args = {"observe", Benchmark};
  if (!Apply.empty())
    Args.insert(Args.end(), {"--apply", Apply});
  Outcome R = passgym(Args);
  EXPECT_EQ(R.ExitCode, 0) << describe(R);
  EXPECT_EQ(R.Err, "");
  return std::stoll(R.Out);
}

/// Four cheap actions, so a search covers many steps quickly.
constexpr const char *kFourActions =
    "# A small action space for the CLI tests.\n"
    "sroa function(sroa)\n"
    "\n"
    "instcombine function(instcombine<no-verify-fixpoint>)\n"
    "function(simplifycfg)\n"
    "dce function(dce)\n";

class CliTest : public ::testing::Test {
protected:
  void SetUp() override {
    Dir.emplace(take(TempDir::create("passgym-cli-test")));
  }
  std::string file(const std::string &Name) const { return Dir->file(Name); }
  std::string write(const std::string &Name, const std::string &Contents) {
    std::string Path = file(Name);
    writeFile(Path, Contents);
    return Path;
  }
  std::optional<TempDir> Dir;
};

//===----------------------------------------------------------------------===//
// Bad input
//===----------------------------------------------------------------------===//

TEST_F(CliTest, MissingFileIsNamed) {
  std::string Missing = file("no-such-program.ll");
  expectError(passgym({"observe", Missing}), {Missing, "no such file"});
  expectError(passgym({"apply", "file://" + Missing, "sroa"}), {Missing});
  expectError(passgym({"observe", "/nonexistent.ll"}), {"/nonexistent.ll"});
}

TEST_F(CliTest, MalformedIrNamesTheLine) {
  // A syntax error: the parameter list of @g is not closed on line 7.
  std::string Syntax = write("syntax.ll", "; line 1\n"
                                          "define i32 @f() {\n"
                                          "  ret i32 0\n"
                                          "}\n"
                                          "\n"
                                          "; line 6\n"
                                          "define i32 @g(i32 {\n"
                                          "  ret i32 1\n"
                                          "}\n");
  expectError(passgym({"observe", Syntax}), {Syntax, "line 7:"});
  // A use of an undefined value on line 3.
  std::string Undefined = write("undefined.ll", "define i32 @f() {\n"
                                                "  %x = add i32 1, 2\n"
                                                "  ret i32 %y\n"
                                                "}\n");
  expectError(passgym({"apply", Undefined, "sroa"}),
              {Undefined, "line 3:", "%y"});
}

TEST_F(CliTest, UnknownBuiltinBenchmarkIsNamed) {
  expectError(passgym({"observe", "benchmark://builtin-v0/nosuch"}),
              {"benchmark://builtin-v0/nosuch"});
  expectError(
      passgym({"search", "benchmark://builtin-v0/nosuch", "--steps", "10"}),
      {"benchmark://builtin-v0/nosuch"});
}

TEST_F(CliTest, UnknownUriSchemeIsNamed) {
  expectError(passgym({"observe", "http://example.com/prog.ll"}),
              {"http://example.com/prog.ll", "scheme"});
}

TEST_F(CliTest, UnsupportedExtensionIsNamed) {
  std::string Text = write("prog.txt", "int main(void) { return 0; }\n");
  expectError(passgym({"observe", Text}), {"'.txt'", Text});
}

TEST_F(CliTest, OutOfRangeActionIndexNamesTheValidRange) {
  size_t Last = ActionSpace::builtin().size() - 1;
  expectError(passgym({"apply", smallProgram(), "sroa", "9999"}),
              {"9999", "0 to " + std::to_string(Last)});
  expectError(passgym({"observe", smallProgram(), "--apply", "9999"}),
              {"9999", "0 to " + std::to_string(Last)});
  // The range is the one of the space in use.
  std::string Actions = write("four.actions", kFourActions);
  expectError(passgym({"apply", smallProgram(), "--actions", Actions, "4"}),
              {"4", "0 to 3"});
}

TEST_F(CliTest, UnknownActionNameIsNamed) {
  expectError(passgym({"apply", smallProgram(), "sroa,no-such-pass"}),
              {"'no-such-pass'"});
  expectError(passgym({"observe", smallProgram(), "--apply", "no-such-pass"}),
              {"'no-such-pass'"});
  // gvn is a built-in action but not one of this space's.
  std::string Actions = write("four.actions", kFourActions);
  expectError(passgym({"apply", smallProgram(), "--actions", Actions, "gvn"}),
              {"'gvn'"});
}

TEST_F(CliTest, BadActionSpaceFileNamesFileAndLine) {
  std::string Unparsable =
      write("unparsable.actions", "# line 1\n"
                                  "sroa function(sroa)\n"
                                  "broken function(no-such-pass)\n"
                                  "dce function(dce)\n");
  for (const std::vector<std::string> &Args :
       std::vector<std::vector<std::string>>{
           {"passes", "--actions", Unparsable},
           {"apply", smallProgram(), "--actions", Unparsable, "sroa"},
           {"observe", smallProgram(), "--actions", Unparsable},
           {"search", smallProgram(), "--actions", Unparsable, "--steps", "5"}})
    expectError(passgym(Args), {Unparsable + ":3:", "no-such-pass"});

  std::string ThreeWords =
      write("three-words.actions", "\n\na function(sroa) extra\n");
  expectError(passgym({"passes", "--actions", ThreeWords}),
              {ThreeWords + ":3:"});
  std::string Duplicate =
      write("duplicate.actions", "a function(sroa)\na function(dce)\n");
  expectError(passgym({"passes", "--actions", Duplicate}),
              {Duplicate + ":2:", "'a'"});
  std::string Empty = write("empty.actions", "# nothing here\n\n");
  expectError(passgym({"passes", "--actions", Empty}), {Empty});
}

TEST_F(CliTest, UnknownObservationSpaceIsNamed) {
  expectError(passgym({"observe", smallProgram(), "-s", "IrInstructionCount",
                       "-s", "NoSuchSpace"}),
              {"'NoSuchSpace'", "Autophase"});
}

TEST_F(CliTest, SearchWithoutBudgetFails) {
  expectError(passgym({"search", smallProgram(), "--time", "0"}),
              {"--time", "--steps"});
  expectError(
      passgym({"search", smallProgram(), "--time", "0", "--steps", "0"}),
      {"--time", "--steps"});
}

TEST_F(CliTest, UnknownCostIsNamed) {
  expectUsageError(passgym({"search", smallProgram(), "--steps", "10", "--cost",
                            "NoSuchCost"}),
                   {"--cost", "NoSuchCost"});
}

TEST_F(CliTest, BenchmarkMayFollowRepeatableOptions) {
  Outcome R = passgym({"observe", "-s", "IrInstructionCount", "--apply", "sroa",
                       smallProgram()});
  EXPECT_EQ(R.ExitCode, 0) << describe(R);
  EXPECT_LT(std::stoll(R.Out), 37) << describe(R);
}

TEST_F(CliTest, CompileErrorIsOneLine) {
  std::string Source = file("broken.c");
  writeFile(Source, "int f( {\n");
  expectError(passgym({"observe", Source}), {"cannot compile", "broken.c:1"});
}

TEST_F(CliTest, ApplyIntoMissingDirectoryLeavesNothingBehind) {
  std::string Output = file("missing-dir/out.ll");
  expectError(passgym({"apply", smallProgram(), "sroa", "-o", Output}),
              {Output});
  EXPECT_EQ(directoryEntries(Dir->path()), std::vector<std::string>{});

  // An output path that is a directory: the write itself fails.
  std::string Directory = file("a-directory");
  std::filesystem::create_directory(Directory);
  expectError(passgym({"apply", smallProgram(), "sroa", "-o", Directory}),
              {Directory});
  EXPECT_TRUE(std::filesystem::is_directory(Directory));
  EXPECT_EQ(directoryEntries(Dir->path()),
            std::vector<std::string>{"a-directory"});
  EXPECT_EQ(directoryEntries(Directory), std::vector<std::string>{});
}

TEST_F(CliTest, FailedApplyKeepsExistingOutput) {
  const std::string Original = "; the user's own file\n";
  for (const char *Name : {"out.ll", "out.bc"}) {
    std::string Output = write(Name, Original);
    expectError(
        passgym({"apply", smallProgram(), "sroa", "9999", "-o", Output}),
        {"9999"});
    EXPECT_EQ(readFile(Output), Original);
    expectError(passgym({"apply", file("missing.ll"), "sroa", "-o", Output}),
                {"missing.ll"});
    EXPECT_EQ(readFile(Output), Original);
    expectNoTemporaryFiles(Dir->path());
  }
  EXPECT_EQ(directoryEntries(Dir->path()),
            (std::vector<std::string>{"out.bc", "out.ll"}));
}

//===----------------------------------------------------------------------===//
// Happy paths
//===----------------------------------------------------------------------===//

TEST_F(CliTest, PassesListsTheBuiltinActions) {
  Outcome Json = passgym({"passes", "--json"});
  ASSERT_EQ(Json.ExitCode, 0) << describe(Json);
  EXPECT_EQ(Json.Err, "");
  nlohmann::json List = nlohmann::json::parse(Json.Out);
  ASSERT_TRUE(List.is_array());
  ASSERT_EQ(List.size(), 117u);
  EXPECT_EQ(List.size(), ActionSpace::builtin().size());
  std::set<std::string> Names;
  for (size_t I = 0; I < List.size(); ++I) {
    EXPECT_EQ(List[I].at("index").get<size_t>(), I);
    std::string Name = List[I].at("name").get<std::string>();
    EXPECT_FALSE(Name.empty());
    EXPECT_TRUE(Names.insert(Name).second) << "duplicate name " << Name;
    EXPECT_FALSE(List[I].at("pipeline").get<std::string>().empty()) << Name;
  }

  // The text listing agrees with the JSON: a header, one row per action in
  // the same order, and a count.
  Outcome Text = passgym({"passes"});
  ASSERT_EQ(Text.ExitCode, 0) << describe(Text);
  std::vector<std::string> Rows = lines(Text.Out);
  ASSERT_EQ(Rows.size(), List.size() + 2);
  EXPECT_EQ(Rows.back(), "117 actions in passgym-v0");
  for (size_t I = 0; I < List.size(); ++I) {
    std::istringstream Row(Rows[I + 1]);
    size_t Index = 0;
    std::string Name, Pipeline;
    Row >> Index >> Name >> Pipeline;
    EXPECT_EQ(Index, I);
    EXPECT_EQ(Name, List[I]["name"].get<std::string>());
    EXPECT_EQ(Pipeline, List[I]["pipeline"].get<std::string>());
  }
}

TEST_F(CliTest, PassesListsAUsersActionSpace) {
  std::string Actions = write("four.actions", kFourActions);
  Outcome R = passgym({"passes", "--actions", Actions, "--json"});
  ASSERT_EQ(R.ExitCode, 0) << describe(R);
  nlohmann::json List = nlohmann::json::parse(R.Out);
  ASSERT_EQ(List.size(), 4u);
  // A line without a name is named by its pipeline.
  EXPECT_EQ(List[2]["name"], "function(simplifycfg)");
  EXPECT_EQ(List[2]["pipeline"], "function(simplifycfg)");
  EXPECT_EQ(List[1]["name"], "instcombine");
  EXPECT_EQ(List[1]["pipeline"], "function(instcombine<no-verify-fixpoint>)");
}

TEST_F(CliTest, ApplyWritesIrThatItsOptCommandReproduces) {
  std::string Input = file("input.bc");
  tool({kLlvmAs, smallProgram(), "-o", Input});
  // A short sequence by name, and a longer one mixing names and indices, with
  // module, CGSCC and loop passes.
  std::string Licm = std::to_string(*ActionSpace::builtin().find("licm"));
  std::vector<std::vector<std::string>> Sequences = {
      {"sroa,instcombine"},
      {"sroa,instcombine", "simplifycfg", "gvn", Licm, "loop-rotate", "inline",
       "dce"}};
  for (size_t I = 0; I < Sequences.size(); ++I) {
    SCOPED_TRACE("sequence " + std::to_string(I));
    std::string Output = file("out" + std::to_string(I) + ".ll");
    std::vector<std::string> Args = {"apply", smallProgram()};
    Args.insert(Args.end(), Sequences[I].begin(), Sequences[I].end());
    Args.insert(Args.end(), {"-o", Output});
    Outcome R = passgym(Args);
    ASSERT_EQ(R.ExitCode, 0) << describe(R);
    EXPECT_EQ(R.Out, "");
    expectVerifies(Output);

    // "instructions: 37 -> N", N being what observe counts after the same
    // actions.
    std::string Counts = lineStartingWith(R.Err, "instructions: ");
    int64_t After = observeInstructions(Output);
    EXPECT_EQ(Counts, "instructions: " + std::to_string(kSmallInstructions) +
                          " -> " + std::to_string(After));
    EXPECT_LT(After, kSmallInstructions);

    std::string Command =
        optCommand(lineStartingWith(R.Err, "reproduce with: "));
    EXPECT_TRUE(llvm::StringRef(Command).ends_with(" INPUT.bc -o " + Output))
        << Command;
    std::string Reproduced = file("reproduced" + std::to_string(I) + ".ll");
    runReproduction(Command, Input, Reproduced);
    EXPECT_EQ(canonicalModule(Output), canonicalModule(Reproduced));
  }
}

TEST_F(CliTest, ApplyWritesBitcodeAndStdout) {
  std::string Bitcode = file("out.bc");
  Outcome ToFile = passgym({"apply", smallProgram(), "sroa", "-o", Bitcode});
  ASSERT_EQ(ToFile.ExitCode, 0) << describe(ToFile);
  EXPECT_TRUE(llvm::StringRef(readFile(Bitcode)).starts_with("BC\xC0\xDE"));
  expectVerifies(Bitcode);

  // Without -o the module goes to stdout as text, the report to stderr.
  Outcome ToStdout = passgym({"apply", smallProgram(), "sroa"});
  ASSERT_EQ(ToStdout.ExitCode, 0) << describe(ToStdout);
  std::string Text = write("stdout.ll", ToStdout.Out);
  expectVerifies(Text);
  EXPECT_EQ(canonicalModule(Text), canonicalModule(Bitcode));
  EXPECT_TRUE(contains(ToStdout.Err, "reproduce with: "));

  // No actions: the module comes back unchanged.
  std::string Same = file("same.ll");
  Outcome Nothing = passgym({"apply", smallProgram(), "-o", Same});
  ASSERT_EQ(Nothing.ExitCode, 0) << describe(Nothing);
  EXPECT_TRUE(contains(Nothing.Err, "instructions: 37 -> 37"));
  EXPECT_EQ(canonicalModule(Same), canonicalModule(smallProgram()));
}

TEST_F(CliTest, ObserveJsonAutophaseAndInstructionCount) {
  ASSERT_EQ(autophaseFeatureNames().size(), 56u);
  ASSERT_EQ(autophaseFeatureNames()[51], "TotalInsts");
  auto Observe = [&](std::vector<std::string> Extra) {
    std::vector<std::string> Args = {"observe",  smallProgram(),       "--json",
                                     "-s",       "IrInstructionCount", "-s",
                                     "Autophase"};
    Args.insert(Args.end(), Extra.begin(), Extra.end());
    Outcome R = passgym(Args);
    EXPECT_EQ(R.ExitCode, 0) << describe(R);
    EXPECT_EQ(R.Err, "");
    nlohmann::json Json = nlohmann::json::parse(R.Out);
    EXPECT_EQ(Json.size(), 2u) << R.Out;
    EXPECT_EQ(Json.at("Autophase").size(), 56u);
    EXPECT_EQ(Json.at("IrInstructionCount").get<int64_t>(),
              Json.at("Autophase").at(51).get<int64_t>());
    return Json;
  };
  nlohmann::json Before = Observe({});
  EXPECT_EQ(Before["IrInstructionCount"].get<int64_t>(), kSmallInstructions);
  nlohmann::json After = Observe({"--apply", "sroa,instcombine"});
  EXPECT_LT(After["IrInstructionCount"].get<int64_t>(), kSmallInstructions);

  // The text form and a file:// URI give the same numbers.
  EXPECT_EQ(observeInstructions("file://" + smallProgram()),
            kSmallInstructions);
  Outcome Text = passgym({"observe", smallProgram(), "-s", "Autophase"});
  ASSERT_EQ(Text.ExitCode, 0) << describe(Text);
  std::vector<std::string> Rows = lines(Text.Out);
  ASSERT_EQ(Rows.size(), 56u);
  EXPECT_EQ(Rows[51], "TotalInsts " + std::to_string(kSmallInstructions));
}

TEST_F(CliTest, SearchIsDeterministicAndWritesItsBest) {
  std::string Input = file("input.bc");
  tool({kLlvmAs, smallProgram(), "-o", Input});
  std::string Actions = write("four.actions", kFourActions);
  for (bool Builtin : {false, true}) {
    SCOPED_TRACE(Builtin ? "built-in actions" : "four actions");
    auto Search = [&](const std::string &Output) {
      std::vector<std::string> Args = {"search", smallProgram(), "--steps",
                                       "300",    "--seed",       "1",
                                       "-o",     Output};
      if (!Builtin)
        Args.insert(Args.end(), {"--actions", Actions});
      Outcome R = passgym(Args);
      EXPECT_EQ(R.ExitCode, 0) << describe(R);
      return R;
    };
    std::string First = file("best1.ll"), Second = file("best2.ll");
    Outcome A = Search(First);
    Outcome B = Search(Second);
    std::string Sequence = lineStartingWith(A.Out, "best sequence (");
    EXPECT_EQ(Sequence, lineStartingWith(B.Out, "best sequence ("));
    std::string Command = optCommand(A.Out);
    EXPECT_EQ(Command, optCommand(B.Out));
    EXPECT_TRUE(contains(A.Out, " 300 steps in ")) << A.Out;

    int64_t Unoptimized = tableValue(A.Out, "unoptimized (-O0)");
    int64_t Best = tableValue(A.Out, "best found");
    EXPECT_EQ(Unoptimized, kSmallInstructions);
    EXPECT_LE(Best, Unoptimized);
    EXPECT_EQ(Best, tableValue(B.Out, "best found"));

    // The written module verifies, is as small as reported, and is what the
    // printed opt pipeline makes of the input.
    EXPECT_TRUE(contains(A.Out, "best module written to " + First));
    expectVerifies(First);
    EXPECT_EQ(observeInstructions(First), Best);
    EXPECT_EQ(canonicalModule(First), canonicalModule(Second));
    EXPECT_TRUE(llvm::StringRef(Command).ends_with(" INPUT.bc -o OUTPUT.bc"))
        << Command;
    std::string Reproduced = file("reproduced.ll");
    runReproduction(Command, Input, Reproduced);
    EXPECT_EQ(canonicalModule(First), canonicalModule(Reproduced));
  }
}

TEST_F(CliTest, DatasetsCountsTheBuiltinPrograms) {
  std::vector<std::string> Names;
  for (const auto &Entry :
       std::filesystem::directory_iterator(PASSGYM_BUILTIN_DIR))
    if (Entry.path().extension() == ".c")
      Names.push_back(Entry.path().stem().string());
  std::sort(Names.begin(), Names.end());
  ASSERT_FALSE(Names.empty());

  Outcome R = passgym({"datasets"});
  ASSERT_EQ(R.ExitCode, 0) << describe(R);
  std::istringstream Row(lineStartingWith(R.Out, "builtin-v0 "));
  std::string Dataset;
  size_t Count = 0;
  Row >> Dataset >> Count;
  EXPECT_EQ(Count, Names.size()) << R.Out;

  Outcome List = passgym({"datasets", "--list"});
  ASSERT_EQ(List.ExitCode, 0) << describe(List);
  std::vector<std::string> Uris;
  for (const std::string &Line : lines(List.Out))
    if (llvm::StringRef(Line).starts_with("benchmark://builtin-v0/") &&
        !contains(Line, " "))
      Uris.push_back(Line);
  std::vector<std::string> Expected;
  for (const std::string &Name : Names)
    Expected.push_back("benchmark://builtin-v0/" + Name);
  EXPECT_EQ(Uris, Expected);
}

} // namespace
} // namespace passgym

namespace passgym {
namespace {

TEST(SoakTest, HostileEpisodesEndEpisodesNotHosts) {
  // Every fourth episode is a known hostile one: the attributor crash, the
  // scalarizer's heap corruption and NewGVN's endless loop come round.
  auto Dir = take(TempDir::create("passgym-soak-test"));
  std::string Json = Dir.file("soak.json");
  SubprocessOptions Options;
  Options.Argv = {PASSGYM_BINARY,
                  "bench",
                  "soak",
                  "--episodes",
                  "24",
                  "--chunk",
                  "8",
                  "--hostile-every",
                  "4",
                  "--episode-length",
                  "20",
                  "--step-timeout",
                  "2000",
                  "--json",
                  Json};
  Options.Timeout = std::chrono::minutes(10);
  SubprocessResult R = take(runSubprocess(Options));
  ASSERT_TRUE(R.succeeded()) << R.describeFailure() << "\n" << R.StandardError;
  auto Text = llvm::MemoryBuffer::getFile(Json);
  ASSERT_TRUE(Text);
  nlohmann::json J = nlohmann::json::parse((*Text)->getBuffer().str());
  EXPECT_EQ(J["episodes"], 24);
  EXPECT_EQ(J["hostile"], 6);
  EXPECT_EQ(J["host_crashes"], 0);
  EXPECT_EQ(J["host_hangs"], 0);
  EXPECT_EQ(J["host_processes"], 3);
  EXPECT_GE(J["failures"].value("crashed", 0), 4);
  EXPECT_GE(J["failures"].value("timed out", 0), 2);
}

} // namespace
} // namespace passgym

namespace passgym {
namespace {

TEST(InterruptTest, CtrlCEndsTheProgramAndLeavesNoTemporaryFiles) {
  auto Scratch = take(TempDir::create("passgym-interrupt-test"));
  std::string Tmp = Scratch.file("tmp");
  std::filesystem::create_directory(Tmp);
  std::string Uri =
      "manifest:" + testing::testData("hostile/manifest.json") + "#sleeper";
  std::vector<std::string> Args = {PASSGYM_BINARY, "validate", Uri};
  std::vector<char *> Argv;
  for (std::string &Arg : Args)
    Argv.push_back(Arg.data());
  Argv.push_back(nullptr);
  std::string TmpVar = "TMPDIR=" + Tmp;
  std::vector<char *> Envp = {TmpVar.data()};
  for (char **Var = environ; *Var; ++Var)
    if (std::string_view(*Var).substr(0, 7) != "TMPDIR=")
      Envp.push_back(*Var);
  Envp.push_back(nullptr);
  pid_t Pid = 0;
  ASSERT_EQ(
      posix_spawn(&Pid, Argv[0], nullptr, nullptr, Argv.data(), Envp.data()),
      0);
  // The unoptimized program runs for a minute; interrupt it once it runs.
  int Status = 0;
  for (int Tries = 0;
       Tries < 600 && !testing::liveProcessesNamed("pgym-sleeper"); ++Tries) {
    ASSERT_EQ(::waitpid(Pid, &Status, WNOHANG), 0) << "passgym ended early";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GT(testing::liveProcessesNamed("pgym-sleeper"), 0);
  ::kill(Pid, SIGINT);
  ASSERT_EQ(::waitpid(Pid, &Status, 0), Pid);
  EXPECT_TRUE(WIFSIGNALED(Status) && WTERMSIG(Status) == SIGINT);
  for (int Tries = 0;
       Tries < 100 && testing::liveProcessesNamed("pgym-sleeper"); ++Tries)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(testing::liveProcessesNamed("pgym-sleeper"), 0);
  EXPECT_TRUE(std::filesystem::is_empty(Tmp));
}

} // namespace
} // namespace passgym

namespace passgym {
namespace {

Outcome passgymIn(std::vector<std::string> Args) {
  Args.insert(Args.begin(), PASSGYM_BINARY);
  SubprocessOptions Options;
  Options.Argv = std::move(Args);
  Options.Timeout = std::chrono::seconds(120);
  SubprocessResult R = take(runSubprocess(Options));
  return {R.ExitCode.value_or(-1), R.StandardOutput, R.StandardError};
}

TEST(OutputTest, DevicesAndFifosAreWrittenThroughNotReplaced) {
  if (::access("/dev/null", W_OK) != 0)
    GTEST_SKIP() << "/dev/null is not writable here";
  Outcome R = passgymIn(
      {"apply", testing::testData("cli/small.ll"), "sroa", "-o", "/dev/null"});
  EXPECT_EQ(R.ExitCode, 0) << R.Err;
  EXPECT_TRUE(std::filesystem::is_character_file("/dev/null"));

  auto Dir = take(TempDir::create("passgym-output-test"));
  std::string Fifo = Dir.file("pipe");
  ASSERT_EQ(::mkfifo(Fifo.c_str(), 0600), 0);
  std::string Read;
  std::thread Reader([&] {
    std::ifstream In(Fifo);
    Read.assign(std::istreambuf_iterator<char>(In), {});
  });
  R = passgymIn(
      {"apply", testing::testData("cli/small.ll"), "sroa", "-o", Fifo});
  Reader.join();
  EXPECT_EQ(R.ExitCode, 0) << R.Err;
  EXPECT_TRUE(std::filesystem::is_fifo(Fifo));
  EXPECT_NE(Read.find("define"), std::string::npos);
}

TEST(OutputTest, ASymlinkIsFollowedAndStaysALink) {
  auto Dir = take(TempDir::create("passgym-output-test"));
  std::string Target = Dir.file("target.ll"), Link = Dir.file("link.ll");
  std::filesystem::create_symlink(Target, Link);
  Outcome R = passgymIn(
      {"apply", testing::testData("cli/small.ll"), "sroa", "-o", Link});
  EXPECT_EQ(R.ExitCode, 0) << R.Err;
  EXPECT_TRUE(std::filesystem::is_symlink(Link));
  EXPECT_TRUE(std::filesystem::is_regular_file(Target));
}

TEST(OutputTest, AnUnwritableOutputFailsBeforeTheSearch) {
  auto Start = std::chrono::steady_clock::now();
  Outcome R = passgymIn({"search", testing::testData("cli/small.ll"), "--time",
                         "60", "-o", "/nonexistent-dir/best.ll"});
  EXPECT_EQ(R.ExitCode, 1);
  EXPECT_NE(R.Err.find("'/nonexistent-dir' does not exist"), std::string::npos)
      << R.Err;
  EXPECT_LT(std::chrono::steady_clock::now() - Start, std::chrono::seconds(30));
}

} // namespace
} // namespace passgym

namespace passgym {
namespace {

TEST(ValidateTest, OnlyChangedBehaviourIsCalledAChangeOfBehaviour) {
  // Not runnable: an error of its own, not "behaviour changed".
  Outcome R =
      passgymIn({"validate", testing::testData("cli/small.ll"), "sroa"});
  EXPECT_EQ(R.ExitCode, 1);
  EXPECT_NE(R.Err.find("not runnable"), std::string::npos) << R.Err;
  EXPECT_EQ(R.Err.find("behaviour changed"), std::string::npos) << R.Err;
  // A program whose runs differ: said so, before any optimization.
  R = passgymIn(
      {"validate", "manifest:" + testing::testData("hostile/manifest.json") +
                       "#prints_time"});
  EXPECT_EQ(R.ExitCode, 1);
  EXPECT_NE(R.Err.find("is not deterministic"), std::string::npos) << R.Err;
  EXPECT_EQ(R.Err.find("behaviour changed"), std::string::npos) << R.Err;
}

} // namespace
} // namespace passgym

namespace passgym {
namespace {

TEST(RunCommandTest, ShowsTheExitCodeAndOutputOfOneRun) {
  std::string Uri = "manifest:" +
                    testing::testData("manifest-features/manifest.json") +
                    "#exits3_expected";
  Outcome R = passgymIn({"run", Uri});
  ASSERT_EQ(R.ExitCode, 0) << R.Err;
  EXPECT_NE(R.Out.find("exit code   3\n"), std::string::npos) << R.Out;
  EXPECT_NE(R.Out.find("| usage: exits3 FILE"), std::string::npos) << R.Out;
  EXPECT_NE(R.Out.find("run time    "), std::string::npos) << R.Out;
}

TEST(RunCommandTest, DatasetsListsGoodEntriesAndEachBadOne) {
  Outcome R = passgymIn(
      {"datasets", "--manifest", testing::testData("manifest-features")});
  EXPECT_EQ(R.ExitCode, 1);
  for (const char *Name : {"reads_dir", "greets", "timed", "exits3_expected"})
    EXPECT_NE(R.Out.find(std::string("\n") + Name + " "), std::string::npos)
        << Name << "\n"
        << R.Out;
  EXPECT_NE(R.Out.find("1 of 7 entries cannot be used"), std::string::npos)
      << R.Out;
  EXPECT_NE(R.Out.find("no_such_file.c"), std::string::npos) << R.Out;
}

} // namespace
} // namespace passgym

namespace passgym {
namespace {

TEST(OptimizeCommandTest, BadInputsAreRefusedBeforeTheSearch) {
  auto Dir = take(TempDir::create("passgym-test"));
  std::string Qsort = "benchmark://builtin-v0/qsort";
  Outcome Unknown =
      passgym({"optimize", Qsort, "--strategy", "annealing", "-o", Dir.file("a")});
  EXPECT_NE(Unknown.ExitCode, 0);
  EXPECT_TRUE(contains(Unknown.Err, "annealing")) << describe(Unknown);
  expectError(passgym({"optimize", Qsort, "--budget", "0s", "-o", Dir.file("b")}),
              {"--budget", "0s"});
  testing::check(writeFileAtomically(Dir.file("report.json"), "{}\n"));
  expectError(passgym({"optimize", Qsort, "-o", Dir.path()}),
              {Dir.path(), "--force"});
  // A file where the directory should be.
  std::string Blocked = Dir.file("report.json") + "/out";
  expectError(passgym({"optimize", Qsort, "-o", Blocked}), {Blocked});
}

nlohmann::json readJson(const std::string &Path) {
  return nlohmann::json::parse(
      (*llvm::MemoryBuffer::getFile(Path))->getBuffer().str());
}

TEST(OptimizeCommandTest, ResumeContinuesFromTheCheckpoint) {
  auto Dir = take(TempDir::create("passgym-test"));
  std::vector<std::string> Search = {
      "optimize", "benchmark://builtin-v0/crc32", "--objective", "instcount",
      "--strategy", "random", "--isolation", "in-process", "--budget", "60s",
      "-o", Dir.path()};
  auto With = [&](std::vector<std::string> Extra) {
    std::vector<std::string> Argv = Search;
    Argv.insert(Argv.end(), Extra.begin(), Extra.end());
    return passgym(Argv);
  };
  expectError(With({"--resume"}), {Dir.file("checkpoint.json")});

  Outcome First = With({"--candidates", "12"});
  ASSERT_EQ(First.ExitCode, 0) << describe(First);
  nlohmann::json FirstReport = readJson(Dir.file("report.json"));
  nlohmann::json FirstCheckpoint = readJson(Dir.file("checkpoint.json"));
  std::set<nlohmann::json> FirstPipelines;
  for (const auto &C : FirstCheckpoint["candidates"])
    FirstPipelines.insert(C["pipeline"]);

  // A report is there: resuming replaces it only when asked to.
  expectError(With({"--resume", "--candidates", "8"}), {"--force"});
  Outcome Resumed = With({"--resume", "--force", "--candidates", "8"});
  ASSERT_EQ(Resumed.ExitCode, 0) << describe(Resumed);
  nlohmann::json Report = readJson(Dir.file("report.json"));
  nlohmann::json Checkpoint = readJson(Dir.file("checkpoint.json"));
  // Everything the first run evaluated but the baselines (evaluated again)
  // is taken over, and the search goes on from there.
  size_t Baselines = FirstReport["baselines"].size();
  EXPECT_EQ(Report["candidates"]["resumed"].get<size_t>(),
            FirstPipelines.size() - Baselines);
  EXPECT_GT(Checkpoint["candidates"].size(), FirstPipelines.size());
  std::set<nlohmann::json> Pipelines;
  for (const auto &C : Checkpoint["candidates"])
    Pipelines.insert(C["pipeline"]);
  for (const auto &P : FirstPipelines)
    EXPECT_TRUE(Pipelines.count(P)) << P.dump();
  EXPECT_LE(Report["found"]["cost"].get<double>(),
            FirstReport["found"]["cost"].get<double>());

  Outcome OtherObjective =
      passgym({"optimize", "benchmark://builtin-v0/crc32", "--objective",
               "size", "--resume", "--force", "-o", Dir.path()});
  expectError(OtherObjective, {"objective", "instcount", "size"});
}

TEST(OptimizeCommandTest, MpiFlagSaysWhatItNeeds) {
  auto Dir = take(TempDir::create("passgym-test"));
  Outcome R = passgym({"optimize", "benchmark://builtin-v0/crc32",
                       "--objective", "instcount", "--mpi", "-o", Dir.path()});
  // Without MPI built in, the build option to change; with it, outside
  // mpirun there are no ranks to evaluate candidates.
  if (PASSGYM_MPI_BUILT)
    expectError(R, {"--mpi", "mpirun -np N"});
  else
    expectError(R, {"built without MPI", "-DPASSGYM_MPI=ON"});
  EXPECT_FALSE(llvm::sys::fs::exists(Dir.file("checkpoint.json")));
}

TEST(OptimizeCommandTest, WritesAnAnswerThatIsNeverWorseThanOz) {
  auto Dir = take(TempDir::create("passgym-test"));
  Outcome R = passgym({"optimize", "benchmark://builtin-v0/crc32", "--objective",
                       "instcount", "--budget", "20s", "--candidates", "20",
                       "--jobs", "2", "-o", Dir.path()});
  ASSERT_EQ(R.ExitCode, 0) << describe(R);
  EXPECT_TRUE(contains(R.Out, "answer:")) << R.Out;
  auto Json = nlohmann::json::parse(
      (*llvm::MemoryBuffer::getFile(Dir.file("report.json")))->getBuffer().str());
  EXPECT_LE(Json["answer"]["cost"].get<double>(),
            Json["baselines"]["-Oz"]["cost"].get<double>());
  EXPECT_EQ(Json["answer"]["validation"], "valid");
  EXPECT_EQ(Json["jobs"], 2);
}

} // namespace
} // namespace passgym

namespace passgym {
namespace {

TEST(SearchBenchTest, StrategiesAndTheOptProcessSearchAgreeOnTheReference) {
  auto Dir = take(TempDir::create("passgym-test"));
  std::string Json = Dir.file("search.json");
  Outcome R = passgym({"bench", "search", "benchmark://builtin-v0/crc32",
                       "--objective", "instcount", "--budget", "3s",
                       "--strategies", "random,evolution", "--jobs", "2",
                       "--json", Json});
  ASSERT_EQ(R.ExitCode, 0) << describe(R);
  EXPECT_TRUE(contains(R.Out, "geometric means")) << R.Out;
  auto J = nlohmann::json::parse(
      (*llvm::MemoryBuffer::getFile(Json))->getBuffer().str());
  ASSERT_EQ(J["rows"].size(), 3u) << J.dump();
  // -Oz's instruction count through the environment and through an opt-19
  // process is the same number.
  double Reference = J["rows"][0]["reference_cost"];
  for (const auto &Row : J["rows"]) {
    EXPECT_EQ(Row["reference_cost"].get<double>(), Reference) << Row.dump();
    EXPECT_GT(Row["candidates"].get<int>(), 1) << Row.dump();
    EXPECT_GT(Row["search_best"].get<double>(), 0) << Row.dump();
    // optimize's answer is never worse than -Oz.
    if (Row.contains("answer"))
      EXPECT_GE(Row["answer"].get<double>(), 1.0) << Row.dump();
  }
  EXPECT_EQ(J["rows"][2]["strategy"], "random (opt-19)");
  EXPECT_FALSE(J["rows"][2].contains("answer"));
}

TEST(SearchBenchTest, SearchesInsertTheActionsOfTheActionsFile) {
  auto Dir = take(TempDir::create("passgym-test"));
  // `strip` removes names, never an instruction: a search that may insert
  // only it cannot get below the unoptimized count.
  std::string StripOnly = Dir.file("strip-only.txt");
  std::ofstream(StripOnly) << "strip\n";
  auto OptSearchBest = [&](std::vector<std::string> Extra) {
    std::string Json = Dir.file("search.json");
    std::vector<std::string> Args = {
        "bench",      "search",      "benchmark://builtin-v0/crc32",
        "--objective", "instcount",  "--budget",
        "2s",         "--strategies", "random",
        "--json",     Json};
    Args.insert(Args.end(), Extra.begin(), Extra.end());
    Outcome R = passgym(Args);
    EXPECT_EQ(R.ExitCode, 0) << describe(R);
    auto J = nlohmann::json::parse(
        (*llvm::MemoryBuffer::getFile(Json))->getBuffer().str());
    EXPECT_EQ(J["rows"][1]["strategy"], "random (opt-19)") << J.dump();
    EXPECT_GE(J["rows"][0]["answer"].get<double>(), 1.0) << J.dump();
    return J["rows"][1]["search_best"].get<double>();
  };
  double Builtin = OptSearchBest({});
  double Stripping = OptSearchBest({"--actions", StripOnly});
  EXPECT_LT(Stripping, 0.8);
  EXPECT_GT(Builtin, Stripping);

  Outcome Missing = passgym({"bench", "search", "--actions", "no-such.txt"});
  EXPECT_NE(Missing.ExitCode, 0);
  EXPECT_TRUE(contains(Missing.Err, "no-such.txt")) << Missing.Err;
}

} // namespace
} // namespace passgym

namespace passgym {
namespace {

TEST(ActionsOptionTest, BuiltinSpacesByNameAndUnknownNamesRefused) {
  Outcome Pieces = passgym({"passes", "--actions", "builtin:Oz-pieces"});
  ASSERT_EQ(Pieces.ExitCode, 0) << describe(Pieces);
  EXPECT_TRUE(contains(Pieces.Out, "scc-oz-module-inliner")) << Pieces.Out;
  Outcome Unknown = passgym({"passes", "--actions", "builtin:O9-pieces"});
  EXPECT_NE(Unknown.ExitCode, 0);
  EXPECT_TRUE(contains(Unknown.Err, "builtin:O9-pieces")) << Unknown.Err;
  EXPECT_TRUE(contains(Unknown.Err, "builtin:O3-pieces")) << Unknown.Err;
  Outcome Missing = passgym({"passes", "--actions", "no-such-file.txt"});
  EXPECT_NE(Missing.ExitCode, 0);
  EXPECT_TRUE(contains(Missing.Err, "no-such-file.txt")) << Missing.Err;
}

} // namespace
} // namespace passgym

namespace passgym {
namespace {

TEST(OptimizeCommandTest, RunTimesAreMeasuredInTheRunNotTakenFromTheCache) {
  auto Dir = take(TempDir::create("passgym-test"));
  std::string Cache = Dir.file("cache");
  auto Run = [&](std::vector<std::string> Args) {
    SubprocessOptions Options;
    Options.Argv = std::move(Args);
    Options.Argv.insert(Options.Argv.begin(), PASSGYM_BINARY);
    Options.Environment = {"PASSGYM_CACHE_DIR=" + Cache};
    Options.Timeout = std::chrono::minutes(5);
    return take(runSubprocess(Options));
  };
  SubprocessResult Optimized =
      Run({"optimize", "benchmark://builtin-v0/crc32", "--candidates", "3",
           "--jobs", "1", "-o", Dir.file("out")});
  ASSERT_TRUE(Optimized.succeeded()) << Optimized.StandardError;
  std::string Database = Cache + "/measurements.sqlite";
  EXPECT_FALSE(std::filesystem::exists(Database));
  // The same directory is where a search's run times are kept.
  SubprocessResult Searched =
      Run({"search", "benchmark://builtin-v0/crc32", "--cost", "Runtime",
           "--steps", "2"});
  ASSERT_TRUE(Searched.succeeded()) << Searched.StandardError;
  EXPECT_TRUE(std::filesystem::exists(Database));
}

} // namespace
} // namespace passgym
