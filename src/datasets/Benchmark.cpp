#include "datasets/Benchmark.h"

#include "datasets/CompileCache.h"
#include "datasets/Generators.h"
#include "datasets/Manifest.h"

#include "support/Installation.h"
#include "support/Target.h"
#include "toolchain/Toolchain.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/IRReader/IRReader.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SmallVectorMemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace passgym {
namespace {

constexpr llvm::StringLiteral kFileScheme = "file://";
constexpr llvm::StringLiteral kBuiltinScheme = "benchmark://builtin-v0/";

bool isCSource(llvm::StringRef Extension) { return Extension == ".c"; }
bool isCxxSource(llvm::StringRef Extension) {
  return Extension == ".cc" || Extension == ".cpp" || Extension == ".cxx";
}

} // namespace

/// Parses, verifies, and re-encodes a module as bitcode, so every benchmark
/// is stored the same way whatever it was read from.
llvm::Expected<BenchmarkPtr>
makeBenchmark(std::string Uri, std::unique_ptr<llvm::MemoryBuffer> Contents) {
  llvm::LLVMContext Context;
  llvm::Expected<std::unique_ptr<llvm::Module>> M =
      parseModule(Contents->getMemBufferRef(), Context);
  if (!M)
    return M.takeError();
  std::string Problems;
  llvm::raw_string_ostream ProblemStream(Problems);
  if (llvm::verifyModule(**M, &ProblemStream))
    return llvm::createStringError("invalid module '" + Uri + "': " + Problems);
  if (llvm::none_of(**M,
                    [](const llvm::Function &F) { return !F.isDeclaration(); }))
    return llvm::createStringError("'" + Uri +
                                   "' defines no function: there is nothing "
                                   "to optimize");
  (*M)->setModuleIdentifier(Uri);
  if (llvm::Error E = adoptHostTargetIfUnset(**M))
    return std::move(E);
  llvm::SmallVector<char, 0> Bitcode;
  llvm::BitcodeWriter Writer(Bitcode);
  Writer.writeModule(**M);
  Writer.writeSymtab();
  Writer.writeStrtab();
  return std::make_shared<Benchmark>(
      std::move(Uri),
      std::make_unique<llvm::SmallVectorMemoryBuffer>(std::move(Bitcode),
                                                      /*RequiresNull=*/false));
}

namespace {

llvm::Expected<BenchmarkPtr> loadFile(std::string Uri, llvm::StringRef Path) {
  if (!llvm::sys::fs::exists(Path))
    return llvm::createStringError("no such file: '" + Path + "'");
  llvm::StringRef Extension = llvm::sys::path::extension(Path);
  if (isCSource(Extension) || isCxxSource(Extension)) {
    llvm::SmallString<256> Absolute(Path);
    llvm::sys::fs::make_absolute(Absolute);
    auto Compiled = compileCached(
        ("source " + Absolute).str(), [&]() -> llvm::Expected<CompiledProgram> {
          auto Source = toolchain::compileSource(Path);
          if (!Source)
            return Source.takeError();
          return CompiledProgram{std::move(Source->Output),
                                 std::move(Source->Inputs)};
        });
    if (!Compiled)
      return Compiled.takeError();
    return makeBenchmark(std::move(Uri), std::move(Compiled->Bitcode));
  }
  if (Extension != ".ll" && Extension != ".bc")
    return llvm::createStringError("unsupported file type '" + Extension +
                                   "' of '" + Path +
                                   "': expected .c, .cc, .cpp, .ll or .bc");
  auto Buffer = llvm::MemoryBuffer::getFile(Path);
  if (!Buffer)
    return llvm::createStringError(Buffer.getError(),
                                   "cannot read '" + Path +
                                       "': " + Buffer.getError().message());
  return makeBenchmark(std::move(Uri), std::move(*Buffer));
}

/// Built-in programs are runnable, with the arguments listed in runs.json.
llvm::Expected<BenchmarkPtr> loadBuiltin(llvm::StringRef Uri) {
  llvm::StringRef Name = Uri.drop_front(kBuiltinScheme.size());
  auto Names = builtinBenchmarkNames();
  if (!Names)
    return Names.takeError();
  if (!llvm::is_contained(*Names, Name))
    return llvm::createStringError("unknown benchmark '" + Uri +
                                   "' (`passgym datasets` lists them)");
  std::string Directory = *builtinDirectory();
  auto Loaded = loadFile(Uri.str(), Directory + "/" + Name.str() + ".c");
  if (!Loaded)
    return Loaded.takeError();
  std::string RunsPath = Directory + "/runs.json";
  auto Runs = llvm::MemoryBuffer::getFile(RunsPath);
  if (!Runs)
    return llvm::createStringError(Runs.getError(),
                                   "cannot read '" + RunsPath + "'");
  nlohmann::json Args = nlohmann::json::parse(
      (*Runs)->getBuffer().str(), nullptr, /*allow_exceptions=*/false);
  if (!Args.is_object() || !Args.contains(Name.str()) ||
      !Args[Name.str()].is_array())
    return llvm::createStringError("'" + RunsPath +
                                   "' has no argument list for '" + Name + "'");
  RunSpec Spec;
  for (const auto &Arg : Args[Name.str()])
    Spec.Args.push_back(Arg.is_string() ? Arg.get<std::string>() : Arg.dump());
  // Benchmarks are shared read-only once loaded; this one is still private.
  std::const_pointer_cast<Benchmark>(*Loaded)->setRunSpec(std::move(Spec));
  return Loaded;
}

} // namespace

