#include "learning/training/Checkpoint.h"
#include "learning/inputs/GraphBatch.h"

#include "support/ModuleHash.h"
#include "support/TempDir.h"
#include "support/tests/TestHelpers.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <sys/resource.h>

namespace passgym::learning {
namespace {

using testing::check;
using testing::errorOf;
using testing::take;

std::string readFile(const std::string &Path) {
  auto B = llvm::MemoryBuffer::getFile(Path);
  if (!B)
    throw std::runtime_error("cannot read " + Path);
  return std::string((*B)->getBuffer());
}

void writeFile(const std::string &Path, const std::string &Bytes) {
  check(writeFileAtomically(Path, Bytes));
}

/// Entries of \p Dir, to check that a save leaves no temporary siblings.
std::vector<std::string> listDir(const std::string &Dir) {
  std::vector<std::string> Names;
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator It(Dir, EC), End; It != End && !EC;
       It.increment(EC))
    Names.push_back(std::string(llvm::sys::path::filename(It->path())));
  std::sort(Names.begin(), Names.end());
  return Names;
}

/// A small agent, one graph to run it on, and an Adam that has taken two
/// steps, so that its state is not the initial one.
struct Fixture {
  Vocabulary Vocab = Vocabulary::fromTexts({"a", "b", "c"});
  ActionSpaceIdentity Actions{"test-actions",
                              {"mem2reg", "instcombine", "licm"}};
  graph::ProgramGraph G;
  GraphBatch Batch;
  AgentNetwork Network{nullptr};
  std::unique_ptr<torch::optim::Adam> Optimizer;
  AutophaseNormalizer Normalizer;

  Fixture() {
    torch::manual_seed(7);
    for (const char *T : {"a", "b", "c"})
      G.addNode(graph::NodeType::Instruction, T, T);
    G.addEdge(graph::EdgeFlow::Control, 0, 1, 0);
    G.addEdge(graph::EdgeFlow::Data, 2, 1, 1);
    Batch = makeBatch({&G, &G}, Vocab);

    AgentNetworkOptions O;
    O.Encoder = EncoderKind::Ggnn;
    O.VocabularySize = static_cast<int64_t>(Vocab.size());
    O.HiddenSize = 4;
    O.Layers = 2;
    O.ReadoutPooling = Pooling::Sum;
    O.NumActions = static_cast<int64_t>(Actions.Pipelines.size());
    Network = AgentNetwork(O);
    Optimizer = std::make_unique<torch::optim::Adam>(
        Network->parameters(), torch::optim::AdamOptions(3e-3).eps(1e-5));
    step();
    step();
    Normalizer = take(AutophaseNormalizer::fit(
        std::vector<std::vector<int64_t>>{{1, 2, 3}, {4, 8, 16}}));
  }

  /// One Adam step on a loss that touches every head.
  void step() { stepOn(Network, *Optimizer, Batch); }

  static void stepOn(AgentNetwork &Net, torch::optim::Adam &Opt,
                     const GraphBatch &Batch) {
    Opt.zero_grad();
    AgentOutput Out = Net->forward(Batch);
    (Out.Logits.square().sum() + Out.Value.sum() + Out.Q.sum()).backward();
    Opt.step();
  }

