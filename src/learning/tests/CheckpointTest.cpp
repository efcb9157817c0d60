#include "learning/training/Checkpoint.h"
#include "support/Files.h"

#include "learning/networks/Serialization.h"

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

/// Two Autophase-shaped vectors, for a normalizer of the right width.
std::vector<std::vector<int64_t>> autophaseVectors() {
  std::vector<int64_t> A, B;
  for (int64_t I = 0; I < static_cast<int64_t>(kAutophaseFeatureCount); ++I) {
    A.push_back(I);
    B.push_back(2 * I + 1);
  }
  return {A, B};
}

/// A small policy on the state \p Kind, one state to run it on, trainer
/// state bytes, and the normalizer the state needs.
struct Fixture {
  Vocabulary Vocab = Vocabulary::fromTexts({"a", "b", "c"});
  ActionSpaceIdentity Actions{"test-actions",
                              {"mem2reg", "instcombine", "licm"}};
  Observation Seen;
  StateEncoding Encoding;
  StateBatch States;
  Actor Policy{nullptr};
  std::string TrainerState =
      archiveBytes([](torch::serialize::OutputArchive &A) {
        A.write("step", torch::tensor({3}));
      });

  explicit Fixture(StateKind Kind = StateKind::Graph, int64_t Hidden = 4) {
    torch::manual_seed(7);
    Seen.Graph.emplace();
    for (const char *T : {"a", "b", "c"})
      Seen.Graph->addNode(graph::NodeType::Instruction, T, T);
    Seen.Graph->addEdge(graph::EdgeFlow::Control, 0, 1, 0);
    Seen.Graph->addEdge(graph::EdgeFlow::Data, 2, 1, 1);
    Seen.Autophase = autophaseVectors()[1];
    Encoding.Kind = Kind;
    Encoding.Vocab = Vocab;
    Encoding.Normalizer = take(AutophaseNormalizer::fit(autophaseVectors()));
    States = encodeStates({&Seen, &Seen}, Encoding);

    NetworkOptions O;
    O.State = Kind;
    O.Encoder = EncoderKind::Ggnn;
    O.VocabularySize = static_cast<int64_t>(Vocab.size());
    O.HiddenSize = Hidden;
    O.Layers = 2;
    O.ReadoutPooling = Pooling::Sum;
    O.NumActions = static_cast<int64_t>(Actions.Pipelines.size());
    Policy = Actor(O);
  }

  /// Moves every parameter, as a training step would.
  void step() {
    torch::NoGradGuard NoGrad;
    for (torch::Tensor &P : Policy->parameters())
      P.add_(0.125);
  }

  CheckpointContents contents(CheckpointCounters Counters = {1234, 5}) {
    CheckpointContents C;
    C.Algorithm = Agent::Sac;
    C.RewardSpace = "ObjectTextSizeBytesOz";
    C.EpisodeLength = 12;
    C.Policy = Policy;
    C.TrainerState = TrainerState;
    C.Vocab = Vocab;
    C.Normalizer = Encoding.Normalizer;
    C.ActionSpace = Actions;
    C.Counters = Counters;
    return C;
  }
};

void expectSameParameters(const Actor &A, const Actor &B) {
  auto PA = A->named_parameters();
  auto PB = B->named_parameters();
  ASSERT_EQ(PA.size(), PB.size());
  for (const auto &Item : PA) {
    ASSERT_TRUE(PB.contains(Item.key())) << Item.key();
    EXPECT_TRUE(torch::equal(Item.value(), PB[Item.key()])) << Item.key();
  }
}

TEST(CheckpointTest, RoundTripRestoresEverything) {
  for (StateKind Kind :
       {StateKind::Graph, StateKind::Autophase, StateKind::GraphAndAutophase}) {
    SCOPED_TRACE(nameOf(kStateKindNames, Kind));
    Fixture F(Kind);
    auto Dir = take(TempDir::create("passgym-ckpt-test"));
    std::string Path = Dir.file("agent");
    check(saveCheckpoint(Path, F.contents()));

    CheckpointContents L =
        take(loadCheckpoint(Path, CheckpointExpectations{F.Actions, F.Vocab}));

    // Parameters, options and outputs.
    expectSameParameters(F.Policy, L.Policy);
    const NetworkOptions &A = F.Policy->Options, &B = L.Policy->Options;
    EXPECT_EQ(B.State, A.State);
    EXPECT_EQ(B.Encoder, A.Encoder);
    EXPECT_EQ(B.VocabularySize, A.VocabularySize);
    EXPECT_EQ(B.HiddenSize, A.HiddenSize);
    EXPECT_EQ(B.Layers, A.Layers);
    EXPECT_EQ(B.MaxPosition, A.MaxPosition);
    EXPECT_EQ(B.ReadoutPooling, A.ReadoutPooling);
    EXPECT_EQ(B.AutophaseWidth, A.AutophaseWidth);
    EXPECT_EQ(B.NumActions, A.NumActions);
    {
      torch::NoGradGuard NoGrad;
      EXPECT_TRUE(torch::equal(F.Policy(F.States), L.Policy(F.States)));
    }

    // The rest.
    EXPECT_EQ(L.Algorithm, Agent::Sac);
    EXPECT_EQ(L.RewardSpace, "ObjectTextSizeBytesOz");
    EXPECT_EQ(L.EpisodeLength, 12);
    EXPECT_EQ(L.TrainerState, F.TrainerState);
    EXPECT_EQ(L.Counters, (CheckpointCounters{1234, 5}));
    EXPECT_EQ(L.Vocab, F.Vocab);
    EXPECT_EQ(L.ActionSpace, F.Actions);
    ASSERT_TRUE(L.Normalizer);
    EXPECT_EQ(L.Normalizer->mean(), F.Encoding.Normalizer->mean());
    EXPECT_EQ(L.Normalizer->stddev(), F.Encoding.Normalizer->stddev());
    EXPECT_EQ(L.Normalizer->usesLog1p(), F.Encoding.Normalizer->usesLog1p());
    // Nothing but the checkpoint is left beside it.
    EXPECT_EQ(listDir(Dir.path()), std::vector<std::string>{"agent"});
  }
}

