#include "env/WorkerProtocol.h"

#include "llvm/Support/MemoryBuffer.h"

namespace passgym::worker {
namespace {

enum class ObservationTag : uint64_t { None, Int, Double, Text, Vector, Graph };

void encodeOptional(MessageWriter &Out, const std::optional<uint32_t> &V) {
  Out.boolean(V.has_value()).u64(V.value_or(0));
}

std::optional<uint32_t> decodeOptional(MessageReader &In) {
  bool Has = In.boolean();
  uint32_t Value = static_cast<uint32_t>(In.u64());
  return Has ? std::optional<uint32_t>(Value) : std::nullopt;
}

void encodeGraph(MessageWriter &Out, const graph::ProgramGraph &G) {
  Out.u64(G.Nodes.size());
  for (const graph::Node &N : G.Nodes) {
    Out.u64(static_cast<uint64_t>(N.Type)).bytes(N.Text).bytes(N.FullText);
    encodeOptional(Out, N.Function);
    encodeOptional(Out, N.Block);
  }
  Out.u64(G.Edges.size());
  for (const graph::Edge &E : G.Edges)
    Out.u64(static_cast<uint64_t>(E.Flow))
        .u64(E.Source)
        .u64(E.Target)
        .i64(E.Position);
  Out.u64(G.Functions.size());
  for (const graph::Function &F : G.Functions)
    Out.bytes(F.Name).u64(F.Entry);
  Out.bytes(G.Mod.Name).bytes(G.Mod.TargetTriple).bytes(G.Mod.DataLayout);
}

graph::ProgramGraph decodeGraph(MessageReader &In) {
  graph::ProgramGraph G;
  for (uint64_t I = 0, N = In.u64(); I < N && In.ok(); ++I) {
    graph::Node Node;
    Node.Type = static_cast<graph::NodeType>(In.u64());
    Node.Text = In.bytes();
    Node.FullText = In.bytes();
    Node.Function = decodeOptional(In);
    Node.Block = decodeOptional(In);
    G.Nodes.push_back(std::move(Node));
  }
  for (uint64_t I = 0, N = In.u64(); I < N && In.ok(); ++I) {
    graph::Edge E;
    E.Flow = static_cast<graph::EdgeFlow>(In.u64());
    E.Source = static_cast<uint32_t>(In.u64());
    E.Target = static_cast<uint32_t>(In.u64());
    E.Position = static_cast<int32_t>(In.i64());
    G.Edges.push_back(E);
  }
  for (uint64_t I = 0, N = In.u64(); I < N && In.ok(); ++I) {
    graph::Function F;
    F.Name = In.bytes();
    F.Entry = static_cast<uint32_t>(In.u64());
    G.Functions.push_back(std::move(F));
  }
  G.Mod.Name = In.bytes();
  G.Mod.TargetTriple = In.bytes();
  G.Mod.DataLayout = In.bytes();
  return G;
}

void encodeMeasurementOptions(MessageWriter &Out, const MeasurementOptions &M) {
  Out.u64(M.WarmupRuns)
      .u64(M.MinRuns)
      .u64(M.MaxRuns)
      .u64(M.AgreeingRuns)
      .f64(M.Agreement);
  encodeOptional(Out, M.Cpu);
}

MeasurementOptions decodeMeasurementOptions(MessageReader &In) {
  MeasurementOptions M;
  M.WarmupRuns = static_cast<unsigned>(In.u64());
  M.MinRuns = static_cast<unsigned>(In.u64());
  M.MaxRuns = static_cast<unsigned>(In.u64());
  M.AgreeingRuns = static_cast<unsigned>(In.u64());
  M.Agreement = In.f64();
  M.Cpu = decodeOptional(In);
  return M;
}

} // namespace

void encode(MessageWriter &Out, const Configuration &C) {
  Out.bytes(C.ActionSpaceName).u64(C.Actions.size());
  for (const Action &A : C.Actions)
    Out.bytes(A.Name).bytes(A.Pipeline);
  Out.bytes(C.ObservationSpace).bytes(C.RewardSpace);
  encodeMeasurementOptions(Out, C.Measurement);
  Out.boolean(C.CachePath.has_value()).bytes(C.CachePath.value_or(""));
  Out.strings(C.PassPlugins);
}

Configuration decodeConfiguration(MessageReader &In) {
  Configuration C;
  C.ActionSpaceName = In.bytes();
  for (uint64_t I = 0, N = In.u64(); I < N && In.ok(); ++I) {
    std::string Name = In.bytes();
    C.Actions.push_back({std::move(Name), In.bytes()});
  }
  C.ObservationSpace = In.bytes();
  C.RewardSpace = In.bytes();
  C.Measurement = decodeMeasurementOptions(In);
  bool HasCachePath = In.boolean();
  std::string CachePath = In.bytes();
  if (HasCachePath)
    C.CachePath = std::move(CachePath);
  C.PassPlugins = In.strings();
  return C;
}

void encode(MessageWriter &Out, const Benchmark &B) {
  Out.bytes(B.uri()).bytes(B.bitcode().getBuffer());
  Out.boolean(B.runSpec().has_value());
  if (B.runSpec())
    encodeRunSpec(Out, *B.runSpec());
}

BenchmarkPtr decodeBenchmark(MessageReader &In) {
  std::string Uri = In.bytes();
  auto Bitcode = llvm::MemoryBuffer::getMemBufferCopy(In.bytes(), Uri);
  auto B = std::make_shared<Benchmark>(std::move(Uri), std::move(Bitcode));
  if (In.boolean())
    B->setRunSpec(decodeRunSpec(In));
  return B;
}

void encode(MessageWriter &Out, const std::optional<Observation> &O) {
  if (!O) {
    Out.u64(static_cast<uint64_t>(ObservationTag::None));
    return;
  }
  if (const auto *V = std::get_if<int64_t>(&*O))
    Out.u64(static_cast<uint64_t>(ObservationTag::Int)).i64(*V);
  else if (const auto *D = std::get_if<double>(&*O))
    Out.u64(static_cast<uint64_t>(ObservationTag::Double)).f64(*D);
  else if (const auto *S = std::get_if<std::string>(&*O))
    Out.u64(static_cast<uint64_t>(ObservationTag::Text)).bytes(*S);
  else if (const auto *Vec = std::get_if<std::vector<int64_t>>(&*O)) {
    Out.u64(static_cast<uint64_t>(ObservationTag::Vector)).u64(Vec->size());
    for (int64_t X : *Vec)
      Out.i64(X);
  } else {
    Out.u64(static_cast<uint64_t>(ObservationTag::Graph));
    encodeGraph(Out, std::get<graph::ProgramGraph>(*O));
  }
}

std::optional<Observation> decodeObservation(MessageReader &In) {
  switch (static_cast<ObservationTag>(In.u64())) {
  case ObservationTag::None:
    return std::nullopt;
  case ObservationTag::Int:
    return Observation(In.i64());
  case ObservationTag::Double:
    return Observation(In.f64());
  case ObservationTag::Text:
    return Observation(In.bytes());
  case ObservationTag::Vector: {
    std::vector<int64_t> Vec;
    for (uint64_t I = 0, N = In.u64(); I < N && In.ok(); ++I)
      Vec.push_back(In.i64());
    return Observation(std::move(Vec));
  }
  case ObservationTag::Graph:
    return Observation(decodeGraph(In));
  }
  In.fail();
  return std::nullopt;
}

void encode(MessageWriter &Out, const StepResult &R) {
  encode(Out, R.Observation);
  Out.f64(R.Reward)
      .boolean(R.Done)
      .boolean(R.Info.Changed)
      .bytes(R.Info.Error)
      .i64(R.Info.PassTime.count())
      .i64(R.Info.VerifyTime.count());
}

StepResult decodeStepResult(MessageReader &In) {
  StepResult R;
  R.Observation = decodeObservation(In);
  R.Reward = In.f64();
  R.Done = In.boolean();
  R.Info.Changed = In.boolean();
  R.Info.Error = In.bytes();
  R.Info.PassTime = std::chrono::nanoseconds(In.i64());
  R.Info.VerifyTime = std::chrono::nanoseconds(In.i64());
  return R;
}

void encode(MessageWriter &Out, const RewardTracker &T) {
  RewardTracker::State S = T.state();
  Out.u64(static_cast<uint64_t>(S.Cost))
      .f64(S.Initial)
      .f64(S.Previous)
      .f64(S.Scale)
      .boolean(S.Floored);
}

RewardTracker decodeTracker(MessageReader &In) {
  RewardTracker::State S;
  S.Cost = static_cast<CostFunction>(In.u64());
  S.Initial = In.f64();
  S.Previous = In.f64();
  S.Scale = In.f64();
  S.Floored = In.boolean();
  return RewardTracker(S);
}

MessageWriter okReply(const CacheStatistics &Lookups) {
  MessageWriter Out;
  Out.boolean(true).u64(Lookups.Hits).u64(Lookups.Misses);
  return Out;
}

MessageWriter errorReply(const CacheStatistics &Lookups,
                         llvm::StringRef Message) {
  MessageWriter Out;
  Out.boolean(false).u64(Lookups.Hits).u64(Lookups.Misses).bytes(Message);
  return Out;
}

} // namespace passgym::worker