  CheckpointContents contents(CheckpointCounters Counters = {1234, 5}) {
    CheckpointContents C;
    C.Network = Network;
    C.Optimizer = Optimizer.get();
    C.Vocab = Vocab;
    C.Normalizer = Normalizer;
    C.ActionSpace = Actions;
    C.Counters = Counters;
    return C;
  }
};

const torch::optim::AdamParamState &adamState(const torch::optim::Adam &Opt,
                                              const torch::Tensor &P) {
  return static_cast<const torch::optim::AdamParamState &>(
      *Opt.state().at(c10::guts::to_string(P.unsafeGetTensorImpl())));
}

void expectSameParameters(const AgentNetwork &A, const AgentNetwork &B) {
  auto PA = A->named_parameters();
  auto PB = B->named_parameters();
  ASSERT_EQ(PA.size(), PB.size());
  for (const auto &Item : PA) {
    ASSERT_TRUE(PB.contains(Item.key())) << Item.key();
    EXPECT_TRUE(torch::equal(Item.value(), PB[Item.key()])) << Item.key();
  }
}

TEST(CheckpointTest, RoundTripRestoresEverything) {
  Fixture F;
  auto Dir = take(TempDir::create("passgym-ckpt-test"));
  std::string Path = Dir.file("agent");
  check(saveCheckpoint(Path, F.contents()));

  LoadedCheckpoint L =
      take(loadCheckpoint(Path, CheckpointExpectations{F.Actions, F.Vocab}));

  // Parameters, options and outputs.
  expectSameParameters(F.Network, L.Network);
  const AgentNetworkOptions &A = F.Network->Options, &B = L.Network->Options;
  EXPECT_EQ(B.Encoder, A.Encoder);
  EXPECT_EQ(B.VocabularySize, A.VocabularySize);
  EXPECT_EQ(B.HiddenSize, A.HiddenSize);
  EXPECT_EQ(B.Layers, A.Layers);
  EXPECT_EQ(B.MaxPosition, A.MaxPosition);
  EXPECT_EQ(B.ReadoutPooling, A.ReadoutPooling);
  EXPECT_EQ(B.AutophaseFusion, A.AutophaseFusion);
  EXPECT_EQ(B.AutophaseWidth, A.AutophaseWidth);
  EXPECT_EQ(B.NumActions, A.NumActions);
  {
    torch::NoGradGuard NoGrad;
    AgentOutput Before = F.Network->forward(F.Batch);
    AgentOutput After = L.Network->forward(F.Batch);
    EXPECT_TRUE(torch::equal(Before.Logits, After.Logits));
    EXPECT_TRUE(torch::equal(Before.Value, After.Value));
    EXPECT_TRUE(torch::equal(Before.Q, After.Q));
  }

  // Optimizer: options and per-parameter state.
  ASSERT_TRUE(L.Optimizer);
  const auto &Opts = static_cast<const torch::optim::AdamOptions &>(
      L.Optimizer->param_groups()[0].options());
  EXPECT_DOUBLE_EQ(Opts.lr(), 3e-3);
  EXPECT_DOUBLE_EQ(Opts.eps(), 1e-5);
  auto POld = F.Network->parameters();
  auto PNew = L.Network->parameters();
  ASSERT_EQ(POld.size(), PNew.size());
  for (size_t I = 0; I < POld.size(); ++I) {
    const auto &SOld = adamState(*F.Optimizer, POld[I]);
    const auto &SNew = adamState(*L.Optimizer, PNew[I]);
    EXPECT_EQ(SNew.step(), 2);
    EXPECT_EQ(SNew.step(), SOld.step());
    EXPECT_TRUE(torch::equal(SNew.exp_avg(), SOld.exp_avg())) << I;
    EXPECT_TRUE(torch::equal(SNew.exp_avg_sq(), SOld.exp_avg_sq())) << I;
  }
  // Resuming: one more step on each gives the same parameters only if the
  // moments and step count (bias correction) were restored.
  Fixture::stepOn(F.Network, *F.Optimizer, F.Batch);
  Fixture::stepOn(L.Network, *L.Optimizer, F.Batch);
  expectSameParameters(F.Network, L.Network);

  // The rest.
  EXPECT_EQ(L.Counters, (CheckpointCounters{1234, 5}));
  EXPECT_EQ(L.Vocab, F.Vocab);
  EXPECT_EQ(L.ActionSpace, F.Actions);
  ASSERT_TRUE(L.Normalizer);
  EXPECT_EQ(L.Normalizer->mean(), F.Normalizer.mean());
  EXPECT_EQ(L.Normalizer->stddev(), F.Normalizer.stddev());
  EXPECT_EQ(L.Normalizer->usesLog1p(), F.Normalizer.usesLog1p());
  // Nothing but the checkpoint is left beside it.
  EXPECT_EQ(listDir(Dir.path()), std::vector<std::string>{"agent"});
}

TEST(CheckpointTest, OptimizerAndNormalizerAreOptional) {
  Fixture F;
  auto Dir = take(TempDir::create("passgym-ckpt-test"));
  CheckpointContents C = F.contents();
  C.Optimizer = nullptr;
  C.Normalizer.reset();
  check(saveCheckpoint(Dir.file("agent"), C));
  LoadedCheckpoint L = take(loadCheckpoint(Dir.file("agent")));
  EXPECT_FALSE(L.Optimizer);
  EXPECT_FALSE(L.Normalizer);
  expectSameParameters(F.Network, L.Network);
}

TEST(CheckpointTest, FlippedByteIsCorrupt) {
  Fixture F;
  auto Dir = take(TempDir::create("passgym-ckpt-test"));
  std::string Path = Dir.file("agent");
  check(saveCheckpoint(Path, F.contents()));
  std::string Bytes = readFile(Path + "/network.pt");
  Bytes[Bytes.size() / 2] ^= 0x01;
  writeFile(Path + "/network.pt", Bytes);
  std::string Error = errorOf(loadCheckpoint(Path));
  EXPECT_NE(Error.find("corrupt"), std::string::npos) << Error;
  EXPECT_NE(Error.find("'network.pt'"), std::string::npos) << Error;
  EXPECT_NE(Error.find(Path), std::string::npos) << Error;
}

TEST(CheckpointTest, UnreadableTorchPayloadIsAnError) {
  Fixture F;
  auto Dir = take(TempDir::create("passgym-ckpt-test"));
  std::string Path = Dir.file("agent");
  check(saveCheckpoint(Path, F.contents()));
  // Garbage whose hash is recorded, so only torch can notice.
  std::string Garbage = "this is not a zip archive";
  writeFile(Path + "/optimizer.pt", Garbage);
  auto Manifest = nlohmann::json::parse(readFile(Path + "/manifest.json"));
  Manifest["payloads"]["optimizer.pt"]["blake3"] = bytesHash(Garbage);
  writeFile(Path + "/manifest.json", Manifest.dump());
  std::string Error = errorOf(loadCheckpoint(Path));
  EXPECT_NE(Error.find("torch cannot read payload 'optimizer.pt'"),
            std::string::npos)
      << Error;
  EXPECT_EQ(Error.find('\n'), std::string::npos) << Error;
}

TEST(CheckpointTest, BadManifestsAreErrors) {
  Fixture F;
  auto Dir = take(TempDir::create("passgym-ckpt-test"));
  std::string Path = Dir.file("agent");
  check(saveCheckpoint(Path, F.contents()));
  std::string Manifest = readFile(Path + "/manifest.json");

  writeFile(Path + "/manifest.json", Manifest.substr(0, Manifest.size() / 2));
  std::string Error = errorOf(loadCheckpoint(Path));
  EXPECT_NE(Error.find("manifest is not valid JSON"), std::string::npos)
      << Error;

  auto J = nlohmann::json::parse(Manifest);
  J["version"] = 99;
  writeFile(Path + "/manifest.json", J.dump());
  Error = errorOf(loadCheckpoint(Path));
  EXPECT_NE(Error.find("format version 99 is not supported"), std::string::npos)
      << Error;

  llvm::sys::fs::remove(Path + "/manifest.json");
  Error = errorOf(loadCheckpoint(Path));
  EXPECT_NE(Error.find("cannot read the manifest"), std::string::npos) << Error;

  Error = errorOf(loadCheckpoint(Dir.file("nowhere")));
  EXPECT_NE(Error.find("'" + Dir.file("nowhere") + "': does not exist"),
            std::string::npos)
      << Error;
}

TEST(CheckpointTest, ActionSpaceMismatchNamesFirstDifference) {
  Fixture F;
  auto Dir = take(TempDir::create("passgym-ckpt-test"));
  std::string Path = Dir.file("agent");
  check(saveCheckpoint(Path, F.contents()));

  ActionSpaceIdentity Other = F.Actions;
  Other.Pipelines[1] = "gvn";
  std::string Error =
      errorOf(loadCheckpoint(Path, CheckpointExpectations{Other, {}}));
  EXPECT_NE(Error.find("action space mismatch"), std::string::npos) << Error;
  EXPECT_NE(Error.find("with 3 actions"), std::string::npos) << Error;
  EXPECT_NE(Error.find("first difference at action 1: 'instcombine' vs "
                       "expected 'gvn'"),
            std::string::npos)
      << Error;

  Other = F.Actions;
  Other.Pipelines.push_back("sroa");
  Error = errorOf(loadCheckpoint(Path, CheckpointExpectations{Other, {}}));
  EXPECT_NE(Error.find("expected 'test-actions' with 4 actions"),
            std::string::npos)
      << Error;
  EXPECT_NE(Error.find("action 3: (none) vs expected 'sroa'"),
            std::string::npos)
      << Error;
}

TEST(CheckpointTest, VocabularyMismatch) {
  Fixture F;
  auto Dir = take(TempDir::create("passgym-ckpt-test"));
  std::string Path = Dir.file("agent");
  check(saveCheckpoint(Path, F.contents()));
  // Same size, different texts: only the hash tells them apart.
  std::string Error = errorOf(loadCheckpoint(
      Path,
      CheckpointExpectations{{}, Vocabulary::fromTexts({"a", "b", "x"})}));
  EXPECT_NE(Error.find("vocabulary mismatch"), std::string::npos) << Error;
  EXPECT_NE(Error.find("hash " + bytesHash(F.Vocab.toJson())),
            std::string::npos)
      << Error;
}

/// Makes every write past \p Bytes fail with EFBIG, even as root, for the
/// object's lifetime.
class FileSizeLimit {
public:
  explicit FileSizeLimit(rlim_t Bytes) {
    OldHandler = std::signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &Old);
    rlimit New = Old;
    New.rlim_cur = Bytes;
    setrlimit(RLIMIT_FSIZE, &New);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &Old);
    std::signal(SIGXFSZ, OldHandler);
  }

