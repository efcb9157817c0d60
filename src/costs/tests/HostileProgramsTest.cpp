//===- costs/tests/HostileProgramsTest.cpp - Programs that misbehave ------===//
//
// The measured program runs confined: it cannot kill passgym, leave
// processes behind, take all the memory or fill the disk. The programs are
// tests/data/hostile/*.c, described by tests/data/hostile/manifest.json.
//
//===----------------------------------------------------------------------===//
#include "costs/Measurement.h"

#include "datasets/Benchmark.h"
#include "support/Subprocess.h"
#include "support/tests/TestHelpers.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>
#include <linux/landlock.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

namespace passgym {
namespace {

using testing::take;

BenchmarkPtr hostile(const std::string &Name) {
  return take(loadBenchmark(
      "manifest:" + testing::testData("hostile/manifest.json") + "#" + Name));
}

bool landlockScopesSignals() {
  long Abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0,
                       LANDLOCK_CREATE_RULESET_VERSION);
  return Abi >= 6;
}

TEST(HostileProgramsTest, AProgramCannotKillPassgym) {
  if (!landlockScopesSignals() && !pidNamespacesAvailable())
    GTEST_SKIP() << "neither Landlock signal scoping nor PID namespaces here";
  // Before confinement, this test process died here. Landlock refuses the
  // signal; in a PID namespace the program's parent is process 0, so it
  // signals only its own namespace, where it is process 1 and ignores it.
  auto Reference = take(referenceBehaviour(*hostile("kill_parent")));
  EXPECT_TRUE(Reference.StandardOutput == "kill refused: 1\n" ||
              Reference.StandardOutput == "kill refused: 0\n");
}

TEST(HostileProgramsTest, ChildrenThatLeftTheProcessGroupDieWithTheProgram) {
  if (!pidNamespacesAvailable())
    GTEST_SKIP() << "no PID namespaces here (they need root): documented as "
                    "not confined";
  auto Reference = take(referenceBehaviour(*hostile("orphans")));
  EXPECT_EQ(Reference.StandardOutput, "parent done\n");
  // The namespace is torn down as its first process ends; give the kernel a
  // moment.
  for (int Tries = 0; Tries < 50 && testing::liveProcessesNamed("pgym-orphan");
       ++Tries)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(testing::liveProcessesNamed("pgym-orphan"), 0);
}

TEST(HostileProgramsTest, MemoryIsLimited) {
  auto Reference = take(referenceBehaviour(*hostile("memory_hog")));
  unsigned Mib = 0;
  ASSERT_EQ(
      std::sscanf(Reference.StandardOutput.c_str(), "allocated %u MiB", &Mib),
      1)
      << Reference.StandardOutput;
  EXPECT_LT(Mib, 512u);
}

TEST(HostileProgramsTest, WhatAProgramWritesIsLimited) {
  std::string Error =
      testing::errorOf(referenceBehaviour(*hostile("disk_filler")));
  EXPECT_NE(Error.find("add up to more than 67108864 bytes"), std::string::npos)
      << Error;
}

} // namespace
} // namespace passgym

namespace passgym {
namespace {

TEST(HostileProgramsTest, AProgramThatDiffersFromRunToRunIsNotDeterministic) {
  std::string Error =
      testing::errorOf(referenceBehaviour(*hostile("prints_time")));
  EXPECT_NE(Error.find("is not deterministic"), std::string::npos) << Error;
}

} // namespace
} // namespace passgym
