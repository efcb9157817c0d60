#include "runtime/MeasurementCache.h"
#include "support/Files.h"
#include "support/TempDir.h"
#include "support/tests/TestHelpers.h"

#include "llvm/Support/FileSystem.h"

#include <cstdio>
#include <ctime>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

namespace passgym {
namespace {

using testing::check;
using testing::errorOf;
using testing::take;

bool contains(const std::string &Text, const std::string &Part) {
  return Text.find(Part) != std::string::npos;
}

MeasurementKey someKey() { return {"module-a", "config-a", "machine-a"}; }

TEST(MeasurementCacheTest, StoredPayloadIsFoundAndEveryKeyPartMatters) {
  auto Dir = take(TempDir::create("passgym-test"));
  auto Cache = take(MeasurementCache::open(Dir.file("cache.sqlite")));
  EXPECT_EQ(Cache->hitRate(), 0.0);

  std::optional<std::string> Missing = take(Cache->lookup(someKey()));
  EXPECT_FALSE(Missing);
  check(Cache->store(someKey(), R"({"seconds": 1.5})"));
  std::optional<std::string> Found = take(Cache->lookup(someKey()));
  ASSERT_TRUE(Found);
  EXPECT_EQ(*Found, R"({"seconds": 1.5})");

  MeasurementKey OtherModule = someKey();
  OtherModule.ModuleHash = "module-b";
  MeasurementKey OtherConfig = someKey();
  OtherConfig.ConfigHash = "config-b";
  MeasurementKey OtherMachine = someKey();
  OtherMachine.Machine = "machine-b";
  for (const MeasurementKey &Key : {OtherModule, OtherConfig, OtherMachine})
    EXPECT_FALSE(take(Cache->lookup(Key)));

  EXPECT_EQ(Cache->hits(), 1u);
  EXPECT_EQ(Cache->misses(), 4u);
  EXPECT_DOUBLE_EQ(Cache->hitRate(), 0.2);
  EXPECT_EQ(take(Cache->size()), 1u);
}

TEST(MeasurementCacheTest, KeepsBinaryAndEmptyPayloadsExactly) {
  auto Dir = take(TempDir::create("passgym-test"));
  auto Cache = take(MeasurementCache::open(Dir.file("cache.sqlite")));
  std::string WithNul("a\0b", 3);
  check(Cache->store(someKey(), WithNul));
  EXPECT_EQ(take(Cache->lookup(someKey())), WithNul);
  check(Cache->store(someKey(), ""));
  EXPECT_EQ(take(Cache->lookup(someKey())), std::string());
}

TEST(MeasurementCacheTest, PersistsAcrossReopenAndStoreReplaces) {
  auto Dir = take(TempDir::create("passgym-test"));
  std::string Path = Dir.file("cache.sqlite");
  {
    auto Cache = take(MeasurementCache::open(Path));
    check(Cache->store(someKey(), "first"));
  }
  {
    auto Cache = take(MeasurementCache::open(Path));
    EXPECT_EQ(take(Cache->lookup(someKey())), "first");
    check(Cache->store(someKey(), "second"));
    EXPECT_EQ(take(Cache->lookup(someKey())), "second");
    EXPECT_EQ(take(Cache->size()), 1u);
  }
  auto Cache = take(MeasurementCache::open(Path));
  EXPECT_EQ(take(Cache->lookup(someKey())), "second");
  EXPECT_EQ(take(Cache->size()), 1u);
}

TEST(MeasurementCacheTest, OneMachinesNewRowsGoIntoAnotherCache) {
  auto Dir = take(TempDir::create("passgym-test"));
  std::string RankPath = Dir.file("rank.sqlite");
  MeasurementKey Old = someKey(), New = someKey(), Elsewhere = someKey();
  Old.ModuleHash = "module-old";
  Elsewhere.Machine = "machine-b";
  {
    auto Rank = take(MeasurementCache::open(RankPath));
    for (const MeasurementKey &Key : {Old, New, Elsewhere})
      check(Rank->store(Key, Key.ModuleHash + "@" + Key.Machine));
  }
  // The old row was stored an hour ago.
  sqlite3 *Db = nullptr;
  ASSERT_EQ(sqlite3_open(RankPath.c_str(), &Db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(Db,
                         "UPDATE measurements SET created_at = created_at - "
                         "3600 WHERE module_hash = 'module-old'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(Db);

  auto Rank = take(MeasurementCache::open(RankPath));
  int64_t TenMinutesAgo = static_cast<int64_t>(std::time(nullptr)) - 600;
  auto Rows = take(Rank->storedSince("machine-a", TenMinutesAgo));
  ASSERT_EQ(Rows.size(), 1u);
  EXPECT_EQ(Rows[0].Key.ModuleHash, "module-a");
  EXPECT_EQ(Rows[0].Key.Machine, "machine-a");
  EXPECT_EQ(Rows[0].Payload, "module-a@machine-a");
  EXPECT_EQ(take(Rank->storedSince("machine-a", 0)).size(), 2u);

  auto Coordinator = take(MeasurementCache::open(Dir.file("coord.sqlite")));
  check(Coordinator->storeAll(Rows));
  EXPECT_EQ(take(Coordinator->lookup(New)), "module-a@machine-a");
  EXPECT_FALSE(take(Coordinator->lookup(Old)));
  EXPECT_EQ(take(Coordinator->size()), 1u);
}

TEST(MeasurementCacheTest, TwoProcessesWriteAtOnce) {
  auto Dir = take(TempDir::create("passgym-test"));
  // The file does not exist yet, so the children also race to create it.
  std::string Path = Dir.file("shared/cache.sqlite");
  constexpr int Children = 2;
  constexpr int RowsEach = 200;
  // Both children block reading this pipe until the parent closes it, so
  // their writes overlap instead of running one after the other.
  int Start[2];
  ASSERT_EQ(pipe(Start), 0);
  std::vector<pid_t> Pids;
  for (int Child = 0; Child < Children; ++Child) {
    pid_t Pid = fork();
    ASSERT_GE(Pid, 0);
    if (Pid == 0) {
      close(Start[1]);
      char Byte;
      (void)read(Start[0], &Byte, 1);
      int Status = 0;
      {
        auto Cache = MeasurementCache::open(Path);
        if (!Cache) {
          // Shown in the test's output next to the failed exit status.
          fprintf(stderr, "child: %s\n",
                  llvm::toString(Cache.takeError()).c_str());
          _exit(2);
        }
        for (int I = 0; I < RowsEach && Status == 0; ++I) {
          MeasurementKey Key{"module-" + std::to_string(I),
                             "config-" + std::to_string(Child), "machine"};
          if (llvm::Error E = (*Cache)->store(Key, std::to_string(I))) {
            fprintf(stderr, "child: %s\n",
                    llvm::toString(std::move(E)).c_str());
            Status = 3;
          }
        }
      }
      // _exit: the child must not run the parent's GoogleTest teardown.
      _exit(Status);
    }
    Pids.push_back(Pid);
  }
  close(Start[0]);
  close(Start[1]);
  for (pid_t Pid : Pids) {
    int Status = 0;
    ASSERT_EQ(waitpid(Pid, &Status, 0), Pid);
    ASSERT_TRUE(WIFEXITED(Status));
    EXPECT_EQ(WEXITSTATUS(Status), 0);
  }

  auto Cache = take(MeasurementCache::open(Path));
  EXPECT_EQ(take(Cache->size()), uint64_t(Children * RowsEach));
  EXPECT_EQ(take(Cache->lookup({"module-199", "config-1", "machine"})), "199");
}

TEST(MeasurementCacheTest, CorruptFileIsAnErrorNamingIt) {
  auto Dir = take(TempDir::create("passgym-test"));
  std::string Path = Dir.file("cache.sqlite");
  std::string Garbage;
  for (int I = 0; I < 8192; ++I)
    Garbage += static_cast<char>((I * 7919 + 13) & 0xff);
  check(writeFileAtomically(Path, Garbage));
  std::string Message = errorOf(MeasurementCache::open(Path));
  EXPECT_TRUE(contains(Message, Path)) << Message;
  EXPECT_TRUE(contains(Message, "not a database")) << Message;
}

TEST(MeasurementCacheTest, UncreatableDirectoryIsAnErrorNamingIt) {
  auto Dir = take(TempDir::create("passgym-test"));
  // A file where a directory should be: fails even for root, unlike
  // permissions.
  check(writeFileAtomically(Dir.file("file"), "x"));
  std::string Parent = Dir.file("file") + "/sub";
  std::string Message =
      errorOf(MeasurementCache::open(Parent + "/cache.sqlite"));
  EXPECT_TRUE(contains(Message, "cannot create directory '" + Parent + "'"))
      << Message;
}

TEST(MeasurementCacheTest, RefusesANewerSchemaVersion) {
  auto Dir = take(TempDir::create("passgym-test"));
  std::string Path = Dir.file("cache.sqlite");
  take(MeasurementCache::open(Path)).reset();
  sqlite3 *Db = nullptr;
  ASSERT_EQ(sqlite3_open(Path.c_str(), &Db), SQLITE_OK);
  EXPECT_EQ(
      sqlite3_exec(Db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(Db);
  std::string Message = errorOf(MeasurementCache::open(Path));
  EXPECT_TRUE(contains(Message, Path)) << Message;
  EXPECT_TRUE(contains(Message, "schema version 99")) << Message;
}

TEST(MeasurementCacheTest, MachineFingerprintIsStableAndDescriptive) {
  std::string First = machineFingerprint();
  EXPECT_FALSE(First.empty());
  EXPECT_EQ(First, machineFingerprint());
  EXPECT_TRUE(contains(First, " cpus")) << First;
}

TEST(MeasurementCacheTest, DefaultPathFollowsTheEnvironment) {
  auto Dir = take(TempDir::create("passgym-test"));
  const char *OldCacheDir = std::getenv("PASSGYM_CACHE_DIR");
  const char *OldXdg = std::getenv("XDG_CACHE_HOME");
  std::string SavedCacheDir = OldCacheDir ? OldCacheDir : "";
  std::string SavedXdg = OldXdg ? OldXdg : "";

  setenv("PASSGYM_CACHE_DIR", Dir.file("override").c_str(), 1);
  setenv("XDG_CACHE_HOME", Dir.file("xdg").c_str(), 1);
  EXPECT_EQ(defaultCachePath(), Dir.file("override") + "/measurements.sqlite");
  EXPECT_TRUE(llvm::sys::fs::is_directory(Dir.file("override")));
  unsetenv("PASSGYM_CACHE_DIR");
  EXPECT_EQ(defaultCachePath(),
            Dir.file("xdg") + "/passgym/measurements.sqlite");
  EXPECT_TRUE(llvm::sys::fs::is_directory(Dir.file("xdg") + "/passgym"));

  if (OldCacheDir)
    setenv("PASSGYM_CACHE_DIR", SavedCacheDir.c_str(), 1);
  if (OldXdg)
    setenv("XDG_CACHE_HOME", SavedXdg.c_str(), 1);
  else
    unsetenv("XDG_CACHE_HOME");
}

} // namespace
} // namespace passgym
