#include "datasets/Benchmark.h"
#include "datasets/CompileCache.h"

#include "support/TempDir.h"
#include "support/tests/TestHelpers.h"

#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/Attributes.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

namespace passgym {
namespace {

using testing::errorOf;
using testing::take;

constexpr const char *kSmallIr = R"(define i32 @add(i32 %a, i32 %b) {
  %s = add i32 %a, %b
  ret i32 %s
}
)";

std::string writeFile(const TempDir &Dir, const std::string &Name,
                      const std::string &Text) {
  std::string Path = Dir.file(Name);
  std::error_code EC;
  llvm::raw_fd_ostream Out(Path, EC);
  Out << Text;
  return Path;
}

TEST(BenchmarkTest, LoadsIrTextBitcodeAndCSources) {
  auto Dir = take(TempDir::create("passgym-test"));
  std::string Ll = writeFile(Dir, "add.ll", kSmallIr);
  llvm::LLVMContext Context;
  auto FromText = take(loadBenchmark("file://" + Ll));
  EXPECT_EQ(FromText->uri(), "file://" + Ll);
  EXPECT_EQ(take(FromText->load(Context))->getInstructionCount(), 2u);
  // A module without a triple gets the host's, so codegen and opt agree.
  EXPECT_FALSE(take(FromText->load(Context))->getTargetTriple().empty());

  std::string Bc = Dir.file("add.bc");
  {
    std::error_code EC;
    llvm::raw_fd_ostream Out(Bc, EC);
    Out << FromText->bitcode().getBuffer();
  }
  auto FromBitcode = take(loadBenchmark(Bc));
  EXPECT_EQ(FromBitcode->uri(), "file://" + Bc);
  EXPECT_EQ(take(FromBitcode->load(Context))->getInstructionCount(), 2u);

  std::string C = writeFile(Dir, "f.c", "int f(int x) { return x * 2; }\n");
  auto FromC = take(loadBenchmark(C));
  auto M = take(FromC->load(Context));
  llvm::Function *F = M->getFunction("f");
  ASSERT_TRUE(F);
  // Later passes must be able to optimize it: no optnone, no noinline.
  EXPECT_FALSE(F->hasFnAttribute(llvm::Attribute::OptimizeNone));
  EXPECT_FALSE(F->hasFnAttribute(llvm::Attribute::NoInline));
}

TEST(BenchmarkTest, BuiltinProgramsLoad) {
  std::vector<std::string> Names = take(builtinBenchmarkNames());
  ASSERT_FALSE(Names.empty());
  auto B = take(loadBenchmark("benchmark://builtin-v0/" + Names.front()));
  llvm::LLVMContext Context;
  EXPECT_GT(take(B->load(Context))->getInstructionCount(), 100u);
}

TEST(BenchmarkTest, BadInputsGiveOneClearError) {
  auto Dir = take(TempDir::create("passgym-test"));
  std::string Message = errorOf(loadBenchmark(Dir.file("missing.ll")));
  EXPECT_NE(Message.find("no such file"), std::string::npos) << Message;
  EXPECT_NE(Message.find("missing.ll"), std::string::npos);

  std::string Bad =
      writeFile(Dir, "bad.ll", "define i32 @f() {\n  ret i32 %nope\n}\n");
  Message = errorOf(loadBenchmark(Bad));
  EXPECT_NE(Message.find("malformed IR"), std::string::npos) << Message;
  EXPECT_NE(Message.find("line 2"), std::string::npos) << Message;

  Message = errorOf(loadBenchmark("benchmark://builtin-v0/no-such-program"));
  EXPECT_NE(Message.find("unknown benchmark"), std::string::npos) << Message;
  EXPECT_NE(Message.find("no-such-program"), std::string::npos);

  Message = errorOf(loadBenchmark("ftp://host/x.ll"));
  EXPECT_NE(Message.find("unknown benchmark URI scheme"), std::string::npos);

  Message = errorOf(loadBenchmark(writeFile(Dir, "x.txt", "hello")));
  EXPECT_NE(Message.find("unsupported file type '.txt'"), std::string::npos);

  Message = errorOf(loadBenchmark(writeFile(Dir, "broken.c", "int f( {\n")));
  EXPECT_NE(Message.find("cannot compile"), std::string::npos) << Message;
  EXPECT_NE(Message.find("broken.c"), std::string::npos);

  Message =
      errorOf(loadBenchmark(writeFile(Dir, "junk.bc", "BC\xC0\xDE junk")));
  EXPECT_NE(Message.find("junk.bc"), std::string::npos) << Message;

  // An empty file parses or compiles to an empty module: nothing to optimize.
  for (const char *Empty : {"empty.ll", "empty.bc", "empty.c"}) {
    Message = errorOf(loadBenchmark(writeFile(Dir, Empty, "")));
    EXPECT_NE(Message.find("defines no function"), std::string::npos)
        << Empty << ": " << Message;
  }
  Message = errorOf(
      loadBenchmark(writeFile(Dir, "declares.ll", "declare void @f()\n")));
  EXPECT_NE(Message.find("defines no function"), std::string::npos) << Message;
}

