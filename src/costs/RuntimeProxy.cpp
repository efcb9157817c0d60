#include "costs/RuntimeProxy.h"

#include "runtime/Runtime.h"
#include "support/CrashRecovery.h"
#include "support/Target.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCAsmInfo.h"
#include "llvm/MC/MCContext.h"
#include "llvm/MC/MCInst.h"
#include "llvm/MC/MCInstrAnalysis.h"
#include "llvm/MC/MCInstrInfo.h"
#include "llvm/MC/MCObjectFileInfo.h"
#include "llvm/MC/MCParser/MCAsmLexer.h"
#include "llvm/MC/MCParser/MCAsmParser.h"
#include "llvm/MC/MCParser/MCTargetAsmParser.h"
#include "llvm/MC/MCRegisterInfo.h"
#include "llvm/MC/MCStreamer.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/MCTargetOptions.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/MCA/Context.h"
#include "llvm/MCA/CustomBehaviour.h"
#include "llvm/MCA/InstrBuilder.h"
#include "llvm/MCA/Pipeline.h"
#include "llvm/MCA/SourceMgr.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

#include <cstring>

namespace passgym {

namespace {

constexpr llvm::StringLiteral kBlockPrefix = "passgym.b";
/// Precedes the counters the profiled program writes to stderr at exit, so
/// that whatever the program itself wrote there is skipped.
constexpr llvm::StringLiteral kCountsMagic = "PGBCNT01";

/// Names every IR block of \p M `passgym.bN`, N counting from 0 over the
/// module; returns how many there are.
unsigned nameBlocks(llvm::Module &M) {
  unsigned Count = 0;
  for (llvm::Function &F : M)
    for (llvm::BasicBlock &BB : F)
      BB.setName(kBlockPrefix + llvm::Twine(Count++));
  return Count;
}

/// Adds a counter to each of \p M's \p Blocks named blocks, and a destructor
/// that writes kCountsMagic and the counters to stderr.
void instrumentBlocks(llvm::Module &M, unsigned Blocks) {
  llvm::LLVMContext &Context = M.getContext();
  llvm::IRBuilder<> Builder(Context);
  auto *Counters = llvm::ArrayType::get(Builder.getInt64Ty(), Blocks);
  auto *Layout = llvm::StructType::get(
      Context, {llvm::ArrayType::get(Builder.getInt8Ty(), kCountsMagic.size()),
                Counters});
  auto *Storage = new llvm::GlobalVariable(
      M, Layout, /*isConstant=*/false, llvm::GlobalValue::InternalLinkage,
      llvm::ConstantStruct::get(
          Layout, {llvm::ConstantDataArray::getString(Context, kCountsMagic,
                                                      /*AddNull=*/false),
                   llvm::ConstantAggregateZero::get(Counters)}),
      "passgym.block.counts");
  unsigned Index = 0;
  for (llvm::Function &F : M)
    for (llvm::BasicBlock &BB : F) {
      unsigned Block = Index++;
      auto Where = BB.getFirstInsertionPt();
      if (Where == BB.end())
        continue;
      Builder.SetInsertPoint(&BB, Where);
      llvm::Value *Counter = Builder.CreateInBoundsGEP(
          Layout, Storage,
          {Builder.getInt32(0), Builder.getInt32(1), Builder.getInt32(Block)});
      Builder.CreateStore(
          Builder.CreateAdd(Builder.CreateLoad(Builder.getInt64Ty(), Counter),
                            Builder.getInt64(1)),
          Counter);
    }

  llvm::FunctionCallee Write = M.getOrInsertFunction(
      "write", Builder.getInt64Ty(), Builder.getInt32Ty(), Builder.getPtrTy(),
      Builder.getInt64Ty());
  auto *Dump = llvm::Function::Create(
      llvm::FunctionType::get(Builder.getVoidTy(), false),
      llvm::GlobalValue::InternalLinkage, "passgym.block.counts.dump", M);
  Builder.SetInsertPoint(llvm::BasicBlock::Create(Context, "", Dump));
  Builder.CreateCall(Write, {Builder.getInt32(2), Storage,
                             Builder.getInt64(M.getDataLayout().getTypeAllocSize(
                                 Layout))});
  Builder.CreateRetVoid();
  llvm::appendToGlobalDtors(M, Dump, /*Priority=*/0);
}

/// The \p Blocks counters that an instrumented run wrote at the end of its
/// \p StandardError.
llvm::Expected<std::vector<uint64_t>> readCounts(llvm::StringRef StandardError,
                                                 unsigned Blocks) {
  size_t At = StandardError.rfind(kCountsMagic);
  size_t Bytes = Blocks * sizeof(uint64_t);
  if (At == llvm::StringRef::npos ||
      StandardError.size() - At - kCountsMagic.size() < Bytes)
    return llvm::createStringError(
        "the profiled run wrote no block counts (did it end with _exit?)");
  std::vector<uint64_t> Counts(Blocks);
  std::memcpy(Counts.data(), StandardError.data() + At + kCountsMagic.size(),
              Bytes);
  return Counts;
}

/// \p M (which codegen rewrites) as host assembly with verbose comments, at
/// the Runtime cost's codegen level.
llvm::Expected<std::string> emitAssembly(llvm::Module &M) {
  auto Machine = createTargetMachineFor(M, llvm::CodeGenOptLevel::Default);
  if (!Machine)
    return Machine.takeError();
  // The comments name each machine block's IR block.
  (*Machine)->Options.MCOptions.AsmVerbose = true;
  llvm::SmallString<0> Assembly;
  llvm::raw_svector_ostream Stream(Assembly);
  auto Codegen = std::make_unique<llvm::legacy::PassManager>();
  if ((*Machine)->addPassesToEmitFile(*Codegen, Stream, nullptr,
                                      llvm::CodeGenFileType::AssemblyFile))
    return llvm::createStringError("the target cannot emit assembly");
  if (!runWithCrashRecovery([&] { Codegen->run(M); })) {
    // Unknown state after a crash: leak rather than destroy.
    (void)Codegen.release();
    return llvm::createStringError("LLVM crashed while generating code for '" +
                                   M.getModuleIdentifier() + "'");
  }
  return Assembly.str().str();
}

/// The CPU \p M's code is generated for: its functions' "target-cpu"
/// attribute, as codegen uses it; empty (the target's generic CPU) without.
std::string cpuOf(const llvm::Module &M) {
  for (const llvm::Function &F : M)
    if (!F.isDeclaration() && F.hasFnAttribute("target-cpu"))
      return F.getFnAttribute("target-cpu").getValueAsString().str();
  return "";
}

/// N of a comment naming IR block `%passgym.bN` exactly (not a block codegen
/// derived from it, such as `%passgym.b3.preheader`).
std::optional<unsigned> namedIrBlock(llvm::StringRef Comment) {
  size_t At = Comment.find(("%" + kBlockPrefix).str());
  if (At == llvm::StringRef::npos)
    return std::nullopt;
  llvm::StringRef Rest = Comment.drop_front(At + 1 + kBlockPrefix.size());
  llvm::StringRef Digits = Rest.take_while([](char C) { return llvm::isDigit(C); });
  unsigned N = 0;
  if (Digits.getAsInteger(10, N))
    return std::nullopt;
  llvm::StringRef After = Rest.drop_front(Digits.size());
  if (!After.empty() && !llvm::isSpace(After.front()))
    return std::nullopt;
  return N;
}

/// Where in the text each named machine block starts, as the lexer sees the
/// comments (llvm-mca finds its region markers the same way).
class BlockComments final : public llvm::AsmCommentConsumer {
public:
  struct Start {
    const char *At;
    unsigned IrBlock;
  };
  std::vector<Start> Starts;

