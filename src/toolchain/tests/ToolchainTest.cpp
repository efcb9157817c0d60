// clang-19 itself defines what the in-process toolchain must produce: its
// modules, objects, dependency lists (-M) and link commands (-###) are the
// oracles here.
#include "toolchain/Toolchain.h"

#include "support/Subprocess.h"
#include "support/TempDir.h"
#include "support/tests/TestHelpers.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>
#include <thread>

namespace passgym::toolchain {
namespace {

using testing::errorOf;
using testing::take;

const std::string kClang = PASSGYM_LLVM_BINDIR "/clang";
const std::string kClangxx = PASSGYM_LLVM_BINDIR "/clang++";

std::string builtinSource(const std::string &Name) {
  return std::string(PASSGYM_BUILTIN_DIR) + "/" + Name + ".c";
}

std::string writeFile(const std::string &Path, const std::string &Text) {
  std::error_code EC;
  llvm::raw_fd_ostream Out(Path, EC);
  EXPECT_FALSE(EC) << Path << ": " << EC.message();
  Out << Text;
  return Path;
}

std::string readFile(const std::string &Path) {
  auto Buffer = llvm::MemoryBuffer::getFile(Path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!Buffer)
    throw std::runtime_error("cannot read " + Path);
  return (*Buffer)->getBuffer().str();
}

/// Runs clang-19 (\p Driver) with \p Arguments; its stderr, which -### and
/// diagnostics use.
std::string runClang(const std::string &Driver,
                     std::vector<std::string> Arguments) {
  SubprocessOptions Options;
  Options.Argv = {Driver};
  llvm::append_range(Options.Argv, Arguments);
  SubprocessResult Result = take(runSubprocess(Options));
  if (!Result.succeeded())
    throw std::runtime_error(Driver + " failed: " + Result.StandardError);
  return Result.StandardError + Result.StandardOutput;
}

/// The module's IR text. The module identifier is left out: reading bitcode
/// names the module after the buffer it came from, not after anything the
/// compile did (source_filename, which the compile sets, stays).
std::string irText(llvm::MemoryBufferRef Bitcode) {
  llvm::LLVMContext Context;
  std::unique_ptr<llvm::Module> M =
      take(llvm::parseBitcodeFile(Bitcode, Context));
  M->setModuleIdentifier("");
  std::string Text;
  llvm::raw_string_ostream Stream(Text);
  M->print(Stream, nullptr);
  return Text;
}

/// What `clang-19 -O1 -Xclang -disable-llvm-passes -emit-llvm -c` makes of
/// \p Source.
std::string clangModule(const std::string &Driver, const std::string &Source,
                        std::vector<std::string> Flags = {}) {
  auto Dir = take(TempDir::create("passgym-test"));
  std::vector<std::string> Arguments = {
      "-O1",  "-Xclang", "-disable-llvm-passes", "-emit-llvm", "-c",
      Source, "-o",      Dir.file("module.bc")};
  llvm::append_range(Arguments, Flags);
  runClang(Driver, Arguments);
  return readFile(Dir.file("module.bc"));
}

constexpr const char *kCxxSource = R"(#include <algorithm>
#include <map>
#include <string>
#include <vector>

struct Shape {
  virtual ~Shape() = default;
  virtual double area() const = 0;
};
struct Square : Shape {
  double side;
  explicit Square(double side) : side(side) {}
  double area() const override { return side * side; }
};

template <typename T> T largest(const std::vector<T> &values) {
  return *std::max_element(values.begin(), values.end());
}

int main(int argc, char **argv) {
  std::map<std::string, int> counts;
  for (int i = 0; i < argc; ++i)
    ++counts[argv[i]];
  Square square(argc);
  std::vector<int> sizes = {3, 1, argc};
  return largest(sizes) + static_cast<int>(square.area()) + counts.size();
}
)";

TEST(ToolchainTest, CompilesCSourcesToClangsModule) {
  for (const std::string Name : {"qsort", "sha256", "huffman", "vm"}) {
    std::string Source = builtinSource(Name);
    CompiledSource Compiled = take(compileSource(Source));
    std::string Expected = clangModule(kClang, Source);
    EXPECT_EQ(irText(Compiled.Output->getMemBufferRef()),
              irText(llvm::MemoryBufferRef(Expected, "clang-19")))
        << Name;
  }
}

TEST(ToolchainTest, CompilesCxxSourcesToClangxxModule) {
  auto Dir = take(TempDir::create("passgym-test"));
  std::string Source = writeFile(Dir.file("shapes.cpp"), kCxxSource);
  CompiledSource Compiled = take(compileSource(Source, {"-std=c++17"}));
  // The driver picks C++ from the extension, as clang++ does.
  std::string Expected = clangModule(kClangxx, Source, {"-std=c++17"});
  std::string Text = irText(Compiled.Output->getMemBufferRef());
  EXPECT_EQ(Text, irText(llvm::MemoryBufferRef(Expected, "clang++-19")));
  EXPECT_NE(Text.find("_ZNK6Square4areaEv"), std::string::npos);
}

TEST(ToolchainTest, CompilesObjectsLikeClang) {
  auto Dir = take(TempDir::create("passgym-test"));
  std::string Source = builtinSource("crc32");
  CompiledSource Compiled = take(compileObject(Source, {"-O2"}));
  runClang(kClang, {"-O2", "-c", Source, "-o", Dir.file("crc32.o")});
  // ELF objects carry no time stamps: the same compile gives the same bytes.
  EXPECT_TRUE(Compiled.Output->getBuffer() == readFile(Dir.file("crc32.o")));
}

/// The files a make rule from `clang-19 -M` names, made absolute against
/// \p Directory.
std::vector<std::string> makeRuleFiles(llvm::StringRef Rule,
                                       llvm::StringRef Directory) {
  llvm::SmallVector<llvm::StringRef> Words;
  Rule.split(':').second.split(Words, ' ', -1, /*KeepEmpty=*/false);
  std::vector<std::string> Files;
  for (llvm::StringRef Word : Words) {
    Word = Word.trim();
    if (Word.empty() || Word == "\\")
      continue;
    llvm::SmallString<256> Path(Word);
    llvm::sys::fs::make_absolute(Directory, Path);
    llvm::sys::path::remove_dots(Path);
    Files.push_back(Path.str().str());
  }
  return Files;
}

TEST(ToolchainTest, ListsEveryFileTheCompileRead) {
  auto Dir = take(TempDir::create("passgym-test"));
  ASSERT_FALSE(llvm::sys::fs::create_directory(Dir.file("include")));
  writeFile(Dir.file("include/answer.h"), "#define ANSWER 42\n");
  writeFile(Dir.file("main.c"), "#include <stdio.h>\n"
                                "#include \"answer.h\"\n"
                                "int main(void) { return ANSWER; }\n");
  // As a manifest's flags do: relative to -working-directory.
  std::vector<std::string> Flags = {"-working-directory", Dir.path(),
                                    "-Iinclude"};
  llvm::SmallString<256> Before, After;
  ASSERT_FALSE(llvm::sys::fs::current_path(Before));
  CompiledSource Compiled = take(compileSource("main.c", Flags));
  // ... and not relative to anything else afterwards: this process's
  // working directory is its own.
  ASSERT_FALSE(llvm::sys::fs::current_path(After));
  EXPECT_EQ(After.str(), Before.str());
  ASSERT_FALSE(Compiled.Inputs.empty());
  EXPECT_EQ(Compiled.Inputs.front(), Dir.file("main.c"));
  EXPECT_TRUE(
      llvm::is_contained(Compiled.Inputs, Dir.file("include/answer.h")));
  for (const std::string &Input : Compiled.Inputs) {
    EXPECT_TRUE(llvm::sys::path::is_absolute(Input)) << Input;
    EXPECT_TRUE(llvm::sys::fs::exists(Input)) << Input;
  }

  // -O1 as for the compile: glibc's stdio.h includes more when optimizing.
  std::vector<std::string> Arguments = {"-O1", "-M", "main.c"};
  llvm::append_range(Arguments, Flags);
  std::string Rule = runClang(kClang, Arguments);
  // clang's -M lists the same files, system headers (stdio.h and what it
  // includes) too, in the same order.
  EXPECT_EQ(Compiled.Inputs, makeRuleFiles(Rule, Dir.path()));
  EXPECT_GT(Compiled.Inputs.size(), 3u);
}

TEST(ToolchainTest, ErrorsAreOneLineNamingFileAndLine) {
  auto Dir = take(TempDir::create("passgym-test"));
  std::string Broken = writeFile(Dir.file("broken.c"), "int f(int x) {\n"
                                                       "  return x;\n"
                                                       "int g(void) {}\n");
  std::string Message = errorOf(compileSource(Broken));
  EXPECT_EQ(Message.find('\n'), std::string::npos) << Message;
  EXPECT_TRUE(llvm::StringRef(Message).starts_with("cannot compile '" + Broken +
                                                   "': " + Broken + ":3:"))
      << Message;
  EXPECT_NE(Message.find("error:"), std::string::npos) << Message;

  std::string Missing = Dir.file("missing.c");
  Message = errorOf(compileSource(Missing));
  EXPECT_EQ(Message, "cannot compile '" + Missing +
                         "': clang: error: no such file or directory: '" +
                         Missing + "'");

  Message = errorOf(compileSource(builtinSource("crc32"), {"-fno-such-flag"}));
  EXPECT_NE(Message.find("unknown argument: '-fno-such-flag'"),
            std::string::npos)
      << Message;

  Message = errorOf(compileSource(builtinSource("crc32"), {"-mllvm", "-x"}));
  EXPECT_NE(Message.find("-mllvm options are not supported"), std::string::npos)
      << Message;

  Message = errorOf(
      compileSource(builtinSource("crc32"), {"-fplugin=/no/plugin.so"}));
  EXPECT_NE(Message.find("plugins (-fplugin) are not supported"),
            std::string::npos)
      << Message;

  // A second source would be a second compile job.
  Message =
      errorOf(compileSource(builtinSource("crc32"), {builtinSource("qsort")}));
  EXPECT_NE(Message.find("expected one compile job from clang's driver, got"),
            std::string::npos)
      << Message;

  Message = errorOf(compileSource(builtinSource("crc32"), {"-E"}));
  EXPECT_NE(Message.find("something other than bitcode"), std::string::npos)
      << Message;
}

TEST(ToolchainTest, AClangCrashIsAnError) {
  std::string Crc32 = builtinSource("crc32");
  std::string Before =
      irText(take(compileSource(Crc32)).Output->getMemBufferRef());
  auto Dir = take(TempDir::create("passgym-test"));
  // An LLVM fatal error aborts. (`#pragma clang __debug crash` would be a
  // worse test: it traps with an llvm::Timer on the stack, which stays linked
  // into LLVM's global list of timers and corrupts whatever reuses that stack
  // afterwards; no recovery survives that.)
  std::string Fatal = writeFile(Dir.file("fatal.c"),
                                "#pragma clang __debug llvm_fatal_error\n");
  EXPECT_EQ(errorOf(compileSource(Fatal)),
            "cannot compile '" + Fatal + "': clang crashed");
  // The process, and clang in it, carry on.
  EXPECT_EQ(irText(take(compileSource(Crc32)).Output->getMemBufferRef()),
            Before);
}

TEST(ToolchainTest, ThreadsCompileAtTheSameTime) {
  const std::vector<std::string> Names = {"sha256", "huffman"};
  std::vector<std::string> Expected;
  for (const std::string &Name : Names)
    Expected.push_back(irText(
        take(compileSource(builtinSource(Name))).Output->getMemBufferRef()));
  std::vector<std::vector<std::string>> Results(Names.size());
  std::vector<std::thread> Threads;
  for (size_t I = 0; I < Names.size(); ++I)
    Threads.emplace_back([&, I] {
      for (int Round = 0; Round < 4; ++Round) {
        auto Compiled = compileSource(builtinSource(Names[I]));
        Results[I].push_back(Compiled
                                 ? irText(Compiled->Output->getMemBufferRef())
                                 : llvm::toString(Compiled.takeError()));
      }
    });
  for (std::thread &Thread : Threads)
    Thread.join();
  for (size_t I = 0; I < Names.size(); ++I)
    for (const std::string &Result : Results[I])
      EXPECT_EQ(Result, Expected[I]) << Names[I];
}

/// The arguments of one line of `clang -###` output: double-quoted, with
/// backslash escapes.
std::vector<std::string> parseQuotedArguments(llvm::StringRef Line) {
  std::vector<std::string> Arguments;
  for (size_t I = 0; I < Line.size(); ++I) {
    if (Line[I] != '"')
      continue;
    std::string Argument;
    for (++I; I < Line.size() && Line[I] != '"'; ++I) {
      if (Line[I] == '\\' && I + 1 < Line.size())
        ++I;
      Argument += Line[I];
    }
    Arguments.push_back(std::move(Argument));
  }
  return Arguments;
}

TEST(ToolchainTest, LinkCommandIsTheOneClangRuns) {
  auto Dir = take(TempDir::create("passgym-test"));
  // `clang -###` insists that its inputs exist.
  std::vector<std::string> Objects = {writeFile(Dir.file("program.o"), ""),
                                      writeFile(Dir.file("harness.o"), "")};
  std::string Output = Dir.file("program");
  for (const std::vector<std::string> &LinkFlags :
       std::vector<std::vector<std::string>>{{"-lm"}, {"-lstdc++", "-lm"}}) {
    std::vector<std::string> Flags = {"-fuse-ld=gold", "-no-pie"};
    llvm::append_range(Flags, LinkFlags);
    std::vector<std::string> Arguments = {"-###"};
    llvm::append_range(Arguments, Objects);
    Arguments.insert(Arguments.end(), {"-o", Output});
    llvm::append_range(Arguments, Flags);
    llvm::StringRef Printed =
        llvm::StringRef(runClang(kClang, Arguments)).trim();
    std::vector<std::string> Expected =
        parseQuotedArguments(Printed.rsplit('\n').second);
    EXPECT_EQ(take(linkCommand(Flags)).argv(Objects, Output), Expected);
    ASSERT_FALSE(Expected.empty()) << Printed.str();
    EXPECT_TRUE(llvm::StringRef(Expected.front()).ends_with("/ld.gold"))
        << Printed.str();
  }
}

TEST(ToolchainTest, LinkCommandErrors) {
  std::string Message = errorOf(linkCommand({"-fno-such-flag"}));
  EXPECT_EQ(Message, "cannot work out the link command: clang: error: "
                     "unknown argument: '-fno-such-flag'");
  // A source among the flags would need compiling first.
  Message = errorOf(linkCommand({builtinSource("crc32")}));
  EXPECT_NE(Message.find("expected one link job from clang's driver, got 2"),
            std::string::npos)
      << Message;
}

} // namespace
} // namespace passgym::toolchain
