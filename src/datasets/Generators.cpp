#include "datasets/Generators.h"

#include "support/Subprocess.h"
#include "support/TempDir.h"
#include "toolchain/Toolchain.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Linker/Linker.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/SmallVectorMemoryBuffer.h"

#include <cstdint>

namespace passgym {
namespace {

constexpr llvm::StringLiteral kCsmith = "/usr/bin/csmith";
// Where Debian's libcsmith-dev puts csmith.h, which every program includes.
constexpr llvm::StringLiteral kCsmithIncludes = "/usr/include/csmith";
constexpr llvm::StringLiteral kCsmithDataset = "csmith-v0";
constexpr llvm::StringLiteral kLlvmStressDataset = "llvm-stress-v0";
constexpr llvm::StringLiteral kLinkedBuiltinsDataset = "linked-builtins-v0";

// Generators normally take well under a second; a hung one must not hang the
// environment.
constexpr std::chrono::seconds kGeneratorTimeout{60};
// A csmith program that runs longer is treated as failing; quick ones finish
// in milliseconds.
constexpr std::chrono::seconds kCsmithRunTimeout{10};
// Long enough for hundreds of calls of a typical csmith main (5-20 us),
// short next to compiling the program.
constexpr unsigned kCsmithRepeatMs = 5;

/// The seed in \p Text: a decimal uint32 without sign or leading zeros, so
/// that each benchmark has exactly one URI.
llvm::Expected<uint32_t> parseSeed(llvm::StringRef Text, llvm::StringRef Uri) {
  auto Bad = [&](llvm::StringRef Why) {
    return llvm::createStringError("invalid seed '" + Text + "' in '" + Uri +
                                   "': " + Why);
  };
  if (Text.empty())
    return Bad("expected a decimal number from 0 to 4294967295");
  if (!llvm::all_of(Text, llvm::isDigit))
    return Bad("expected a decimal number from 0 to 4294967295");
  if (Text.size() > 1 && Text.front() == '0')
    return Bad("leading zeros are not allowed");
  uint64_t Value = 0;
  if (Text.size() > 10 || Text.getAsInteger(10, Value) || Value > UINT32_MAX)
    return Bad("larger than 4294967295");
  return static_cast<uint32_t>(Value);
}

/// Serializes \p M; the stored benchmark is re-encoded by makeBenchmark.
std::unique_ptr<llvm::MemoryBuffer> toBitcode(const llvm::Module &M) {
  llvm::SmallVector<char, 0> Bitcode;
  llvm::raw_svector_ostream Stream(Bitcode);
  llvm::WriteBitcodeToFile(M, Stream);
  return std::make_unique<llvm::SmallVectorMemoryBuffer>(
      std::move(Bitcode), /*RequiresNull=*/false);
}

llvm::Expected<BenchmarkPtr> loadCsmith(llvm::StringRef Uri, uint32_t Seed) {
  if (!llvm::sys::fs::can_execute(kCsmith))
    return llvm::createStringError(
        "cannot generate '" + Uri + "': " + kCsmith +
        " is not installed (apt-get install csmith libcsmith-dev)");
  auto Dir = TempDir::create("passgym-csmith");
  if (!Dir)
    return Dir.takeError();
  std::string Source = Dir->file("program.c");
  SubprocessOptions Generate;
  Generate.Argv = {kCsmith.str(), "--seed", std::to_string(Seed), "--output",
                   Source};
  for (std::string &Option : csmithOptions())
    Generate.Argv.push_back(std::move(Option));
  // csmith writes platform.info into its working directory.
  Generate.WorkingDirectory = Dir->path();
  Generate.Timeout = kGeneratorTimeout;
  auto Generated = runSubprocess(Generate);
  if (!Generated)
    return Generated.takeError();
  if (!Generated->succeeded())
    return llvm::createStringError("csmith failed to generate '" + Uri +
                                   "': " + Generated->describeFailure() + ": " +
                                   firstErrorLine(Generated->StandardError));
  auto Compiled =
      toolchain::compileSource(Source, {"-I" + kCsmithIncludes.str(), "-w"});
  if (!Compiled)
    return llvm::createStringError("cannot compile '" + Uri + "': " +
                                   llvm::toString(Compiled.takeError()));
  // clang records the source's path, which lies in a fresh temporary
  // directory; naming the source after the URI makes the bitcode depend on
  // the seed alone.
  llvm::LLVMContext Context;
  auto M = parseModule(Compiled->Output->getMemBufferRef(), Context);
  if (!M)
    return M.takeError();
  (*M)->setSourceFileName(Uri);
  auto Loaded = makeBenchmark(Uri.str(), toBitcode(**M));
  if (!Loaded)
    return Loaded.takeError();
  RunSpec Spec;
  Spec.Timeout = kCsmithRunTimeout;
  // Most csmith programs run for microseconds; main is called again and
  // again so that a run is timed above the noise of starting a process.
  // The harness restores the globals, all the state a csmith program keeps.
  Spec.MainRepeatMs = kCsmithRepeatMs;
  // Benchmarks are shared read-only once loaded; this one is still private.
  std::const_pointer_cast<Benchmark>(*Loaded)->setRunSpec(std::move(Spec));
  return Loaded;
}

llvm::Expected<BenchmarkPtr> loadLlvmStress(llvm::StringRef Uri,
                                            uint32_t Seed) {
  SubprocessOptions Generate;
  Generate.Argv = {std::string(PASSGYM_LLVM_BINDIR) + "/llvm-stress",
                   "-seed=" + std::to_string(Seed),
                   "-size=" + std::to_string(kLlvmStressSize), "-o", "-"};
  Generate.Timeout = kGeneratorTimeout;
  auto Generated = runSubprocess(Generate);
  if (!Generated)
    return Generated.takeError();
  if (!Generated->succeeded())
    return llvm::createStringError("llvm-stress failed to generate '" + Uri +
                                   "': " + Generated->describeFailure() + ": " +
                                   firstErrorLine(Generated->StandardError));
  // The IR names no source file of its own; the buffer's name becomes it.
  return makeBenchmark(Uri.str(), llvm::MemoryBuffer::getMemBufferCopy(
                                      Generated->StandardOutput, Uri));
}

/// The first \p Count built-in programs (by name) linked into one module,
/// each main renamed NAME_main: a large module of real code, for measuring
/// what steps cost on programs of tens of thousands of instructions.
llvm::Expected<BenchmarkPtr> loadLinkedBuiltins(llvm::StringRef Uri,
                                                uint32_t Count) {
  auto Names = builtinBenchmarkNames();
  if (!Names)
    return Names.takeError();
  if (Count == 0 || Count > Names->size())
    return llvm::createStringError(
        "'" + Uri + "' links 1 to " + llvm::Twine(Names->size()) +
        " built-in programs, not " + llvm::Twine(Count));
  llvm::LLVMContext Context;
  auto Linked = std::make_unique<llvm::Module>(Uri, Context);
  llvm::Linker Linker(*Linked);
  for (uint32_t I = 0; I < Count; ++I) {
    const std::string &Name = (*Names)[I];
    auto Program = loadBenchmark("benchmark://builtin-v0/" + Name);
    if (!Program)
      return Program.takeError();
    auto M = (*Program)->load(Context);
    if (!M)
      return M.takeError();
    if (llvm::Function *Main = (*M)->getFunction("main"))
      Main->setName(Name + "_main");
    if (Linker.linkInModule(std::move(*M)))
      return llvm::createStringError("cannot link built-in '" + Name +
                                     "' into '" + Uri + "'");
  }
  return makeBenchmark(Uri.str(), toBitcode(*Linked));
}

} // namespace

std::vector<GeneratorInfo> generators() {
  return {{kCsmithDataset.str(), "generator://csmith-v0/SEED", true},
          {kLlvmStressDataset.str(), "generator://llvm-stress-v0/SEED", false},
          {kLinkedBuiltinsDataset.str(),
           "generator://linked-builtins-v0/COUNT (1-26)", false}};
}

std::vector<std::string> csmithOptions() {
  // Without jumps (goto, break, continue) far fewer loops end up running for
  // billions of iterations; fewer functions, shallower blocks and simpler
  // expressions keep programs around 500 lines, which compile in a fraction
  // of a second.
  return {"--no-jumps", "--max-funcs",           "5", "--max-block-depth",
          "3",          "--max-expr-complexity", "5"};
}

llvm::Expected<BenchmarkPtr> loadGeneratedBenchmark(llvm::StringRef Uri) {
  llvm::StringRef Rest = Uri;
  if (!Rest.consume_front(kGeneratorScheme))
    return llvm::createStringError("'" + Uri + "' is not a generator:// URI");
  auto [Dataset, SeedText] = Rest.split('/');
  if (Dataset != kCsmithDataset && Dataset != kLlvmStressDataset &&
      Dataset != kLinkedBuiltinsDataset)
    return llvm::createStringError("unknown generator '" + Dataset + "' in '" +
                                   Uri +
                                   "': expected generator://csmith-v0/SEED, "
                                   "generator://llvm-stress-v0/SEED or "
                                   "generator://linked-builtins-v0/COUNT");
  auto Seed = parseSeed(SeedText, Uri);
  if (!Seed)
    return Seed.takeError();
  if (Dataset == kCsmithDataset)
    return loadCsmith(Uri, *Seed);
  if (Dataset == kLinkedBuiltinsDataset)
    return loadLinkedBuiltins(Uri, *Seed);
  return loadLlvmStress(Uri, *Seed);
}

} // namespace passgym
