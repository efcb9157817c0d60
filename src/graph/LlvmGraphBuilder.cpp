//===- graph/LlvmGraphBuilder.cpp - ProGraML graphs of LLVM modules -------===//
//
// Three passes over the module, each in module order (functions, blocks,
// instructions, operands):
//   1. one node per instruction (or per declaration, a stand-in), with the
//      control edges;
//   2. the operands: variable, constant and type nodes on first use, with the
//      data and type edges;
//   3. the call edges, once every function's entry and exits are known.
// The maps below are only ever looked up, never iterated, so pointer values
// cannot influence the numbering.
//
//===----------------------------------------------------------------------===//
#include "graph/LlvmGraphBuilder.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/BasicBlock.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/InstrTypes.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Metadata.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/ModuleSlotTracker.h"
#include "llvm/IR/TypeFinder.h"
#include "llvm/Support/raw_ostream.h"

namespace passgym::graph {
namespace {

/// ProGraML's text for the stand-in node of a function without a body.
constexpr llvm::StringLiteral kDeclarationText = "; undefined function";
constexpr llvm::StringLiteral kRootText = "[external]";

struct FunctionEnds {
  uint32_t Entry = 0;
  /// Last instructions of the blocks, reachable from the entry, that have no
  /// successors (returns and unreachables), in block order.
  llvm::SmallVector<uint32_t, 2> Exits;
};

class Builder {
public:
  explicit Builder(const llvm::Module &M) : M(M), Slots(&M) {}

  llvm::Expected<ProgramGraph> build();

private:
  void addInstructions(const llvm::Function &F, uint32_t FunctionIndex);
  llvm::Error addOperands(const llvm::Instruction &I, uint32_t FunctionIndex);
  void addCallSite(uint32_t Site, const FunctionEnds &Callee);

  uint32_t variable(const llvm::Value &V, uint32_t FunctionIndex);
  uint32_t constant(const llvm::Constant &C);
  uint32_t type(llvm::Type *T);
  uint32_t newType(llvm::Type *T);

  std::string operandText(const llvm::Value &V);
  std::string typeText(llvm::Type *T);

  const llvm::Module &M;
  llvm::ModuleSlotTracker Slots;
  ProgramGraph G;
  uint32_t Root = 0;
  uint32_t NumBlocks = 0;

