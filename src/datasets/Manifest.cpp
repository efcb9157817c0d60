#include "datasets/Manifest.h"

#include "datasets/CompileCache.h"

#include "toolchain/Toolchain.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/DiagnosticPrinter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Linker/Linker.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SmallVectorMemoryBuffer.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

namespace passgym {
namespace {

using Json = nlohmann::json;

constexpr const char *kSourceTypes = ".c, .cc, .cpp, .cxx, .ll or .bc";

bool isCSource(llvm::StringRef Extension) { return Extension == ".c"; }
bool isCxxSource(llvm::StringRef Extension) {
  return Extension == ".cc" || Extension == ".cpp" || Extension == ".cxx";
}
bool isIr(llvm::StringRef Extension) {
  return Extension == ".ll" || Extension == ".bc";
}

/// "manifest 'PATH': " or "manifest 'PATH': benchmarks[I] ('NAME'): ".
std::string context(llvm::StringRef ManifestPath,
                    std::optional<size_t> Index = {},
                    const std::string *Name = nullptr) {
  std::string Text = "manifest '" + ManifestPath.str() + "': ";
  if (!Index)
    return Text;
  Text += "benchmarks[" + std::to_string(*Index) + "] ";
  Text += Name ? "('" + *Name + "')" : std::string("(unnamed)");
  return Text + ": ";
}

std::string absolute(llvm::StringRef Directory, llvm::StringRef Path) {
  llvm::SmallString<256> Result(Path);
  if (!llvm::sys::path::is_absolute(Result)) {
    Result = Directory;
    llvm::sys::path::append(Result, Path);
  }
  llvm::sys::path::remove_dots(Result, /*remove_dot_dot=*/true);
  return std::string(Result);
}

llvm::Error wrongType(llvm::StringRef Field, llvm::StringRef Expected,
                      const Json &Value) {
  return llvm::createStringError("'" + Field + "' must be " + Expected +
                                 ", not " + Value.type_name());
}

llvm::Expected<std::string> readString(const Json &Value,
                                       llvm::StringRef Field) {
  if (!Value.is_string())
    return wrongType(Field, "a string", Value);
  return Value.get<std::string>();
}

llvm::Expected<std::vector<std::string>> readStrings(const Json &Value,
                                                     llvm::StringRef Field) {
  if (!Value.is_array())
    return wrongType(Field, "an array of strings", Value);
  std::vector<std::string> Strings;
  for (size_t I = 0; I < Value.size(); ++I) {
    if (!Value[I].is_string())
      return wrongType((Field + "[" + llvm::Twine(I) + "]").str(), "a string",
                       Value[I]);
    Strings.push_back(Value[I].get<std::string>());
  }
  return Strings;
}

/// \p Paths resolved against \p Directory; each must be an existing file.
llvm::Expected<std::vector<std::string>>
readExistingFiles(const Json &Value, llvm::StringRef Field,
                  llvm::StringRef Kind, llvm::StringRef Directory,
                  bool AllowDirectories = false) {
  auto Paths = readStrings(Value, Field);
  if (!Paths)
    return Paths.takeError();
  std::vector<std::string> Resolved;
  for (const std::string &Path : *Paths) {
    std::string Absolute = absolute(Directory, Path);
    if (!llvm::sys::fs::is_regular_file(Absolute) &&
        !(AllowDirectories && llvm::sys::fs::is_directory(Absolute)))
      return llvm::createStringError(Kind + " '" + Path +
                                     "' does not exist (looked for '" +
                                     Absolute + "')");
    Resolved.push_back(std::move(Absolute));
  }
  return Resolved;
}

/// Names are used in URIs after '#', so they are kept to characters that need
/// no quoting there.
bool isValidName(llvm::StringRef Name) {
  return !Name.empty() && llvm::all_of(Name, [](char C) {
    return llvm::isAlnum(C) || llvm::StringRef("._+-/").contains(C);
  });
}

llvm::Error readSources(const Json &Entry, ManifestEntry &Result,
                        llvm::StringRef Directory) {
  if (!Entry.contains("sources"))
    return llvm::createStringError("missing 'sources'");
  auto Sources =
      readExistingFiles(Entry["sources"], "sources", "source file", Directory);
  if (!Sources)
    return Sources.takeError();
  if (Sources->empty())
    return llvm::createStringError("'sources' is empty");
  for (const std::string &Source : *Sources) {
    llvm::StringRef Extension = llvm::sys::path::extension(Source);
    if (!isCSource(Extension) && !isCxxSource(Extension) && !isIr(Extension))
      return llvm::createStringError("source file '" + Source +
                                     "' has unsupported type '" + Extension +
                                     "': expected " + kSourceTypes);
  }
  Result.Sources = std::move(*Sources);
  return llvm::Error::success();
}

llvm::Error readOutputFiles(const Json &Value, ManifestEntry &Result) {
  auto Names = readStrings(Value, "output_files");
  if (!Names)
    return Names.takeError();
  for (const std::string &Name : *Names) {
    // The program runs in a private directory; outputs outside it would be
    // shared between runs.
    bool Escapes =
        llvm::sys::path::is_absolute(Name) ||
        llvm::is_contained(llvm::make_range(llvm::sys::path::begin(Name),
                                            llvm::sys::path::end(Name)),
                           "..");
    if (Name.empty() || Escapes)
      return llvm::createStringError(
          "output file '" + Name +
          "' must be a relative path inside the run directory");
  }
  Result.OutputFiles = std::move(*Names);
  return llvm::Error::success();
}

llvm::Error readInputFiles(const Json &Value, ManifestEntry &Result,
                           llvm::StringRef Directory) {
  auto Files = readExistingFiles(Value, "input_files", "input file", Directory,
                                 /*AllowDirectories=*/true);
  if (!Files)
    return Files.takeError();
  // Inputs are copied into the run directory under their base names.
  std::set<std::string> BaseNames;
  for (const std::string &File : *Files)
    if (!BaseNames.insert(llvm::sys::path::filename(File).str()).second)
      return llvm::createStringError(
          "two input files are named '" + llvm::sys::path::filename(File) +
          "' (they are copied into the run directory under their base names)");
  Result.InputFiles = std::move(*Files);
  return llvm::Error::success();
}

/// The positive whole number in \p Field of \p Entry, at most \p Max (of
/// \p Unit); none when the field is absent.
llvm::Expected<std::optional<uint64_t>> readLimit(const Json &Entry,
                                                  const char *Field,
                                                  llvm::StringRef Unit,
                                                  uint64_t Max) {
  if (!Entry.contains(Field))
    return std::nullopt;
  const Json &Value = Entry[Field];
  if (!Value.is_number_integer())
    return wrongType(Field, ("a whole number of " + Unit).str(), Value);
  if (!Value.is_number_unsigned() || Value.get<uint64_t>() == 0 ||
      Value.get<uint64_t>() > Max)
    return llvm::createStringError(
        "'" + std::string(Field) + "' must be from 1 to " +
        std::to_string(Max) + " " + Unit.str() + ", not " + Value.dump());
  return Value.get<uint64_t>();
}

/// One entry of "benchmarks"; errors state the problem only, the caller
/// names the manifest and the entry.
llvm::Expected<ManifestEntry> readEntry(const Json &Entry,
                                        llvm::StringRef Directory) {
  if (!Entry.is_object())
    return llvm::createStringError(
        "expected an object with 'name' and 'sources', not " +
        std::string(Entry.type_name()));
  static const std::vector<std::string> Known = {
      "name",           "description", "sources",
      "compile_flags",  "link_flags",  "args",
      "stdin",          "input_files", "output_files",
      "timeout_ms",     "max_file_mb", "max_memory_mb",
      "max_written_mb", "env",         "compare_stdout",
      "exit_code",      "main_repeat", "main_repeat_ms",
      "runnable"};
  for (const auto &Item : Entry.items())
    if (!llvm::is_contained(Known, Item.key()))
      return llvm::createStringError("unknown field '" + Item.key() +
                                     "' (known: " + llvm::join(Known, ", ") +
                                     ")");

  ManifestEntry Result;
  if (!Entry.contains("name"))
    return llvm::createStringError("missing 'name'");
  auto Name = readString(Entry["name"], "name");
  if (!Name)
    return Name.takeError();
  if (!isValidName(*Name))
    return llvm::createStringError("invalid name '" + *Name +
                                   "': use letters, digits and . _ + - / only");
  Result.Name = std::move(*Name);
  if (Entry.contains("description"))
    if (auto Description = readString(Entry["description"], "description");
        !Description)
      return Description.takeError();

  if (llvm::Error E = readSources(Entry, Result, Directory))
    return std::move(E);
  for (auto [Field, Target] : {std::pair{"compile_flags", &Result.CompileFlags},
                               std::pair{"link_flags", &Result.LinkFlags},
                               std::pair{"args", &Result.Args}}) {
    if (!Entry.contains(Field))
      continue;
    auto Strings = readStrings(Entry[Field], Field);
    if (!Strings)
      return Strings.takeError();
    *Target = std::move(*Strings);
  }
  if (Entry.contains("stdin")) {
    auto Path = readString(Entry["stdin"], "stdin");
    if (!Path)
      return Path.takeError();
    std::string Absolute = absolute(Directory, *Path);
    if (!llvm::sys::fs::is_regular_file(Absolute))
      return llvm::createStringError("stdin file '" + *Path +
                                     "' does not exist (looked for '" +
                                     Absolute + "')");
    Result.StandardInput = std::move(Absolute);
  }
  if (Entry.contains("input_files"))
    if (llvm::Error E = readInputFiles(Entry["input_files"], Result, Directory))
      return std::move(E);
  if (Entry.contains("output_files"))
    if (llvm::Error E = readOutputFiles(Entry["output_files"], Result))
      return std::move(E);
  if (Entry.contains("env")) {
    const Json &Env = Entry["env"];
    if (!Env.is_object())
      return wrongType("env", "an object of strings", Env);
    for (const auto &[Name, Value] : Env.items()) {
      if (Name.empty() || Name.find('=') != std::string::npos)
        return llvm::createStringError("invalid variable name '" + Name +
                                       "' in 'env'");
      if (!Value.is_string())
        return wrongType("env." + Name, "a string", Value);
      Result.Environment.push_back(Name + "=" + Value.get<std::string>());
    }
  }
  if (Entry.contains("compare_stdout")) {
    if (!Entry["compare_stdout"].is_boolean())
      return wrongType("compare_stdout", "true or false",
                       Entry["compare_stdout"]);
    Result.CompareStdout = Entry["compare_stdout"].get<bool>();
  }
  if (Entry.contains("exit_code")) {
    const Json &Code = Entry["exit_code"];
    if (!Code.is_number_integer() || Code.get<int64_t>() < 0 ||
        Code.get<int64_t>() > 255)
      return llvm::createStringError(
          "'exit_code' must be a whole number from 0 to 255, not " +
          Code.dump());
    Result.ExpectedExitCode = Code.get<int>();
  }
  // Bounded, so that no value overflows when it is scaled or added to.
  constexpr uint64_t kDay = 24 * 3600 * 1000;
  constexpr uint64_t kMebibytes = 1 << 20;
  constexpr uint64_t kTebibyteInMebibytes = 1 << 20;
  if (auto Ms = readLimit(Entry, "timeout_ms", "milliseconds", kDay); !Ms)
    return Ms.takeError();
  else if (*Ms)
    Result.Timeout = std::chrono::milliseconds(**Ms);
  for (auto [Field, Target] : {std::pair{"max_file_mb", &Result.MaxFileBytes},
                               {"max_memory_mb", &Result.MaxMemoryBytes},
                               {"max_written_mb", &Result.MaxWrittenBytes}}) {
    auto Mb = readLimit(Entry, Field, "mebibytes", kTebibyteInMebibytes);
    if (!Mb)
      return Mb.takeError();
    if (*Mb)
      *Target = **Mb * kMebibytes;
  }
  if (auto Calls = readLimit(Entry, "main_repeat", "calls", 1000000); !Calls)
    return Calls.takeError();
  else if (*Calls)
    Result.MainRepeat = static_cast<unsigned>(**Calls);
  if (auto Ms = readLimit(Entry, "main_repeat_ms", "milliseconds", 60000); !Ms)
    return Ms.takeError();
  else if (*Ms)
    Result.MainRepeatMs = static_cast<unsigned>(**Ms);
  if (Result.MainRepeat && Result.MainRepeatMs)
    return llvm::createStringError(
        "'main_repeat' and 'main_repeat_ms' exclude each other: give a "
        "number of calls or the milliseconds they add up to");
  if (Entry.contains("runnable")) {
    if (!Entry["runnable"].is_boolean())
      return wrongType("runnable", "true or false", Entry["runnable"]);
    Result.Runnable = Entry["runnable"].get<bool>();
  }
  return Result;
}

/// nlohmann's message without its "[json.exception...] parse error" prefix:
/// "at line L, column C: what was wrong".
std::string describeParseError(const Json::parse_error &E) {
  llvm::StringRef Message = E.what();
  size_t At = Message.find("at line ");
  if (At != llvm::StringRef::npos)
    return Message.drop_front(At).str();
  return ("at byte " + llvm::Twine(E.byte) + ": " + Message).str();
}

llvm::Expected<Json> parseJson(llvm::StringRef Path, llvm::StringRef Text) {
  try {
    return Json::parse(Text.begin(), Text.end());
  } catch (const Json::parse_error &E) {
    return llvm::createStringError(context(Path) + "invalid JSON " +
                                   describeParseError(E));
  }
}

void collectDiagnostic(const llvm::DiagnosticInfo *Info, void *Messages) {
  std::string &Text = *static_cast<std::string *>(Messages);
  if (!Text.empty())
    Text += "; ";
  llvm::raw_string_ostream Stream(Text);
  llvm::DiagnosticPrinterRawOStream Printer(Stream);
  Info->print(Printer);
}

/// One source as bitcode or IR text: compiled if it is C or C++, else read;
/// with the files it read.
llvm::Expected<CompiledProgram> loadSource(const std::string &Source,
                                           const Manifest &M,
                                           const ManifestEntry &Entry) {
  llvm::StringRef Extension = llvm::sys::path::extension(Source);
  if (isIr(Extension)) {
    auto File = llvm::MemoryBuffer::getFile(Source);
    if (!File)
      return llvm::createStringError(File.getError(),
                                     "cannot read '" + Source +
                                         "': " + File.getError().message());
    return CompiledProgram{std::move(*File), {Source}};
  }
  // Relative paths in the flags (-Iinclude) mean the manifest's directory.
  std::vector<std::string> Flags = {"-working-directory", M.Directory};
  llvm::append_range(Flags, Entry.CompileFlags);
  auto Compiled = toolchain::compileSource(Source, Flags);
  if (!Compiled)
    return Compiled.takeError();
  return CompiledProgram{std::move(Compiled->Output),
                         std::move(Compiled->Inputs)};
}

/// Every source compiled, on as many threads as there are cores, in order.
std::vector<llvm::Expected<CompiledProgram>>
loadSources(const Manifest &M, const ManifestEntry &Entry) {
  std::vector<std::optional<llvm::Expected<CompiledProgram>>> Results(
      Entry.Sources.size());
  llvm::DefaultThreadPool Pool(llvm::hardware_concurrency());
  for (size_t I = 0; I < Entry.Sources.size(); ++I)
    Pool.async(
        [&, I] { Results[I].emplace(loadSource(Entry.Sources[I], M, Entry)); });
  Pool.wait();
  std::vector<llvm::Expected<CompiledProgram>> Ordered;
  for (auto &Result : Results)
    Ordered.push_back(std::move(*Result));
  return Ordered;
}

/// The entry's sources compiled and linked into one module, as bitcode.
llvm::Expected<CompiledProgram> compileEntry(const Manifest &M,
                                             const ManifestEntry &Entry) {
  llvm::LLVMContext Context;
  // The default handler prints and exits on errors; linking reports through
  // it.
  std::string Diagnostics;
  Context.setDiagnosticHandlerCallBack(collectDiagnostic, &Diagnostics);
  CompiledProgram Program;
  std::set<std::string> Read;
  std::unique_ptr<llvm::Module> Linked;
  auto Sources = loadSources(M, Entry);
  for (size_t I = 0; I < Sources.size(); ++I) {
    if (!Sources[I])
      return Sources[I].takeError();
    for (std::string &Input : Sources[I]->Inputs)
      if (Read.insert(Input).second)
        Program.Inputs.push_back(std::move(Input));
    auto Part = parseModule(Sources[I]->Bitcode->getMemBufferRef(), Context);
    if (!Part)
      return Part.takeError();
    if (!Linked) {
      Linked = std::move(*Part);
      continue;
    }
    Diagnostics.clear();
    if (llvm::Linker::linkModules(*Linked, std::move(*Part)))
      return llvm::createStringError(
          "cannot link '" + Entry.Sources[I] +
          "' with the sources before it: " + Diagnostics);
  }
  llvm::SmallVector<char, 0> Bitcode;
  llvm::raw_svector_ostream Stream(Bitcode);
  llvm::WriteBitcodeToFile(*Linked, Stream);
  Program.Bitcode = std::make_unique<llvm::SmallVectorMemoryBuffer>(
      std::move(Bitcode), /*RequiresNull=*/false);
  return Program;
}

/// What identifies an entry's compilation besides the files it reads.
std::string describeCompilation(const Manifest &M, const ManifestEntry &Entry) {
  std::string Description = "manifest entry in " + M.Directory + "\nsources";
  for (const std::string &Source : Entry.Sources)
    Description += " " + Source;
  Description += "\nflags";
  for (const std::string &Flag : Entry.CompileFlags)
    Description += " " + Flag;
  return Description;
}

/// Whether the module in \p Bitcode defines main, read without
/// materializing any function body.
bool definesMain(llvm::MemoryBufferRef Bitcode) {
  llvm::LLVMContext Context;
  auto Lazy = llvm::getLazyBitcodeModule(Bitcode, Context);
  if (!Lazy) {
    llvm::consumeError(Lazy.takeError());
    return false;
  }
  const llvm::Function *Main = (*Lazy)->getFunction("main");
  return Main && !Main->isDeclaration();
}

llvm::Expected<RunSpec> runSpecOf(const ManifestEntry &Entry) {
  RunSpec Spec;
  Spec.Args = Entry.Args;
  if (Entry.StandardInput) {
    auto Input = llvm::MemoryBuffer::getFile(*Entry.StandardInput,
                                             /*IsText=*/false,
                                             /*RequiresNullTerminator=*/false);
    if (!Input)
      return llvm::createStringError(Input.getError(),
                                     "cannot read stdin file '" +
                                         *Entry.StandardInput + "'");
    Spec.StandardInput = (*Input)->getBuffer().str();
  }
  Spec.InputFiles = Entry.InputFiles;
  Spec.OutputFiles = Entry.OutputFiles;
  Spec.LinkFlags = Entry.LinkFlags;
  // Programs are linked by the C driver, which leaves out C++'s runtime.
  bool HasCxx = llvm::any_of(Entry.Sources, [](const std::string &Source) {
    return isCxxSource(llvm::sys::path::extension(Source));
  });
  if (HasCxx && !llvm::is_contained(Spec.LinkFlags, "-lstdc++"))
    Spec.LinkFlags.push_back("-lstdc++");
  if (Entry.Timeout)
    Spec.Timeout = *Entry.Timeout;
  Spec.Environment = Entry.Environment;
  Spec.CompareStdout = Entry.CompareStdout.value_or(Spec.CompareStdout);
  Spec.ExpectedExitCode = Entry.ExpectedExitCode.value_or(0);
  Spec.MainRepeat = Entry.MainRepeat.value_or(Spec.MainRepeat);
  Spec.MainRepeatMs = Entry.MainRepeatMs.value_or(Spec.MainRepeatMs);
  Spec.MaxFileBytes = Entry.MaxFileBytes.value_or(Spec.MaxFileBytes);
  Spec.MaxMemoryBytes = Entry.MaxMemoryBytes.value_or(Spec.MaxMemoryBytes);
  Spec.MaxWrittenBytes = Entry.MaxWrittenBytes.value_or(Spec.MaxWrittenBytes);
  return Spec;
}

} // namespace

std::string displayName(llvm::StringRef Uri) {
  if (!Uri.starts_with(kManifestScheme))
    return Uri.str();
  return Uri.rsplit('#').second.str();
}

std::vector<std::string> manifestsOf(const std::vector<std::string> &Uris) {
  std::vector<std::string> Manifests;
  for (llvm::StringRef Uri : Uris) {
    if (!Uri.consume_front(kManifestScheme))
      continue;
    std::string Path = Uri.rsplit('#').first.str();
    if (!llvm::is_contained(Manifests, Path))
      Manifests.push_back(Path);
  }
  return Manifests;
}

BenchmarkColumn benchmarkColumn(const std::vector<std::string> &Uris,
                                size_t MinWidth) {
  BenchmarkColumn Column{MinWidth, ""};
  for (const std::string &Uri : Uris)
    Column.Width = std::max(Column.Width, displayName(Uri).size());
  for (const std::string &Path : manifestsOf(Uris))
    Column.Note += "NAME: manifest:" + Path + "#NAME\n";
  return Column;
}

std::string BenchmarkColumn::cell(llvm::StringRef Uri) const {
  std::string Name = displayName(Uri);
  Name.resize(std::max(Name.size(), Width), ' ');
  return Name;
}

std::string Manifest::uriOf(const ManifestEntry &Entry) const {
  return kManifestScheme.str() + Path + "#" + Entry.Name;
}

const ManifestEntry *Manifest::find(llvm::StringRef Name) const {
  auto It = llvm::find_if(
      Entries, [&](const ManifestEntry &Entry) { return Entry.Name == Name; });
  return It == Entries.end() ? nullptr : &*It;
}

llvm::Expected<Manifest> readManifest(llvm::StringRef Path) {
  Manifest Result;
  // Benchmarks' URIs name the manifest by an absolute path: a worker process
  // or a run directory elsewhere must find it too.
  llvm::SmallString<256> File(Path);
  if (llvm::sys::fs::is_directory(Path))
    llvm::sys::path::append(File, kManifestFileName);
  if (std::error_code EC = llvm::sys::fs::make_absolute(File))
    return llvm::createStringError(EC, "cannot resolve the path of manifest '" +
                                           Path + "'");
  llvm::sys::path::remove_dots(File, /*remove_dot_dot=*/true);
  Result.Path = std::string(File);
  if (!llvm::sys::fs::exists(Result.Path))
    return llvm::createStringError("no such manifest: '" + Result.Path + "'");
  auto Text = llvm::MemoryBuffer::getFile(Result.Path);
  if (!Text)
    return llvm::createStringError(Text.getError(),
                                   "cannot read manifest '" + Result.Path +
                                       "': " + Text.getError().message());
  Result.Directory = llvm::sys::path::parent_path(Result.Path).str();

  auto Root = parseJson(Result.Path, (*Text)->getBuffer());
  if (!Root)
    return Root.takeError();
  std::string Where = context(Result.Path);
  if (!Root->is_object() || !Root->contains("benchmarks"))
    return llvm::createStringError(
        Where + "expected an object with a 'benchmarks' array");
  for (const auto &Item : Root->items())
    if (Item.key() != "name" && Item.key() != "description" &&
        Item.key() != "benchmarks")
      return llvm::createStringError(
          Where + "unknown top-level field '" + Item.key() +
          "' (known: name, description, benchmarks)");
  const Json &Benchmarks = (*Root)["benchmarks"];
  if (!Benchmarks.is_array())
    return llvm::createStringError(
        Where + "'benchmarks' must be an array, not " + Benchmarks.type_name());
  Result.Name = llvm::sys::path::filename(Result.Directory).str();
  if (Root->contains("name")) {
    auto Name = readString((*Root)["name"], "name");
    if (!Name)
      return llvm::createStringError(Where + llvm::toString(Name.takeError()));
    Result.Name = std::move(*Name);
  }

  std::map<std::string, size_t> FirstIndex;
  for (size_t I = 0; I < Benchmarks.size(); ++I) {
    const Json &Entry = Benchmarks[I];
    // The name, if there is a usable one, identifies the entry in errors.
    std::optional<std::string> Name;
    if (Entry.is_object() && Entry.contains("name") &&
        Entry["name"].is_string())
      Name = Entry["name"].get<std::string>();
    auto Problem = [&](const std::string &Why) {
      Result.Problems.push_back(
          {I, Name, context(Result.Path, I, Name ? &*Name : nullptr) + Why});
    };
    auto Read = readEntry(Entry, Result.Directory);
    if (!Read) {
      Problem(llvm::toString(Read.takeError()));
      continue;
    }
    auto [It, Inserted] = FirstIndex.emplace(Read->Name, I);
    if (!Inserted) {
      Problem("duplicate name, already used by benchmarks[" +
              std::to_string(It->second) + "]");
      continue;
    }
    Result.Entries.push_back(std::move(*Read));
  }
  return Result;
}

llvm::Expected<BenchmarkPtr> loadManifestEntry(const Manifest &M,
                                               const ManifestEntry &Entry) {
  std::string Uri = M.uriOf(Entry);
  auto InBenchmark = [&](llvm::Error E) {
    return llvm::createStringError("cannot load '" + Uri +
                                   "': " + llvm::toString(std::move(E)));
  };
  auto Compiled = compileCached(describeCompilation(M, Entry),
                                [&] { return compileEntry(M, Entry); });
  if (!Compiled)
    return InBenchmark(Compiled.takeError());
  bool HasMain = definesMain(Compiled->Bitcode->getMemBufferRef());
  bool Runnable = Entry.Runnable.value_or(HasMain);
  if (Runnable && !HasMain)
    return InBenchmark(llvm::createStringError(
        "it is marked runnable but its sources define no main function"));
  auto Loaded = makeBenchmark(Uri, std::move(Compiled->Bitcode));
  if (!Loaded || !Runnable)
    return Loaded;
  auto Spec = runSpecOf(Entry);
  if (!Spec)
    return InBenchmark(Spec.takeError());
  // Benchmarks are shared read-only once loaded; this one is still private.
  std::const_pointer_cast<Benchmark>(*Loaded)->setRunSpec(std::move(*Spec));
  return Loaded;
}

llvm::Expected<BenchmarkPtr> loadManifestBenchmark(llvm::StringRef Uri) {
  llvm::StringRef Rest = Uri;
  if (!Rest.consume_front(kManifestScheme))
    return llvm::createStringError("'" + Uri + "' is not a manifest: URI");
  auto [Path, Name] = Rest.rsplit('#');
  if (Path.empty() || Name.empty() || Path == Rest)
    return llvm::createStringError(
        "malformed URI '" + Uri +
        "': expected manifest:PATH#NAME (PATH: a manifest file or its "
        "directory)");
  auto M = readManifest(Path);
  if (!M)
    return M.takeError();
  const ManifestEntry *Entry = M->find(Name);
  for (const ManifestProblem &Problem : M->Problems)
    if (!Entry && Problem.Name == Name)
      return llvm::createStringError(Problem.Message);
  if (!Entry) {
    std::vector<std::string> Names;
    for (const ManifestEntry &E : M->Entries)
      Names.push_back(E.Name);
    return llvm::createStringError(
        "unknown benchmark '" + Name + "' in manifest '" + M->Path +
        "' (it has: " + llvm::join(Names, ", ") + ")");
  }
  return loadManifestEntry(*M, *Entry);
}

} // namespace passgym
