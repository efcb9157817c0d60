#include "runtime/MeasurementCache.h"

#include "support/Installation.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/TargetParser/Host.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sqlite3.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace passgym {
namespace {

// Long enough for another process's write (one row) to finish even on a slow
// disk, short enough that a wedged process shows up as an error.
constexpr int BusyTimeoutMs = 10000;

std::string cpuModelName() {
  std::ifstream In("/proc/cpuinfo");
  std::string Line;
  // x86 says "model name"; some other architectures only name the hardware.
  for (const char *Field : {"model name", "Hardware", "cpu model"}) {
    In.clear();
    In.seekg(0);
    while (std::getline(In, Line)) {
      llvm::StringRef L(Line);
      if (!L.starts_with(Field))
        continue;
      auto [Name, Value] = L.split(':');
      if (Name.trim() == Field && !Value.trim().empty())
        return Value.trim().str();
    }
  }
  return llvm::sys::getHostCPUName().str();
}

/// Resets \p Statement on every path out of a scope, so that a failed step
/// neither holds a read lock nor keeps pointers to the caller's strings.
class ResetOnExit {
public:
  explicit ResetOnExit(sqlite3_stmt *Statement) : Statement(Statement) {}
  ~ResetOnExit() {
    sqlite3_reset(Statement);
    sqlite3_clear_bindings(Statement);
  }

private:
  sqlite3_stmt *Statement;
};

int bindText(sqlite3_stmt *Statement, int Index, llvm::StringRef Text) {
  // The strings outlive the step: ResetOnExit unbinds them before returning.
  return sqlite3_bind_text64(Statement, Index, Text.data(), Text.size(),
                             SQLITE_STATIC, SQLITE_UTF8);
}

/// Column \p Index of the row \p Statement stands on, bytes as stored.
std::string columnText(sqlite3_stmt *Statement, int Index) {
  const auto *Text =
      reinterpret_cast<const char *>(sqlite3_column_text(Statement, Index));
  return std::string(Text ? Text : "",
                     Text ? sqlite3_column_bytes(Statement, Index) : 0);
}

int bindKey(sqlite3_stmt *Statement, const MeasurementKey &Key) {
  if (int Rc = bindText(Statement, 1, Key.ModuleHash))
    return Rc;
  if (int Rc = bindText(Statement, 2, Key.ConfigHash))
    return Rc;
  return bindText(Statement, 3, Key.Machine);
}

} // namespace

std::string machineFingerprint() {
  static const std::string Fingerprint = [] {
    std::string Result = cpuModelName();
    // Online CPUs rather than the affinity mask, which differs between
    // processes started with taskset on the same machine.
    long Cpus = sysconf(_SC_NPROCESSORS_ONLN);
    Result += "; " + std::to_string(Cpus > 0 ? Cpus : 0) + " cpus";
    struct utsname Names;
    if (uname(&Names) == 0) {
      Result += "; linux ";
      Result += Names.release;
      Result += "; ";
      Result += Names.nodename;
    }
    return Result;
  }();
  return Fingerprint;
}

std::string defaultCachePath() {
  llvm::SmallString<256> Path(cacheDirectory());
  llvm::sys::path::append(Path, "measurements.sqlite");
  return std::string(Path);
}