Benchmark::Benchmark(std::string Uri,
                     std::unique_ptr<llvm::MemoryBuffer> Bitcode)
    : Uri(std::move(Uri)), Bitcode(std::move(Bitcode)) {}

llvm::Expected<std::unique_ptr<llvm::Module>>
Benchmark::load(llvm::LLVMContext &Context) const {
  auto M = llvm::parseBitcodeFile(bitcode(), Context);
  if (!M)
    return M.takeError();
  (*M)->setModuleIdentifier(Uri);
  return std::move(*M);
}

llvm::Expected<std::unique_ptr<llvm::Module>>
parseModule(llvm::MemoryBufferRef Buffer, llvm::LLVMContext &Context) {
  llvm::SMDiagnostic Diagnostic;
  std::unique_ptr<llvm::Module> M = llvm::parseIR(Buffer, Diagnostic, Context);
  if (M)
    return std::move(M);
  std::string Message;
  llvm::raw_string_ostream Stream(Message);
  Stream << "malformed IR in '" << Buffer.getBufferIdentifier() << "'";
  if (Diagnostic.getLineNo() > 0)
    Stream << " at line " << Diagnostic.getLineNo();
  Stream << ": " << Diagnostic.getMessage();
  return llvm::createStringError(Message);
}

llvm::Expected<std::string> builtinDirectory() {
  auto Data = dataDirectory("builtin-v0/runs.json");
  if (!Data)
    return Data.takeError();
  return *Data + "/builtin-v0";
}

llvm::Expected<std::vector<std::string>> builtinBenchmarkNames() {
  auto Directory = builtinDirectory();
  if (!Directory)
    return Directory.takeError();
  std::vector<std::string> Names;
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator It(*Directory, EC), End;
       It != End && !EC; It.increment(EC)) {
    llvm::StringRef Path = It->path();
    if (llvm::sys::path::extension(Path) == ".c")
      Names.push_back(llvm::sys::path::stem(Path).str());
  }
  if (EC)
    return llvm::createStringError(EC, "cannot list '" + *Directory +
                                           "': " + EC.message());
  std::sort(Names.begin(), Names.end());
  return Names;
}

llvm::Expected<std::vector<std::string>> builtinBenchmarkUris() {
  auto Names = builtinBenchmarkNames();
  if (!Names)
    return Names.takeError();
  std::vector<std::string> Uris;
  for (const std::string &Name : *Names)
    Uris.push_back(kBuiltinScheme.str() + Name);
  return Uris;
}

llvm::Expected<std::vector<std::string>>
urisOrBuiltins(std::vector<std::string> Uris) {
  if (!Uris.empty())
    return Uris;
  auto Builtins = builtinBenchmarkUris();
  if (Builtins && Builtins->empty())
    return llvm::createStringError("no benchmark given, and no built-in "
                                   "program in " +
                                   *builtinDirectory());
  return Builtins;
}

llvm::Expected<BenchmarkPtr> loadBenchmark(llvm::StringRef Uri) {
  if (Uri.starts_with(kBuiltinScheme))
    return loadBuiltin(Uri);
  if (Uri.starts_with(kFileScheme))
    return loadFile(Uri.str(), Uri.drop_front(kFileScheme.size()));
  if (Uri.starts_with(kGeneratorScheme))
    return loadGeneratedBenchmark(Uri);
  if (Uri.starts_with(kManifestScheme))
    return loadManifestBenchmark(Uri);
  if (Uri.contains("://"))
    return llvm::createStringError(
        "unknown benchmark URI scheme in '" + Uri +
        "': expected file://PATH, benchmark://builtin-v0/NAME, "
        "generator://csmith-v0/SEED, generator://llvm-stress-v0/SEED or "
        "manifest:PATH#NAME");
  return loadFile(("file://" + Uri).str(), Uri);
}

} // namespace passgym