TEST(BenchmarkTest, CachedValuesAreComputedOnce) {
  auto Dir = take(TempDir::create("passgym-test"));
  auto B = take(loadBenchmark(writeFile(Dir, "add.ll", kSmallIr)));
  int Calls = 0;
  auto Compute = [&]() -> llvm::Expected<int64_t> { return ++Calls * 10; };
  EXPECT_EQ(take(B->cached<int64_t>("k", Compute)), 10);
  EXPECT_EQ(take(B->cached<int64_t>("k", Compute)), 10);
  EXPECT_EQ(Calls, 1);
  auto Failing = []() -> llvm::Expected<int64_t> {
    return llvm::createStringError("boom");
  };
  EXPECT_EQ(errorOf(B->cached<int64_t>("other", Failing)), "boom");
  EXPECT_EQ(take(B->cached<int64_t>("other", Compute)), 20);
}

} // namespace
} // namespace passgym

namespace passgym {
namespace {

std::string printed(const Benchmark &B) {
  llvm::LLVMContext Context;
  std::string Text;
  llvm::raw_string_ostream Stream(Text);
  take(B.load(Context))->print(Stream, nullptr);
  return Text;
}

TEST(CompileCacheTest, AChangedHeaderIsCompiledAgain) {
  auto Dir = take(TempDir::create("passgym-compile-cache-test"));
  std::string Previous =
      getenv("PASSGYM_CACHE_DIR") ? getenv("PASSGYM_CACHE_DIR") : "";
  ::setenv("PASSGYM_CACHE_DIR", Dir.file("cache").c_str(), 1);
  writeFile(Dir, "value.h", "#define VALUE 4242\n");
  std::string Source =
      writeFile(Dir, "main.c",
                "#include \"value.h\"\nint main(void) { return VALUE; }\n");
  auto Load = [&] { return take(loadBenchmark(Source)); };

  CompileCacheStatistics Start = compileCacheStatistics();
  EXPECT_NE(printed(*Load()).find("ret i32 4242"), std::string::npos);
  EXPECT_EQ(compileCacheStatistics().Misses, Start.Misses + 1);
  EXPECT_NE(printed(*Load()).find("ret i32 4242"), std::string::npos);
  EXPECT_EQ(compileCacheStatistics().Hits, Start.Hits + 1);

  writeFile(Dir, "value.h", "#define VALUE 4343\n");
  EXPECT_NE(printed(*Load()).find("ret i32 4343"), std::string::npos);
  EXPECT_EQ(compileCacheStatistics().Misses, Start.Misses + 2);
  if (Previous.empty())
    ::unsetenv("PASSGYM_CACHE_DIR");
  else
    ::setenv("PASSGYM_CACHE_DIR", Previous.c_str(), 1);
}

} // namespace
} // namespace passgym