llvm::Expected<std::unique_ptr<MeasurementCache>>
MeasurementCache::open(llvm::StringRef Path) {
  auto Fail = [&](const llvm::Twine &Problem) {
    return llvm::createStringError("cannot open measurement cache '" + Path +
                                   "': " + Problem);
  };
  if (Path.empty())
    return Fail("the path is empty");
  llvm::StringRef Parent = llvm::sys::path::parent_path(Path);
  if (!Parent.empty())
    if (std::error_code EC = llvm::sys::fs::create_directories(Parent))
      return Fail("cannot create directory '" + Parent + "': " + EC.message());

  sqlite3 *Db = nullptr;
  int Rc = sqlite3_open_v2(Path.str().c_str(), &Db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (Rc != SQLITE_OK) {
    std::string Problem = Db ? sqlite3_errmsg(Db) : sqlite3_errstr(Rc);
    sqlite3_close_v2(Db);
    return Fail(Problem);
  }
  std::unique_ptr<MeasurementCache> Cache(new MeasurementCache(Path.str(), Db));
  if (llvm::Error E = Cache->initialize())
    return Fail(llvm::toString(std::move(E)));
  return Cache;
}

llvm::Error MeasurementCache::initialize() {
  auto Exec = [&](const std::string &Sql) -> llvm::Error {
    if (sqlite3_exec(Db, Sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
      return llvm::createStringError(sqlite3_errmsg(Db));
    return llvm::Error::success();
  };
  auto UserVersion = [&]() -> llvm::Expected<int> {
    sqlite3_stmt *Statement = nullptr;
    if (llvm::Error E = prepare("PRAGMA user_version", Statement))
      return E;
    int Rc = sqlite3_step(Statement);
    int Version = Rc == SQLITE_ROW ? sqlite3_column_int(Statement, 0) : 0;
    sqlite3_finalize(Statement);
    if (Rc != SQLITE_ROW)
      return llvm::createStringError(sqlite3_errmsg(Db));
    return Version;
  };

  if (sqlite3_busy_timeout(Db, BusyTimeoutMs) != SQLITE_OK)
    return llvm::createStringError(sqlite3_errmsg(Db));
  // WAL lets readers run while another process writes. It is persistent, so
  // only the first open of a file changes anything; a file system without
  // shared memory keeps the old mode, which is slower but still correct.
  // This is also the first read of the file, so a corrupt one fails here.
  // SQLite does not call the busy handler for this switch (it needs every
  // other process off the file, e.g. two processes creating it at once), so
  // it is retried here for as long as the busy timeout.
  auto Deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(BusyTimeoutMs);
  while (true) {
    int Rc = sqlite3_exec(Db, "PRAGMA journal_mode = WAL", nullptr, nullptr,
                          nullptr);
    if (Rc == SQLITE_OK)
      break;
    if ((Rc & 0xff) != SQLITE_BUSY ||
        std::chrono::steady_clock::now() >= Deadline)
      return llvm::createStringError(sqlite3_errmsg(Db));
    sqlite3_sleep(5);
  }
  // In WAL mode this loses at most the last commits on power loss, never
  // consistency; a lost measurement is only measured again.
  if (llvm::Error E = Exec("PRAGMA synchronous = NORMAL"))
    return E;

  auto TooNew = [&](int Version) {
    return llvm::createStringError(
        "schema version " + std::to_string(Version) +
        " is newer than this passgym supports (" +
        std::to_string(SchemaVersion) +
        "); use a newer passgym or another cache file");
  };
  llvm::Expected<int> Version = UserVersion();
  if (!Version)
    return Version.takeError();
  if (*Version > SchemaVersion)
    return TooNew(*Version);
  if (*Version < SchemaVersion) {
    // IMMEDIATE takes the write lock before reading the version again, so two
    // processes creating the same new file cannot both create the schema.
    if (llvm::Error E = Exec("BEGIN IMMEDIATE"))
      return E;
    auto Create = [&]() -> llvm::Error {
      llvm::Expected<int> Current = UserVersion();
      if (!Current)
        return Current.takeError();
      if (*Current > SchemaVersion)
        return TooNew(*Current);
      if (*Current == SchemaVersion)
        return llvm::Error::success();
      // Version 0 is a new (or foreign) file: there is nothing to migrate.
      if (llvm::Error E =
              Exec("CREATE TABLE IF NOT EXISTS measurements ("
                   "  module_hash TEXT NOT NULL,"
                   "  config_hash TEXT NOT NULL,"
                   "  machine TEXT NOT NULL,"
                   "  payload TEXT NOT NULL,"
                   "  created_at INTEGER NOT NULL,"
                   "  PRIMARY KEY (module_hash, config_hash, machine)"
                   ")"))
        return E;
      return Exec("PRAGMA user_version = " + std::to_string(SchemaVersion));
    };
    if (llvm::Error E = Create()) {
      (void)sqlite3_exec(Db, "ROLLBACK", nullptr, nullptr, nullptr);
      return E;
    }
    if (llvm::Error E = Exec("COMMIT")) {
      (void)sqlite3_exec(Db, "ROLLBACK", nullptr, nullptr, nullptr);
      return E;
    }
  }

  if (llvm::Error E = prepare("SELECT payload FROM measurements WHERE "
                              "module_hash = ?1 AND config_hash = ?2 AND "
                              "machine = ?3",
                              LookupStatement))
    return E;
  if (llvm::Error E = prepare(
          "INSERT OR REPLACE INTO measurements "
          "(module_hash, config_hash, machine, payload, created_at) "
          "VALUES (?1, ?2, ?3, ?4, CAST(strftime('%s', 'now') AS INTEGER))",
          StoreStatement))
    return E;
  return prepare("SELECT COUNT(*) FROM measurements", CountStatement);
}

llvm::Error MeasurementCache::prepare(const char *Sql,
                                      sqlite3_stmt *&Statement) {
  if (sqlite3_prepare_v2(Db, Sql, -1, &Statement, nullptr) != SQLITE_OK)
    return llvm::createStringError(sqlite3_errmsg(Db));
  return llvm::Error::success();
}

llvm::Error MeasurementCache::sqliteError(llvm::StringRef What) const {
  return llvm::createStringError("cannot " + What + " measurement cache '" +
                                 Path + "': " + sqlite3_errmsg(Db));
}

MeasurementCache::~MeasurementCache() {
  sqlite3_finalize(LookupStatement);
  sqlite3_finalize(StoreStatement);
  sqlite3_finalize(CountStatement);
  sqlite3_close_v2(Db);
}

llvm::Expected<std::optional<std::string>>
MeasurementCache::lookup(const MeasurementKey &Key) {
  ResetOnExit Reset(LookupStatement);
  if (bindKey(LookupStatement, Key) != SQLITE_OK)
    return sqliteError("look up in");
  int Rc = sqlite3_step(LookupStatement);
  if (Rc == SQLITE_DONE) {
    ++Misses;
    return std::nullopt;
  }
  if (Rc != SQLITE_ROW)
    return sqliteError("look up in");
  ++Hits;
  return columnText(LookupStatement, 0);
}

llvm::Error MeasurementCache::store(const MeasurementKey &Key,
                                    llvm::StringRef Payload) {
  ResetOnExit Reset(StoreStatement);
  if (bindKey(StoreStatement, Key) != SQLITE_OK ||
      bindText(StoreStatement, 4, Payload) != SQLITE_OK)
    return sqliteError("store in");
  // One statement in autocommit mode is one transaction: readers see the old
  // row or the new one.
  if (sqlite3_step(StoreStatement) != SQLITE_DONE)
    return sqliteError("store in");
  return llvm::Error::success();
}

llvm::Expected<std::vector<CachedMeasurement>>
MeasurementCache::storedSince(llvm::StringRef Machine, int64_t Since) {
  sqlite3_stmt *Select = nullptr;
  if (llvm::Error E = prepare("SELECT module_hash, config_hash, payload FROM "
                              "measurements WHERE machine = ?1 AND "
                              "created_at >= ?2",
                              Select))
    return std::move(E);
  std::vector<CachedMeasurement> Rows;
  int Rc = SQLITE_OK;
  if (bindText(Select, 1, Machine) == SQLITE_OK &&
      sqlite3_bind_int64(Select, 2, Since) == SQLITE_OK)
    while ((Rc = sqlite3_step(Select)) == SQLITE_ROW)
      Rows.push_back({{columnText(Select, 0), columnText(Select, 1),
                       Machine.str()},
                      columnText(Select, 2)});
  sqlite3_finalize(Select);
  if (Rc != SQLITE_DONE)
    return sqliteError("read the rows of");
  return Rows;
}

llvm::Error MeasurementCache::storeAll(
    const std::vector<CachedMeasurement> &Rows) {
  if (sqlite3_exec(Db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) !=
      SQLITE_OK)
    return sqliteError("begin storing in");
  for (const CachedMeasurement &Row : Rows)
    if (llvm::Error E = store(Row.Key, Row.Payload)) {
      (void)sqlite3_exec(Db, "ROLLBACK", nullptr, nullptr, nullptr);
      return E;
    }
  if (sqlite3_exec(Db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    (void)sqlite3_exec(Db, "ROLLBACK", nullptr, nullptr, nullptr);
    return sqliteError("store in");
  }
  return llvm::Error::success();
}

double MeasurementCache::hitRate() const {
  uint64_t Lookups = Hits + Misses;
  return Lookups == 0 ? 0.0 : static_cast<double>(Hits) / Lookups;
}

llvm::Expected<uint64_t> MeasurementCache::size() {
  ResetOnExit Reset(CountStatement);
  if (sqlite3_step(CountStatement) != SQLITE_ROW)
    return sqliteError("count the rows of");
  return static_cast<uint64_t>(sqlite3_column_int64(CountStatement, 0));
}

} // namespace passgym