TEST(CheckpointTest, TrainerStateAndNormalizerAreOptional) {
  Fixture F;
  auto Dir = take(TempDir::create("passgym-ckpt-test"));
  CheckpointContents C = F.contents();
  C.TrainerState.clear();
  C.Normalizer.reset();
  check(saveCheckpoint(Dir.file("agent"), C));
  CheckpointContents L = take(loadCheckpoint(Dir.file("agent")));
  EXPECT_TRUE(L.TrainerState.empty());
  EXPECT_FALSE(L.Normalizer);
  expectSameParameters(F.Policy, L.Policy);
}

TEST(CheckpointTest, AutophaseStateNeedsItsNormalizer) {
  Fixture F(StateKind::GraphAndAutophase);
  auto Dir = take(TempDir::create("passgym-ckpt-test"));
  CheckpointContents C = F.contents();
  C.Normalizer.reset();
  std::string Error = errorOf(saveCheckpoint(Dir.file("agent"), C));
  EXPECT_NE(Error.find("state 'graph+autophase' needs an Autophase "
                       "normalizer"),
            std::string::npos)
      << Error;
}

/// Replaces \p Name in the checkpoint at \p Path by \p Bytes and records
/// their hash, so that only what reads the payload can notice.
void replacePayload(const std::string &Path, const std::string &Name,
                    const std::string &Bytes) {
  writeFile(Path + "/" + Name, Bytes);
  auto Manifest = nlohmann::json::parse(readFile(Path + "/manifest.json"));
  Manifest["payloads"][Name]["blake3"] = bytesHash(Bytes);
  writeFile(Path + "/manifest.json", Manifest.dump());
}

TEST(CheckpointTest, TensorOfAnotherShapeIsRefused) {
  // The policy of a wider network, its hash copied into the manifest.
  Fixture Narrow(StateKind::Graph, 4), Wide(StateKind::Graph, 6);
  auto Dir = take(TempDir::create("passgym-ckpt-test"));
  check(saveCheckpoint(Dir.file("narrow"), Narrow.contents()));
  check(saveCheckpoint(Dir.file("wide"), Wide.contents()));
  replacePayload(Dir.file("narrow"), "policy.pt",
                 readFile(Dir.file("wide") + "/policy.pt"));
  std::string Error = errorOf(loadCheckpoint(Dir.file("narrow")));
  EXPECT_NE(Error.find("'policy.pt': tensor 'encoder.ggnn.embedding.text."
                       "weight' has shape [4, 6], the network's options "
                       "make it [4, 4]"),
            std::string::npos)
      << Error;
  EXPECT_EQ(Error.find('\n'), std::string::npos) << Error;
}

TEST(CheckpointTest, FlippedByteIsCorrupt) {
  Fixture F;
  auto Dir = take(TempDir::create("passgym-ckpt-test"));
  std::string Path = Dir.file("agent");
  check(saveCheckpoint(Path, F.contents()));
  std::string Bytes = readFile(Path + "/policy.pt");
  Bytes[Bytes.size() / 2] ^= 0x01;
  writeFile(Path + "/policy.pt", Bytes);
  std::string Error = errorOf(loadCheckpoint(Path));
  EXPECT_NE(Error.find("corrupt"), std::string::npos) << Error;
  EXPECT_NE(Error.find("'policy.pt'"), std::string::npos) << Error;
  EXPECT_NE(Error.find(Path), std::string::npos) << Error;
}

TEST(CheckpointTest, UnreadableTorchPayloadIsAnError) {
  Fixture F;
  auto Dir = take(TempDir::create("passgym-ckpt-test"));
  std::string Path = Dir.file("agent");
  check(saveCheckpoint(Path, F.contents()));
  replacePayload(Path, "policy.pt", "this is not a zip archive");
  std::string Error = errorOf(loadCheckpoint(Path));
  EXPECT_NE(Error.find("checkpoint '" + Path + "': 'policy.pt': "),
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
  CheckpointContents L = take(loadCheckpoint(Path));
  EXPECT_EQ(L.Counters, (CheckpointCounters{20, 2}));
  expectSameParameters(F.Policy, L.Policy);
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