  void HandleComment(llvm::SMLoc Loc, llvm::StringRef Text) override {
    if (std::optional<unsigned> Block = namedIrBlock(Text))
      Starts.push_back({Loc.getPointer(), *Block});
  }
};

/// Keeps the instructions the assembly parser emits; ignores the rest.
class InstructionCollector final : public llvm::MCStreamer {
public:
  explicit InstructionCollector(llvm::MCContext &Context)
      : MCStreamer(Context) {}
  std::vector<llvm::MCInst> Instructions;

  void emitInstruction(const llvm::MCInst &Inst,
                       const llvm::MCSubtargetInfo &) override {
    Instructions.push_back(Inst);
  }
  bool emitSymbolAttribute(llvm::MCSymbol *, llvm::MCSymbolAttr) override {
    return true;
  }
  void emitCommonSymbol(llvm::MCSymbol *, uint64_t, llvm::Align) override {}
  void emitZerofill(llvm::MCSection *, llvm::MCSymbol * = nullptr,
                    uint64_t = 0, llvm::Align = llvm::Align(1),
                    llvm::SMLoc = llvm::SMLoc()) override {}
};

/// The target's MC layer for \p Triple and \p Cpu, as llvm-mca sets it up.
struct MachineCode {
  const llvm::Target *Target = nullptr;
  llvm::Triple TheTriple;
  std::unique_ptr<llvm::MCRegisterInfo> Registers;
  std::unique_ptr<llvm::MCAsmInfo> AsmInfo;
  std::unique_ptr<llvm::MCSubtargetInfo> Subtarget;
  std::unique_ptr<llvm::MCInstrInfo> InstrInfo;
  std::unique_ptr<llvm::MCInstrAnalysis> Analysis;

