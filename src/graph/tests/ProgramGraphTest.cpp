#include "graph/ProgramGraph.h"
#include "graph/GraphExport.h"
#include "graph/LlvmGraphBuilder.h"

#include "support/tests/TestHelpers.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/AsmParser/Parser.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IRReader/IRReader.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace passgym::graph {
namespace {

using testing::take;

/// A parsed module with the context it lives in.
struct Parsed {
  std::unique_ptr<llvm::LLVMContext> Context;
  std::unique_ptr<llvm::Module> M;
};

Parsed parseFile(const std::string &Path) {
  Parsed P{std::make_unique<llvm::LLVMContext>(), nullptr};
  llvm::SMDiagnostic Diag;
  P.M = llvm::parseIRFile(Path, Diag, *P.Context);
  if (!P.M)
    throw std::runtime_error("cannot parse " + Path + ": " +
                             Diag.getMessage().str());
  return P;
}

Parsed parseTestData(const std::string &Name) {
  return parseFile(testing::testData("programl/" + Name));
}

constexpr NodeType I = NodeType::Instruction;
constexpr NodeType V = NodeType::Variable;
constexpr NodeType C = NodeType::Constant;
constexpr NodeType T = NodeType::Type;
constexpr EdgeFlow Ctl = EdgeFlow::Control;
constexpr EdgeFlow Dat = EdgeFlow::Data;
constexpr EdgeFlow Cal = EdgeFlow::Call;
constexpr EdgeFlow Typ = EdgeFlow::Type;
constexpr std::optional<uint32_t> None = std::nullopt;

/// What a node is, without its full text (checked separately where it says
/// something the rules decide).
using NodeKey = std::tuple<NodeType, std::string, std::optional<uint32_t>>;
using EdgeKey = std::tuple<EdgeFlow, uint32_t, uint32_t, int32_t>;

std::vector<NodeKey> nodeKeys(const ProgramGraph &G) {
  std::vector<NodeKey> Keys;
  for (const Node &N : G.Nodes)
    Keys.emplace_back(N.Type, N.Text, N.Function);
  return Keys;
}

std::vector<EdgeKey> edgeKeys(const ProgramGraph &G) {
  std::vector<EdgeKey> Keys;
  for (const Edge &E : G.Edges)
    Keys.emplace_back(E.Flow, E.Source, E.Target, E.Position);
  return Keys;
}

std::vector<EdgeKey> sorted(std::vector<EdgeKey> Keys) {
  std::sort(Keys.begin(), Keys.end());
  return Keys;
}

ProgramGraph buildChecked(const llvm::Module &M) {
  ProgramGraph G = take(buildProgramGraph(M));
  testing::check(G.check());
  return G;
}

TEST(ProgramGraphTest, SingleFunction) {
  Parsed P = parseTestData("add.ll");
  ProgramGraph G = buildChecked(*P.M);

  EXPECT_EQ(nodeKeys(G), (std::vector<NodeKey>{
                             {I, "[external]", None}, // 0 root
                             {I, "add", 0},           // 1
                             {I, "ret", 0},           // 2
                             {V, "var", 0},           // 3 %a
                             {T, "i32", None},        // 4 shared by 3, 5, 6
                             {V, "var", 0},           // 5 %b
                             {V, "var", 0},           // 6 %sum
                         }));
  EXPECT_EQ(edgeKeys(G), sorted({
                             {Ctl, 1, 2, 0},
                             {Dat, 3, 1, 0}, // %a is operand 0 of the add
                             {Dat, 5, 1, 1}, // %b is operand 1
                             {Dat, 1, 6, 0}, // the add defines %sum
                             {Dat, 6, 2, 0},
                             {Cal, 0, 1, 0}, // the root calls every function
                             {Cal, 2, 0, 0}, // and each return goes back
                             {Typ, 4, 3, 0},
                             {Typ, 4, 5, 0},
                             {Typ, 4, 6, 0},
                         }));

  EXPECT_EQ(G.Nodes[1].FullText, "%sum = add nsw i32 %a, %b");
  EXPECT_EQ(G.Nodes[3].FullText, "i32 %a");
  EXPECT_EQ(G.Nodes[6].FullText, "i32 %sum");
  EXPECT_EQ(G.Nodes[4].FullText, "i32");
  ASSERT_EQ(G.Functions.size(), 1u);
  EXPECT_EQ(G.Functions[0].Name, "add");
  EXPECT_EQ(G.Functions[0].Entry, 1u);
  EXPECT_EQ(G.Nodes[1].Block, 0u);
  EXPECT_EQ(G.Nodes[6].Block, 0u);
  EXPECT_EQ(G.Nodes[3].Block, std::nullopt); // arguments have no block
}

TEST(ProgramGraphTest, BranchAndPhi) {
  Parsed P = parseTestData("branch.ll");
  ProgramGraph G = buildChecked(*P.M);

  EXPECT_EQ(nodeKeys(G), (std::vector<NodeKey>{
                             {I, "[external]", None}, // 0
                             {I, "icmp", 0},          // 1 entry
                             {I, "br", 0},            // 2 entry
                             {I, "br", 0},            // 3 then
                             {I, "phi", 0},           // 4 end
                             {I, "ret", 0},           // 5 end
                             {V, "var", 0},           // 6 %a
                             {T, "i32", None},        // 7
                             {V, "var", 0},           // 8 %b
                             {V, "var", 0},           // 9 %cmp
                             {T, "i1", None},         // 10
                             {V, "var", 0},           // 11 %r
                         }));
  EXPECT_EQ(edgeKeys(G), sorted({
                             {Ctl, 1, 2, 0},
                             // Successor 0 of `br i1` is the true target
                             // (then), successor 1 the false one (end).
                             {Ctl, 2, 3, 0},
                             {Ctl, 2, 4, 1},
                             {Ctl, 3, 4, 0},
                             {Ctl, 4, 5, 0},
                             {Dat, 6, 1, 0},
                             {Dat, 8, 1, 1},
                             {Dat, 1, 9, 0},
                             // The condition is operand 0; the labels are
                             // operands too, but carry no data.
                             {Dat, 9, 2, 0},
                             // Phi operands are the incoming values, in
                             // order; their blocks are not operands.
                             {Dat, 6, 4, 0},
                             {Dat, 8, 4, 1},
                             {Dat, 4, 11, 0},
                             {Dat, 11, 5, 0},
                             {Cal, 0, 1, 0},
                             {Cal, 5, 0, 0},
                             {Typ, 7, 6, 0},
                             {Typ, 7, 8, 0},
                             {Typ, 10, 9, 0},
                             {Typ, 7, 11, 0},
                         }));
  EXPECT_EQ(G.Nodes[4].Block, 2u);
  EXPECT_EQ(G.Nodes[11].Block, 2u); // the block of the phi defining %r
}

TEST(ProgramGraphTest, CallsGlobalsAndDeclarations) {
  Parsed P = parseTestData("calls.ll");
  ProgramGraph G = buildChecked(*P.M);

  EXPECT_EQ(nodeKeys(G),
            (std::vector<NodeKey>{
                {I, "[external]", None},        // 0
                {I, "; undefined function", 0}, // 1 stands in for @ext
                {I, "add", 1},                  // 2 callee
                {I, "ret", 1},                  // 3 callee
                {I, "load", 2},                 // 4 caller
                {I, "call", 2},                 // 5 calls @callee
                {I, "call", 2},                 // 6 calls @ext
                {I, "store", 2},                // 7
                {I, "ret", 2},                  // 8
                {V, "var", 1},                  // 9 %x
                {T, "i32", None},               // 10
                {C, "val", None},               // 11 i32 1, in both
                {V, "var", 1},                  // 12 %y
                {C, "val", None},               // 13 @g: a constant
                {T, "*", None},                 // 14 ptr
                {V, "var", 2},                  // 15 %v
                {V, "var", 2},                  // 16 %r
                {V, "var", 2},                  // 17 %s
            }));
  EXPECT_EQ(edgeKeys(G), sorted({
                             {Ctl, 2, 3, 0},
                             {Ctl, 4, 5, 0},
                             {Ctl, 5, 6, 0},
                             {Ctl, 6, 7, 0},
                             {Ctl, 7, 8, 0},
                             {Dat, 9, 2, 0},
                             {Dat, 11, 2, 1},
                             {Dat, 2, 12, 0},
                             {Dat, 12, 3, 0},
                             {Dat, 13, 4, 0}, // the load reads @g
                             {Dat, 4, 15, 0},
                             // The argument is operand 0 of the call; the
                             // callee (operand 1) has a call edge instead.
                             {Dat, 15, 5, 0},
                             {Dat, 5, 16, 0},
                             {Dat, 16, 6, 0},
                             {Dat, 6, 17, 0},
                             {Dat, 17, 7, 0},
                             {Dat, 13, 7, 1}, // the store writes @g
                             // One node per distinct constant in the module,
                             // so `ret i32 1` shares the add's constant.
                             {Dat, 11, 8, 0},
                             // The root reaches every function, the internal
                             // callee and the declaration too.
                             {Cal, 0, 1, 0},
                             {Cal, 1, 0, 0},
                             {Cal, 0, 2, 0},
                             {Cal, 3, 0, 0},
                             {Cal, 0, 4, 0},
                             {Cal, 8, 0, 0},
                             {Cal, 5, 2, 0}, // call site -> callee entry
                             {Cal, 3, 5, 0}, // callee return -> call site
                             // A declaration's stand-in is its entry and
                             // its exit.
                             {Cal, 6, 1, 0},
                             {Cal, 1, 6, 0},
                             {Typ, 10, 9, 0},
                             {Typ, 10, 11, 0},
                             {Typ, 10, 12, 0},
                             {Typ, 14, 13, 0},
                             {Typ, 10, 15, 0},
                             {Typ, 10, 16, 0},
                             {Typ, 10, 17, 0},
                         }));

  EXPECT_EQ(G.Nodes[1].FullText, "");
  EXPECT_EQ(G.Nodes[11].FullText, "i32 1");
  EXPECT_EQ(G.Nodes[13].FullText, "ptr @g");
  EXPECT_EQ(G.Nodes[14].FullText, "ptr");
  ASSERT_EQ(G.Functions.size(), 3u);
  EXPECT_EQ(G.Functions[0].Name, "ext");
  EXPECT_EQ(G.Functions[0].Entry, 1u);
  EXPECT_EQ(G.Functions[1].Entry, 2u);
  EXPECT_EQ(G.Functions[2].Entry, 4u);
}

TEST(ProgramGraphTest, AggregateTypes) {
  Parsed P = parseTestData("types.ll");
  ProgramGraph G = buildChecked(*P.M);

  EXPECT_EQ(nodeKeys(G), (std::vector<NodeKey>{
                             {I, "[external]", None},  // 0
                             {I, "load", 0},           // 1
                             {I, "extractelement", 0}, // 2
                             {I, "add", 0},            // 3 defines %unused
                             {I, "store", 0},          // 4
                             {I, "ret", 0},            // 5
                             {V, "var", 0},            // 6 %p
                             {T, "*", None},           // 7
                             {V, "var", 0},            // 8 %v
                             {T, "vector", None},      // 9 <2 x i32>
                             {T, "i32", None},         // 10 shared
                             {C, "val", None},         // 11 i32 0
                             {V, "var", 0},            // 12 %e
                             {V, "var", 0},            // 13 %s
                             {T, "struct", None},      // 14 %struct.pair
                             {T, "i32", None},         // 15 member 0, own node
                             {T, "[]", None},          // 16 member 1
                             {T, "i8", None},          // 17
                         }));
  EXPECT_EQ(edgeKeys(G), sorted({
                             {Ctl, 1, 2, 0},
                             {Ctl, 2, 3, 0},
                             {Ctl, 3, 4, 0},
                             {Ctl, 4, 5, 0},
                             {Dat, 6, 1, 0},
                             {Dat, 8, 2, 0},
                             {Dat, 11, 2, 1},
                             {Dat, 2, 12, 0},
                             // One variable, used twice: two edges told
                             // apart by position.
                             {Dat, 12, 3, 0},
                             {Dat, 12, 3, 1},
                             // %unused has no uses, hence no variable.
                             {Dat, 1, 13, 0},
                             {Dat, 13, 4, 0},
                             {Dat, 6, 4, 1},
                             {Cal, 0, 1, 0},
                             {Cal, 5, 0, 0},
                             {Typ, 7, 6, 0},
                             {Typ, 10, 9, 0}, // element type of the vector
                             {Typ, 9, 8, 0},
                             {Typ, 10, 11, 0},
                             {Typ, 10, 12, 0},
                             {Typ, 15, 14, 0}, // member 0 of the struct
                             {Typ, 17, 16, 0}, // element type of the array
                             {Typ, 16, 14, 1}, // member 1 of the struct
                             {Typ, 14, 13, 0},
                         }));
  EXPECT_EQ(G.Nodes[9].FullText, "<2 x i32>");
  EXPECT_EQ(G.Nodes[14].FullText, "%struct.pair");
  EXPECT_EQ(G.Nodes[16].FullText, "[2 x i8]");
  EXPECT_EQ(G.Nodes[13].FullText, "%struct.pair %s");
}

TEST(ProgramGraphTest, IndirectCallsAndDeadBlocks) {
  Parsed P = parseTestData("edges.ll");
  ProgramGraph G = buildChecked(*P.M);

  EXPECT_EQ(nodeKeys(G), (std::vector<NodeKey>{
                             {I, "[external]", None}, // 0
                             {I, "call", 0},          // 1 entry
                             {I, "ret", 0},           // 2 entry
                             {I, "br", 0},            // 3 dead
                             {I, "ret", 0},           // 4 dead.ret
                             {I, "unreachable", 0},   // 5 lone
                             {V, "var", 0},           // 6 %f
                             {T, "*", None},          // 7
                         }));
  EXPECT_EQ(edgeKeys(G), sorted({
                             {Ctl, 1, 2, 0},
                             // Dead blocks keep their control edges (ProGraML
                             // walks only the blocks the entry reaches).
                             {Ctl, 3, 4, 0},
                             // The callee of an indirect call is a variable
                             // like any operand, and no call edge leaves it.
                             {Dat, 6, 1, 0},
                             {Cal, 0, 1, 0},
                             // Only the reachable return is an exit.
                             {Cal, 2, 0, 0},
                             {Typ, 7, 6, 0},
                         }));
  // Node 5 has no edges at all, which check() accepts for instructions.
}

TEST(ProgramGraphTest, JsonIsProgramlNodeLink) {
  Parsed P = parseTestData("calls.ll");
  ProgramGraph G = buildChecked(*P.M);
  nlohmann::json J = nlohmann::json::parse(toProgramlJson(G));

  EXPECT_EQ(J["directed"], true);
  EXPECT_EQ(J["multigraph"], true);
  ASSERT_EQ(J["nodes"].size(), G.Nodes.size());
  ASSERT_EQ(J["links"].size(), G.Edges.size());
  ASSERT_EQ(J["graph"]["function"].size(), 3u);
  EXPECT_EQ(J["graph"]["function"][2]["name"], "caller");
  EXPECT_EQ(J["graph"]["function"][2]["entry"], 4);
  EXPECT_EQ(J["graph"]["module"][0]["name"], G.Mod.Name);

  const nlohmann::json &Root = J["nodes"][0];
  EXPECT_EQ(Root["id"], 0);
  EXPECT_EQ(Root["type"], 0);
  EXPECT_EQ(Root["text"], "[external]");
  EXPECT_FALSE(Root.contains("function"));
  const nlohmann::json &Global = J["nodes"][13];
  EXPECT_EQ(Global["type"], 2);
  EXPECT_EQ(Global["features"]["full_text"][0], "ptr @g");
  EXPECT_EQ(J["nodes"][4]["function"], 2);
  EXPECT_EQ(J["nodes"][4]["features"]["full_text"][0],
            "%v = load i32, ptr @g, align 4");

  size_t PerFlow[4] = {0, 0, 0, 0};
  for (const nlohmann::json &L : J["links"]) {
    ASSERT_TRUE(L.contains("source") && L.contains("target") &&
                L.contains("key") && L.contains("position"));
    ++PerFlow[L["flow"].get<int>()];
  }
  EXPECT_EQ(PerFlow[0], 5u);  // control
  EXPECT_EQ(PerFlow[1], 13u); // data
  EXPECT_EQ(PerFlow[2], 10u); // call
  EXPECT_EQ(PerFlow[3], 7u);  // type
}

TEST(ProgramGraphTest, ParallelEdgesHaveDistinctKeys) {
  Parsed P = parseTestData("types.ll");
  nlohmann::json J = nlohmann::json::parse(toProgramlJson(buildChecked(*P.M)));
  std::vector<int> Keys;
  for (const nlohmann::json &L : J["links"])
    if (L["source"] == 12 && L["target"] == 3)
      Keys.push_back(L["key"]);
  EXPECT_EQ(Keys, (std::vector<int>{0, 1}));
}

TEST(ProgramGraphTest, DotShowsEveryNodeAndEdge) {
  Parsed P = parseTestData("calls.ll");
  ProgramGraph G = buildChecked(*P.M);
  std::string Dot = toGraphviz(G);

  EXPECT_TRUE(llvm::StringRef(Dot).starts_with("digraph main {"));
  for (size_t N = 0; N < G.Nodes.size(); ++N) {
    std::string Id = "n" + std::to_string(N) + " [label=\"";
    EXPECT_NE(Dot.find(Id + G.Nodes[N].Text + "\""), std::string::npos)
        << "missing node " << N;
  }
  for (const Edge &E : G.Edges) {
    std::string Arrow =
        "n" + std::to_string(E.Source) + " -> n" + std::to_string(E.Target);
    EXPECT_NE(Dot.find(Arrow), std::string::npos) << Arrow;
  }
  EXPECT_NE(Dot.find("subgraph cluster_2"), std::string::npos);
  EXPECT_NE(Dot.find("label=\"caller\""), std::string::npos);
}

TEST(ProgramGraphTest, DeterministicAcrossContexts) {
  // Separate contexts put every value at a different address, which would
  // show if any order depended on pointers.
  for (const char *Name :
       {"add.ll", "branch.ll", "calls.ll", "types.ll", "edges.ll"}) {
    Parsed A = parseTestData(Name);
    Parsed B = parseTestData(Name);
    ProgramGraph GA = buildChecked(*A.M);
    ProgramGraph GB = buildChecked(*B.M);
    EXPECT_EQ(GA, GB) << Name;
    EXPECT_EQ(toProgramlJson(GA), toProgramlJson(GB)) << Name;
    EXPECT_EQ(toGraphviz(GA), toGraphviz(GB)) << Name;
  }
}

TEST(ProgramGraphTest, CheckRejectsBrokenGraphs) {
  Parsed P = parseTestData("calls.ll");
  const ProgramGraph Good = buildChecked(*P.M);

  ProgramGraph Crossing = Good;
  Crossing.addEdge(EdgeFlow::Control, 3, 4); // callee's ret -> caller's load
  EXPECT_NE(testing::errorOf(Crossing.check()).find("crosses functions"),
            std::string::npos);

  ProgramGraph Orphan = Good;
  Orphan.addNode(NodeType::Constant, "val", "i32 7");
  EXPECT_NE(testing::errorOf(Orphan.check()).find("has no edges"),
            std::string::npos);

  ProgramGraph BadEntry = Good;
  BadEntry.Functions[1].Entry = 4; // an instruction of another function
  EXPECT_NE(testing::errorOf(BadEntry.check()).find("entry"),
            std::string::npos);

  ProgramGraph BadData = Good;
  BadData.addEdge(EdgeFlow::Data, 2, 3); // instruction -> instruction
  EXPECT_NE(testing::errorOf(BadData.check()).find("cannot join"),
            std::string::npos);

  ProgramGraph Empty;
  Empty.addNode(NodeType::Instruction, "[external]", "");
  EXPECT_FALSE(static_cast<bool>(Empty.check()));
}

/// Compiles a built-in program the way benchmarks are compiled.
Parsed compileBuiltin(const std::string &Source, const std::string &Output) {
  auto Clang = llvm::sys::findProgramByName("clang-19");
  if (!Clang)
    throw std::runtime_error("clang-19 not found");
  std::vector<llvm::StringRef> Args = {
      *Clang, "-O1", "-Xclang", "-disable-llvm-passes", "-emit-llvm", "-S",
      Source, "-o",  Output};
  std::string Message;
  int Status =
      llvm::sys::ExecuteAndWait(*Clang, Args, std::nullopt, {}, 0, 0, &Message);
  if (Status != 0)
    throw std::runtime_error("cannot compile " + Source + ": " + Message);
  return parseFile(Output);
}

TEST(ProgramGraphTest, BuiltinPrograms) {
  std::error_code EC;
  std::vector<std::string> Sources;
  for (llvm::sys::fs::directory_iterator It(PASSGYM_BUILTIN_DIR, EC), End;
       It != End && !EC; It.increment(EC))
    if (llvm::StringRef(It->path()).ends_with(".c"))
      Sources.push_back(It->path());
  ASSERT_FALSE(EC) << EC.message();
  std::sort(Sources.begin(), Sources.end());
  ASSERT_GE(Sources.size(), 20u);

  llvm::SmallString<128> Output;
  ASSERT_FALSE(
      llvm::sys::fs::createTemporaryFile("programl-builtin", "ll", Output));
  llvm::FileRemover Remove(Output);
  for (const std::string &Source : Sources) {
    SCOPED_TRACE(Source);
    Parsed P = compileBuiltin(Source, std::string(Output));
    ProgramGraph G = buildChecked(*P.M);
    size_t Instructions = 0;
    for (const llvm::Function &F : *P.M)
      Instructions += F.getInstructionCount();
    EXPECT_GT(G.Nodes.size(), Instructions);
    EXPECT_EQ(G.Functions.size(), P.M->size());

    // Every instruction, and nothing else, is an instruction node besides
    // the root and the declarations' stand-ins.
    size_t InstructionNodes = 0;
    for (const Node &N : G.Nodes)
      InstructionNodes += N.Type == NodeType::Instruction;
    size_t Declarations = 0;
    for (const llvm::Function &F : *P.M)
      Declarations += F.isDeclaration();
    EXPECT_EQ(InstructionNodes, Instructions + Declarations + 1);

    nlohmann::json J = nlohmann::json::parse(toProgramlJson(G));
    EXPECT_EQ(J["nodes"].size(), G.Nodes.size());
    EXPECT_EQ(J["links"].size(), G.Edges.size());
  }
}

} // namespace
} // namespace passgym::graph
