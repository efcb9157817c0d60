#include "toolchain/Toolchain.h"

#include "support/CrashRecovery.h"
#include "support/Subprocess.h"
#include "support/Target.h"

#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/DiagnosticOptions.h"
#include "clang/CodeGen/CodeGenAction.h"
#include "clang/Driver/Compilation.h"
#include "clang/Driver/Driver.h"
#include "clang/Driver/Job.h"
#include "clang/Driver/Tool.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/CompilerInvocation.h"
#include "clang/Frontend/TextDiagnosticPrinter.h"
#include "clang/Frontend/Utils.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SmallVectorMemoryBuffer.h"
#include "llvm/Support/VirtualFileSystem.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

namespace passgym::toolchain {
namespace {

/// The driver derives its resource directory (clang's own headers) from its
/// executable's path, and looks for the linker beside it: naming clang-19's
/// real path makes both those of `clang-19`. clang and clang++ give the same
/// frontend command for -c, and links here go through the C driver, as
/// before.
constexpr llvm::StringLiteral kClang = PASSGYM_LLVM_BINDIR "/clang";

constexpr llvm::StringLiteral kObjectsPlaceholder = "@passgym-objects@";
constexpr llvm::StringLiteral kOutputPlaceholder = "@passgym-output@";

/// Diagnostics printed as clang prints them, into a string, so an error can
/// quote the first of them. Never coloured: our own stderr being a terminal
/// says nothing about where the message goes.
class DiagnosticText {
public:
  /// \p Prefix starts every line, as "clang" does for the driver's own
  /// complaints.
  explicit DiagnosticText(llvm::StringRef Prefix = "")
      : Options(new clang::DiagnosticOptions), Stream(Text),
        Printer(Stream, Options.get()),
        Engine(new clang::DiagnosticIDs, Options, &Printer,
               /*ShouldOwnClient=*/false) {
    Printer.setPrefix(Prefix.str());
  }