  llvm::DenseMap<const llvm::Instruction *, uint32_t> InstructionNodes;
  /// Variables (arguments and instruction results) and constants.
  llvm::DenseMap<const llvm::Value *, uint32_t> ValueNodes;
  /// Shared type nodes; struct members are not in here (see newType()).
  llvm::DenseMap<llvm::Type *, uint32_t> TypeNodes;
  llvm::DenseMap<const llvm::Function *, uint32_t> FunctionIndices;
  std::vector<FunctionEnds> Ends;
  /// LLVM's numbers of the unnamed non-literal structs, which Type::print
  /// would otherwise show by address.
  llvm::DenseMap<llvm::StructType *, unsigned> UnnamedStructs;
};

std::string trimmed(std::string S) {
  size_t Start = S.find_first_not_of(" \t\n");
  return Start == std::string::npos ? std::string() : S.substr(Start);
}

/// The name of a struct as the IR printer writes it: quoted unless it is
/// made only of the characters an unquoted name may hold.
std::string structName(llvm::StringRef Name) {
  auto Plain = [](char C) {
    return llvm::isAlnum(C) || C == '-' || C == '$' || C == '.' || C == '_';
  };
  if (llvm::all_of(Name, Plain) && !llvm::isDigit(Name.front()))
    return ("%" + Name).str();
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  OS << "%\"";
  llvm::printEscapedString(Name, OS);
  OS << '"';
  return Text;
}

llvm::Expected<ProgramGraph> Builder::build() {
  G.Mod = {M.getSourceFileName(), M.getTargetTriple(), M.getDataLayoutStr()};
  Root = G.addNode(NodeType::Instruction, kRootText.str(), "");

  llvm::TypeFinder Types;
  Types.run(M, /*onlyNamed=*/false);
  unsigned NextUnnamed = 0;
  for (llvm::StructType *S : Types)
    if (!S->isLiteral() && !S->hasName())
      UnnamedStructs[S] = NextUnnamed++;

  for (const llvm::Function &F : M) {
    uint32_t Index = static_cast<uint32_t>(G.Functions.size());
    FunctionIndices[&F] = Index;
    G.Functions.push_back({F.getName().str(), 0});
    addInstructions(F, Index);
    G.Functions.back().Entry = Ends.back().Entry;
  }

  for (const llvm::Function &F : M) {
    if (F.isDeclaration())
      continue;
    Slots.incorporateFunction(F);
    uint32_t Index = FunctionIndices.lookup(&F);
    for (const llvm::BasicBlock &BB : F)
      for (const llvm::Instruction &I : BB)
        if (llvm::Error E = addOperands(I, Index))
          return E;
  }

  // ProGraML joins the root to every function, internal ones and
  // declarations included, not only to those visible outside the module.
  for (const FunctionEnds &F : Ends)
    addCallSite(Root, F);
  for (const llvm::Function &F : M)
    for (const llvm::BasicBlock &BB : F)
      for (const llvm::Instruction &I : BB) {
        const auto *Call = llvm::dyn_cast<llvm::CallBase>(&I);
        // Indirect calls have no edges: the callee is unknown statically.
        const llvm::Function *Callee =
            Call ? Call->getCalledFunction() : nullptr;
        if (!Callee)
          continue;
        auto It = FunctionIndices.find(Callee);
        if (It == FunctionIndices.end())
          return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                         "call to function `%s` outside the "
                                         "module",
                                         Callee->getName().str().c_str());
        addCallSite(InstructionNodes.lookup(&I), Ends[It->second]);
      }