  static llvm::Expected<MachineCode> create(llvm::StringRef Triple,
                                            llvm::StringRef Cpu) {
    initializeTargets();
    MachineCode MC;
    MC.TheTriple = llvm::Triple(Triple);
    std::string Error;
    MC.Target = llvm::TargetRegistry::lookupTarget(Triple, Error);
    if (!MC.Target)
      return llvm::createStringError("no target for '" + Triple + "': " + Error);
    MC.Registers.reset(MC.Target->createMCRegInfo(Triple));
    MC.AsmInfo.reset(MC.Target->createMCAsmInfo(*MC.Registers, Triple,
                                                llvm::MCTargetOptions()));
    MC.Subtarget.reset(MC.Target->createMCSubtargetInfo(Triple, Cpu, ""));
    MC.InstrInfo.reset(MC.Target->createMCInstrInfo());
    MC.Analysis.reset(MC.Target->createMCInstrAnalysis(MC.InstrInfo.get()));
    if (!MC.Subtarget->getSchedModel().hasInstrSchedModel())
      return llvm::createStringError("CPU '" + Cpu + "' of '" + Triple +
                                     "' has no scheduling model for MCA");
    return MC;
  }
};

/// MCA's cycles per execution of \p Instructions run back to back.
llvm::Expected<double> cyclesPerExecution(const MachineCode &MC,
                                          llvm::ArrayRef<llvm::MCInst> Block) {
  llvm::mca::InstrumentManager Instruments(*MC.Subtarget, *MC.InstrInfo);
  llvm::mca::InstrBuilder Builder(*MC.Subtarget, *MC.InstrInfo, *MC.Registers,
                                  MC.Analysis.get(), Instruments,
                                  /*CallLatency=*/1);
  llvm::SmallVector<std::unique_ptr<llvm::mca::Instruction>> Lowered;
  for (const llvm::MCInst &Inst : Block) {
    // MCA models neither calls nor returns (it warns, and charges a call a
    // fixed latency); a callee's blocks are counted on their own.
    const llvm::MCInstrDesc &Desc = MC.InstrInfo->get(Inst.getOpcode());
    if (Desc.isCall() || Desc.isReturn())
      continue;
    auto Instruction = Builder.createInstruction(Inst, {});
    // As llvm-mca -skip-unsupported-instructions: an instruction the model
    // has no data for costs nothing.
    if (!Instruction) {
      llvm::consumeError(Instruction.takeError());
      continue;
    }
    Lowered.push_back(std::move(*Instruction));
  }
  if (Lowered.empty())
    return 0.0;
  llvm::mca::CircularSourceMgr Source(Lowered, kMcaIterations);
  llvm::mca::CustomBehaviour Behaviour(*MC.Subtarget, Source, *MC.InstrInfo);
  llvm::mca::Context Mca(*MC.Registers, *MC.Subtarget);
  // llvm-mca's defaults: the model's widths and sizes, no aliasing between
  // loads and stores.
  llvm::mca::PipelineOptions Options(0, 0, 0, 0, 0, 0, /*AssumeNoAlias=*/true,
                                     /*EnableBottleneckAnalysis=*/false);
  auto Pipeline = Mca.createDefaultPipeline(Options, Source, Behaviour);
  llvm::Expected<unsigned> Cycles = Pipeline->run();
  if (!Cycles)
    return Cycles.takeError();
  return double(*Cycles) / kMcaIterations;
}

} // namespace

llvm::Expected<std::vector<AssemblyBlock>>
analyseAssembly(llvm::StringRef Assembly, llvm::StringRef Triple,
                llvm::StringRef Cpu) {
  auto MC = MachineCode::create(Triple, Cpu);
  if (!MC)
    return MC.takeError();
  llvm::SourceMgr Sources;
  std::string Problem;
  Sources.setDiagHandler(
      [](const llvm::SMDiagnostic &D, void *Context) {
        auto &Message = *static_cast<std::string *>(Context);
        if (Message.empty())
          Message = D.getMessage().str();
      },
      &Problem);
  Sources.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBuffer(Assembly, "assembly", false),
      llvm::SMLoc());
  llvm::MCContext Context(MC->TheTriple, MC->AsmInfo.get(), MC->Registers.get(),
                          MC->Subtarget.get(), &Sources);
  std::unique_ptr<llvm::MCObjectFileInfo> Sections(
      MC->Target->createMCObjectFileInfo(Context, /*PIC=*/false));
  Context.setObjectFileInfo(Sections.get());
  InstructionCollector Streamer(Context);
  // Target directives need a target streamer; this one ignores them.
  MC->Target->createNullTargetStreamer(Streamer);
  std::unique_ptr<llvm::MCAsmParser> Parser(
      llvm::createMCAsmParser(Sources, Context, Streamer, *MC->AsmInfo));
  BlockComments Comments;
  Parser->getLexer().setCommentConsumer(&Comments);
  std::unique_ptr<llvm::MCTargetAsmParser> TargetParser(
      MC->Target->createMCAsmParser(*MC->Subtarget, *Parser, *MC->InstrInfo,
                                    llvm::MCTargetOptions()));
  if (!TargetParser)
    return llvm::createStringError("no assembly parser for '" + Triple + "'");
  Parser->setTargetParser(*TargetParser);
  if (Parser->Run(/*NoInitialTextSection=*/false))
    return llvm::createStringError("cannot parse the assembly: " + Problem);