  clang::DiagnosticsEngine &engine() { return Engine; }
  clang::DiagnosticConsumer &printer() { return Printer; }
  std::string firstError() const { return firstErrorLine(Text); }

private:
  llvm::IntrusiveRefCntPtr<clang::DiagnosticOptions> Options;
  std::string Text;
  llvm::raw_string_ostream Stream;
  clang::TextDiagnosticPrinter Printer;
  clang::DiagnosticsEngine Engine;
};

std::vector<const char *> driverArguments(llvm::ArrayRef<const char *> Fixed,
                                          llvm::ArrayRef<std::string> Flags) {
  std::vector<const char *> Arguments = {kClang.data()};
  llvm::append_range(Arguments, Fixed);
  for (const std::string &Flag : Flags)
    Arguments.push_back(Flag.c_str());
  return Arguments;
}

/// A file system for clang's driver: on the process's own (the default),
/// `-working-directory`, which a manifest's flags carry, changes the
/// process's working directory, and with it every relative path resolved
/// afterwards (the next manifest URI, say).
llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> driverFileSystem() {
  return llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem>(
      llvm::vfs::createPhysicalFileSystem().release());
}

/// The frontend's invocation for the driver command line \p Arguments: the
/// cc1 job the driver builds for it, the one `clang-19 -###` prints.
llvm::Expected<std::shared_ptr<clang::CompilerInvocation>>
invocationFor(llvm::ArrayRef<const char *> Arguments) {
  DiagnosticText Diagnostics("clang");
  clang::driver::Driver Driver(kClang, llvm::sys::getDefaultTargetTriple(),
                               Diagnostics.engine(), "clang LLVM compiler",
                               driverFileSystem());
  std::unique_ptr<clang::driver::Compilation> Compilation(
      Driver.BuildCompilation(Arguments));
  if (!Compilation || Diagnostics.engine().hasErrorOccurred())
    return llvm::createStringError(Diagnostics.firstError());
  const clang::driver::JobList &Jobs = Compilation->getJobs();
  if (Jobs.size() != 1 ||
      llvm::StringRef(Jobs.begin()->getCreator().getName()) != "clang")
    return llvm::createStringError(
        "expected one compile job from clang's driver, got " +
        std::to_string(Jobs.size()));
  auto Invocation = std::make_shared<clang::CompilerInvocation>();
  if (!clang::CompilerInvocation::CreateFromArgs(
          *Invocation, Jobs.begin()->getArguments(), Diagnostics.engine(),
          kClang.data()))
    return llvm::createStringError(Diagnostics.firstError());
  return Invocation;
}

/// Checks what the frontend would be asked to do, and adapts the invocation
/// from a compiler process's to a long-lived library's.
llvm::Error prepare(clang::CompilerInvocation &Invocation,
                    clang::frontend::ActionKind Expected) {
  if (Invocation.getFrontendOpts().ProgramAction != Expected)
    return llvm::createStringError(
        llvm::Twine("the flags ask clang for something other than ") +
        (Expected == clang::frontend::EmitObj ? "an object file" : "bitcode"));
  // clang's cc1 process applies -mllvm to LLVM's process-wide options; here
  // that would change them for every other compile and pass.
  if (!Invocation.getFrontendOpts().LLVMArgs.empty())
    return llvm::createStringError(
        "-mllvm options are not supported: they would change LLVM's options "
        "for the whole process");
  // Only clang's cc1 process loads plugins; ignoring one would be silent.
  if (!Invocation.getFrontendOpts().Plugins.empty())
    return llvm::createStringError(
        "clang plugins (-fplugin) are not supported");
  // The driver tells cc1 not to free its memory, since the process is about
  // to exit; this one is not.
  Invocation.getFrontendOpts().DisableFree = false;
  Invocation.getCodeGenOpts().DisableFree = false;
  return llvm::Error::success();
}

/// Every file the preprocessor enters, system headers included: what a
/// compile's result depends on.
class InputCollector : public clang::DependencyCollector {
public:
  bool needSystemDependencies() override { return true; }
};

std::vector<std::string> absolutePaths(llvm::ArrayRef<std::string> Paths,
                                       const clang::FileManager &Files) {
  std::vector<std::string> Absolute;
  for (const std::string &Path : Paths) {
    llvm::SmallString<256> Buffer(Path);
    // Relative to -working-directory when there is one.
    Files.makeAbsolutePath(Buffer);
    llvm::sys::path::remove_dots(Buffer);
    Absolute.push_back(Buffer.str().str());
  }
  return Absolute;
}

std::unique_ptr<clang::FrontendAction>
actionFor(clang::frontend::ActionKind Kind) {
  if (Kind == clang::frontend::EmitObj)
    return std::make_unique<clang::EmitObjAction>();
  return std::make_unique<clang::EmitBCAction>();
}

llvm::Expected<CompiledSource>
runFrontend(std::shared_ptr<clang::CompilerInvocation> Invocation,
            clang::frontend::ActionKind Kind) {
  DiagnosticText Diagnostics;
  auto Instance = std::make_unique<clang::CompilerInstance>();
  Instance->setInvocation(std::move(Invocation));
  Instance->createDiagnostics(&Diagnostics.printer(),
                              /*ShouldOwnClient=*/false);
  // Not "2 errors generated." on our stderr: the error says what failed.
  Instance->setVerboseOutputStream(llvm::nulls());
  auto Inputs = std::make_shared<InputCollector>();
  Instance->addDependencyCollector(Inputs);
  // The output stays in memory: the path the driver chose is never written.
  llvm::SmallVector<char, 0> Output;
  Instance->setOutputStream(
      std::make_unique<llvm::raw_svector_ostream>(Output));
  std::unique_ptr<clang::FrontendAction> Action = actionFor(Kind);
  initializeTargets();
  bool Succeeded = false;
  if (!runWithCrashRecovery(
          [&] { Succeeded = Instance->ExecuteAction(*Action); })) {
    // Unknown state after a crash: leak rather than destroy.
    (void)Instance.release();
    (void)Action.release();
    return llvm::createStringError("clang crashed");
  }
  if (!Succeeded)
    return llvm::createStringError(Diagnostics.firstError());
  CompiledSource Result;
  Result.Output = std::make_unique<llvm::SmallVectorMemoryBuffer>(
      std::move(Output), Instance->getFrontendOpts().OutputFile,
      /*RequiresNullTerminator=*/false);
  Result.Inputs =
      absolutePaths(Inputs->getDependencies(), Instance->getFileManager());
  return Result;
}

llvm::Expected<CompiledSource> compile(llvm::StringRef Path,
                                       llvm::ArrayRef<const char *> Arguments,
                                       clang::frontend::ActionKind Kind) {
  auto CannotCompile = [&](llvm::Error E) {
    return llvm::createStringError("cannot compile '" + Path +
                                   "': " + llvm::toString(std::move(E)));
  };
  auto Invocation = invocationFor(Arguments);
  if (!Invocation)
    return CannotCompile(Invocation.takeError());
  if (llvm::Error E = prepare(**Invocation, Kind))
    return CannotCompile(std::move(E));
  auto Compiled = runFrontend(std::move(*Invocation), Kind);
  if (!Compiled)
    return CannotCompile(Compiled.takeError());
  return Compiled;
}

/// Whether \p Placeholder is one whole argument of \p Argv and appears
/// nowhere else, so that LinkCommand::argv can substitute it.
bool appearsOnceAlone(llvm::ArrayRef<std::string> Argv,
                      llvm::StringRef Placeholder) {
  auto Mentions = [&](const std::string &Argument) {
    return llvm::StringRef(Argument).contains(Placeholder);
  };
  return llvm::count(Argv, Placeholder) == 1 &&
         llvm::count_if(Argv, Mentions) == 1;
}

} // namespace

llvm::Expected<CompiledSource>
compileSource(llvm::StringRef Path, llvm::ArrayRef<std::string> Flags) {
  std::string Source = Path.str();
  return compile(Path,
                 driverArguments({"-O1", "-Xclang", "-disable-llvm-passes",
                                  "-emit-llvm", "-c", Source.c_str()},
                                 Flags),
                 clang::frontend::EmitBC);
}

llvm::Expected<CompiledSource>
compileObject(llvm::StringRef Path, llvm::ArrayRef<std::string> Flags) {
  std::string Source = Path.str();
  return compile(Path, driverArguments({"-c", Source.c_str()}, Flags),
                 clang::frontend::EmitObj);
}

std::vector<std::string> LinkCommand::argv(llvm::ArrayRef<std::string> Objects,
                                           llvm::StringRef Output) const {
  std::vector<std::string> Argv;
  for (const std::string &Argument : Template) {
    if (Argument == kObjectsPlaceholder)
      llvm::append_range(Argv, Objects);
    else if (Argument == kOutputPlaceholder)
      Argv.push_back(Output.str());
    else
      Argv.push_back(Argument);
  }
  return Argv;
}

llvm::Expected<LinkCommand> linkCommand(llvm::ArrayRef<std::string> Flags) {
  auto CannotLink = [](const llvm::Twine &Problem) {
    return llvm::createStringError("cannot work out the link command: " +
                                   Problem);
  };
  // The driver takes an input with no known extension for an object file.
  std::vector<const char *> Arguments = driverArguments(
      {kObjectsPlaceholder.data(), "-o", kOutputPlaceholder.data()}, Flags);
  DiagnosticText Diagnostics("clang");
  clang::driver::Driver Driver(kClang, llvm::sys::getDefaultTargetTriple(),
                               Diagnostics.engine(), "clang LLVM compiler",
                               driverFileSystem());
  // The placeholders name no file.
  Driver.setCheckInputsExist(false);
  std::unique_ptr<clang::driver::Compilation> Compilation(
      Driver.BuildCompilation(Arguments));
  if (!Compilation || Diagnostics.engine().hasErrorOccurred())
    return CannotLink(Diagnostics.firstError());
  const clang::driver::JobList &Jobs = Compilation->getJobs();
  if (Jobs.size() != 1 || !Jobs.begin()->getCreator().isLinkJob())
    return CannotLink("expected one link job from clang's driver, got " +
                      llvm::Twine(Jobs.size()));
  const clang::driver::Command &Link = *Jobs.begin();
  std::vector<std::string> Template = {Link.getExecutable()};
  llvm::append_range(Template, Link.getArguments());
  for (llvm::StringRef Placeholder : {kObjectsPlaceholder, kOutputPlaceholder})
    if (!appearsOnceAlone(Template, Placeholder))
      return CannotLink("the linker's arguments use '" + Placeholder +
                        "' other than as one whole argument");
  return LinkCommand(std::move(Template));
}

} // namespace passgym::toolchain