  G.sortEdges();
  // A linear pass over what was built, far cheaper than building it: a
  // builder bug shows up as an error naming the broken node or edge, not as a
  // silently wrong observation.
  if (llvm::Error E = G.check())
    return llvm::createStringError("the graph built for '" +
                                   M.getModuleIdentifier() +
                                   "' is malformed: " + toString(std::move(E)));
  return std::move(G);
}

void Builder::addInstructions(const llvm::Function &F, uint32_t FunctionIndex) {
  FunctionEnds FE;
  if (F.isDeclaration()) {
    // A body-less function still gets a node, so that calls to it have an
    // entry and an exit to join.
    FE.Entry = G.addNode(NodeType::Instruction, kDeclarationText.str(), "",
                         FunctionIndex);
    FE.Exits.push_back(FE.Entry);
    Ends.push_back(std::move(FE));
    return;
  }

  Slots.incorporateFunction(F);
  llvm::DenseMap<const llvm::BasicBlock *, std::pair<uint32_t, uint32_t>>
      BlockEnds;
  for (const llvm::BasicBlock &BB : F) {
    uint32_t Block = NumBlocks++;
    std::optional<uint32_t> Previous;
    uint32_t First = 0;
    for (const llvm::Instruction &I : BB) {
      std::string Text;
      llvm::raw_string_ostream OS(Text);
      I.print(OS, Slots);
      uint32_t Node = G.addNode(NodeType::Instruction, I.getOpcodeName(),
                                trimmed(std::move(Text)), FunctionIndex, Block);
      InstructionNodes[&I] = Node;
      if (Previous)
        G.addEdge(EdgeFlow::Control, *Previous, Node);
      else
        First = Node;
      Previous = Node;
    }
    BlockEnds[&BB] = {First, *Previous};
  }

  // Every block's edges, even a block unreachable from the entry (ProGraML
  // walks only the reachable ones), so that no instruction is left without
  // its successors.
  for (const llvm::BasicBlock &BB : F) {
    uint32_t Last = BlockEnds.lookup(&BB).second;
    int32_t Position = 0;
    for (const llvm::BasicBlock *Succ : llvm::successors(&BB))
      G.addEdge(EdgeFlow::Control, Last, BlockEnds.lookup(Succ).first,
                Position++);
  }

  // Exits are those a call can return from, so only reachable blocks count.
  llvm::SmallPtrSet<const llvm::BasicBlock *, 16> Reachable;
  llvm::SmallVector<const llvm::BasicBlock *, 16> Work{&F.getEntryBlock()};
  Reachable.insert(&F.getEntryBlock());
  while (!Work.empty()) {
    const llvm::BasicBlock *BB = Work.pop_back_val();
    for (const llvm::BasicBlock *Succ : llvm::successors(BB))
      if (Reachable.insert(Succ).second)
        Work.push_back(Succ);
  }
  FE.Entry = BlockEnds.lookup(&F.getEntryBlock()).first;
  for (const llvm::BasicBlock &BB : F)
    if (Reachable.contains(&BB) && llvm::succ_empty(&BB))
      FE.Exits.push_back(BlockEnds.lookup(&BB).second);
  Ends.push_back(std::move(FE));
}

llvm::Error Builder::addOperands(const llvm::Instruction &I,
                                 uint32_t FunctionIndex) {
  uint32_t User = InstructionNodes.lookup(&I);
  // Positions count every operand, the skipped ones too, as in ProGraML, so
  // a position is always the operand's index in the instruction.
  int32_t Position = -1;
  for (const llvm::Use &U : I.operands()) {
    ++Position;
    const llvm::Value *V = U.get();
    // Callees and other function operands are represented by call edges,
    // labels by control edges; inline assembly and metadata carry no data.
    if (llvm::isa<llvm::Function, llvm::BasicBlock, llvm::InlineAsm,
                  llvm::MetadataAsValue>(V))
      continue;
    if (const auto *C = llvm::dyn_cast<llvm::Constant>(V)) {
      G.addEdge(EdgeFlow::Data, constant(*C), User, Position);
      continue;
    }
    if (llvm::isa<llvm::Instruction, llvm::Argument>(V)) {
      G.addEdge(EdgeFlow::Data, variable(*V, FunctionIndex), User, Position);
      continue;
    }
    std::string Text;
    llvm::raw_string_ostream OS(Text);
    I.print(OS, Slots);
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "unknown kind of operand %d of instruction `%s`", Position,
        trimmed(std::move(Text)).c_str());
  }
  return llvm::Error::success();
}

void Builder::addCallSite(uint32_t Site, const FunctionEnds &Callee) {
  G.addEdge(EdgeFlow::Call, Site, Callee.Entry);
  for (uint32_t Exit : Callee.Exits)
    G.addEdge(EdgeFlow::Call, Exit, Site);
}

/// One node per argument or instruction result, created at its first use:
/// values nothing uses get none, as in ProGraML.
uint32_t Builder::variable(const llvm::Value &V, uint32_t FunctionIndex) {
  auto It = ValueNodes.find(&V);
  if (It != ValueNodes.end())
    return It->second;
  std::optional<uint32_t> Block;
  const auto *Producer = llvm::dyn_cast<llvm::Instruction>(&V);
  uint32_t ProducerNode = 0;
  if (Producer) {
    ProducerNode = InstructionNodes.lookup(Producer);
    Block = G.Nodes[ProducerNode].Block;
  }
  uint32_t Node = G.addNode(NodeType::Variable, "var", operandText(V),
                            FunctionIndex, Block);
  ValueNodes[&V] = Node;
  if (Producer)
    G.addEdge(EdgeFlow::Data, ProducerNode, Node);
  G.addEdge(EdgeFlow::Type, type(V.getType()), Node);
  return Node;
}

/// Constants (globals included) belong to the module, not to a function, and
/// LLVM uniques them, so each distinct one is a single node.
uint32_t Builder::constant(const llvm::Constant &C) {
  auto It = ValueNodes.find(&C);
  if (It != ValueNodes.end())
    return It->second;
  uint32_t Node = G.addNode(NodeType::Constant, "val", operandText(C));
  ValueNodes[&C] = Node;
  G.addEdge(EdgeFlow::Type, type(C.getType()), Node);
  return Node;
}