  // Each instruction belongs to the last block that starts before it.
  std::vector<AssemblyBlock> Blocks(1 + Comments.Starts.size());
  std::vector<std::vector<llvm::MCInst>> Code(Blocks.size());
  for (size_t I = 0; I < Comments.Starts.size(); ++I)
    Blocks[I + 1].IrBlock = Comments.Starts[I].IrBlock;
  for (const llvm::MCInst &Inst : Streamer.Instructions) {
    const char *At = Inst.getLoc().getPointer();
    auto After = llvm::upper_bound(
        Comments.Starts, At,
        [](const char *P, const BlockComments::Start &S) { return P < S.At; });
    Code[After - Comments.Starts.begin()].push_back(Inst);
  }
  std::vector<AssemblyBlock> Result;
  for (size_t I = 0; I < Blocks.size(); ++I) {
    if (Code[I].empty())
      continue;
    auto Cycles = cyclesPerExecution(*MC, Code[I]);
    if (!Cycles)
      return Cycles.takeError();
    Blocks[I].Instructions = Code[I].size();
    Blocks[I].Cycles = *Cycles;
    Result.push_back(Blocks[I]);
  }
  return Result;
}

llvm::Expected<RuntimeProxyEstimate> estimateRuntimeProxy(const llvm::Module &M,
                                                          const RunSpec &Spec) {
  std::unique_ptr<llvm::Module> Named = llvm::CloneModule(M);
  unsigned IrBlocks = nameBlocks(*Named);

  std::unique_ptr<llvm::Module> Counted = llvm::CloneModule(*Named);
  instrumentBlocks(*Counted, IrBlocks);
  auto Built = Program::build(*Counted, Spec);
  if (!Built)
    return Built.takeError();
  auto Ran = Built->run(Spec);
  if (!Ran)
    return Ran.takeError();
  auto Counts = readCounts(Ran->first.StandardError, IrBlocks);
  if (!Counts)
    return Counts.takeError();

  auto Assembly = emitAssembly(*Named);
  if (!Assembly)
    return Assembly.takeError();
  auto Blocks = analyseAssembly(*Assembly, M.getTargetTriple(), cpuOf(M));
  if (!Blocks)
    return Blocks.takeError();

  RuntimeProxyEstimate Estimate;
  uint64_t Executions = 0;
  for (const AssemblyBlock &Block : *Blocks) {
    // A block codegen made runs as often as the one laid out before it.
    if (Block.IrBlock && *Block.IrBlock < Counts->size())
      Executions = (*Counts)[*Block.IrBlock];
    Estimate.Cycles += Block.Cycles * Executions;
  }
  Estimate.Blocks = std::move(*Blocks);
  Estimate.Executions = std::move(*Counts);
  return Estimate;
}

} // namespace passgym