private:
  rlimit Old;
  void (*OldHandler)(int);
};

TEST(CheckpointTest, SavingReplacesAndFailuresKeepTheOld) {
  Fixture F;
  auto Dir = take(TempDir::create("passgym-ckpt-test"));
  std::string Path = Dir.file("agent");
  check(saveCheckpoint(Path, F.contents({10, 1})));
  F.step();
  check(saveCheckpoint(Path, F.contents({20, 2})));
  LoadedCheckpoint L = take(loadCheckpoint(Path));
  EXPECT_EQ(L.Counters, (CheckpointCounters{20, 2}));
  expectSameParameters(F.Network, L.Network);
  EXPECT_EQ(listDir(Dir.path()), std::vector<std::string>{"agent"});

  // A failure half-way through writing the new one.
  F.step();
  std::string Error;
  {
    FileSizeLimit Limit(600);
    Error = errorOf(saveCheckpoint(Path, F.contents({30, 3})));
  }
  EXPECT_NE(Error.find("checkpoint '" + Path + "'"), std::string::npos)
      << Error;
  // Inconsistent contents are refused before anything is written.
  CheckpointContents Bad = F.contents({40, 4});
  Bad.ActionSpace.Pipelines.pop_back();
  Error = errorOf(saveCheckpoint(Path, Bad));
  EXPECT_NE(Error.find("the action space has 2"), std::string::npos) << Error;
  // The old checkpoint survives both, and no temporary is left behind.
  EXPECT_EQ(take(loadCheckpoint(Path)).Counters, (CheckpointCounters{20, 2}));
  EXPECT_EQ(listDir(Dir.path()), std::vector<std::string>{"agent"});

  // The target's parent is a file.
  writeFile(Dir.file("file"), "x");
  Error = errorOf(saveCheckpoint(Dir.file("file") + "/agent", F.contents()));
  EXPECT_NE(Error.find("cannot create a temporary directory"),
            std::string::npos)
      << Error;

  // Something that is not a checkpoint is never replaced.
  Error = errorOf(saveCheckpoint(Dir.file("file"), F.contents()));
  EXPECT_NE(Error.find("is not a checkpoint directory"), std::string::npos)
      << Error;
  EXPECT_EQ(readFile(Dir.file("file")), "x");
}

} // namespace
} // namespace passgym::learning