uint32_t Builder::type(llvm::Type *T) {
  auto It = TypeNodes.find(T);
  if (It != TypeNodes.end())
    return It->second;
  uint32_t Node = newType(T);
  TypeNodes[T] = Node;
  return Node;
}

uint32_t Builder::newType(llvm::Type *T) {
  if (auto *S = llvm::dyn_cast<llvm::StructType>(T)) {
    uint32_t Node = G.addNode(NodeType::Type, "struct", typeText(T));
    // ProGraML gives each member a type node of its own rather than sharing
    // one, so that a struct's members form its own subtree.
    for (unsigned I = 0, E = S->getNumElements(); I < E; ++I)
      G.addEdge(EdgeFlow::Type, newType(S->getElementType(I)), Node,
                static_cast<int32_t>(I));
    return Node;
  }
  if (llvm::isa<llvm::PointerType>(T))
    // Opaque pointers have no pointee type to link to.
    return G.addNode(NodeType::Type, "*", typeText(T));
  if (llvm::isa<llvm::ArrayType, llvm::VectorType>(T)) {
    uint32_t Node =
        G.addNode(NodeType::Type,
                  llvm::isa<llvm::ArrayType>(T) ? "[]" : "vector", typeText(T));
    llvm::Type *Element =
        llvm::isa<llvm::ArrayType>(T)
            ? T->getArrayElementType()
            : llvm::cast<llvm::VectorType>(T)->getElementType();
    G.addEdge(EdgeFlow::Type, type(Element), Node);
    return Node;
  }
  std::string Text = typeText(T);
  return G.addNode(NodeType::Type, Text, Text);
}

std::string Builder::operandText(const llvm::Value &V) {
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  V.printAsOperand(OS, /*PrintType=*/true, Slots);
  return Text;
}

/// LLVM's spelling of \p T, except that unnamed non-literal structs are
/// numbered the way the module printer numbers them instead of by address.
std::string Builder::typeText(llvm::Type *T) {
  if (auto *S = llvm::dyn_cast<llvm::StructType>(T)) {
    auto It = UnnamedStructs.find(S);
    if (It != UnnamedStructs.end())
      return "%" + std::to_string(It->second);
    // Type::print would spell out a named struct's body, not its name.
    if (S->hasName())
      return structName(S->getName());
    if (S->isLiteral()) {
      if (!S->getNumElements())
        return S->isPacked() ? "<{}>" : "{}";
      std::string Text = "{ ";
      for (unsigned I = 0, E = S->getNumElements(); I < E; ++I)
        Text += (I ? ", " : "") + typeText(S->getElementType(I));
      Text += " }";
      return S->isPacked() ? "<" + Text + ">" : Text;
    }
  }
  if (auto *A = llvm::dyn_cast<llvm::ArrayType>(T))
    return "[" + std::to_string(A->getNumElements()) + " x " +
           typeText(A->getElementType()) + "]";
  if (auto *V = llvm::dyn_cast<llvm::VectorType>(T)) {
    auto Count = V->getElementCount();
    return std::string("<") + (Count.isScalable() ? "vscale x " : "") +
           std::to_string(Count.getKnownMinValue()) + " x " +
           typeText(V->getElementType()) + ">";
  }
  if (auto *F = llvm::dyn_cast<llvm::FunctionType>(T)) {
    std::string Text = typeText(F->getReturnType()) + " (";
    for (unsigned I = 0, E = F->getNumParams(); I < E; ++I)
      Text += (I ? ", " : "") + typeText(F->getParamType(I));
    if (F->isVarArg())
      Text += F->getNumParams() ? ", ..." : "...";
    return Text + ")";
  }
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  T->print(OS);
  return Text;
}

} // namespace

llvm::Expected<ProgramGraph> buildProgramGraph(const llvm::Module &M) {
  return Builder(M).build();
}

} // namespace passgym::graph
