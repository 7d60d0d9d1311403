import SQLiteStore
import Synchronization

/// One table's version: incremented by every committed change of the table. Never reset, never removed.
@usableFromInline
final class TableVersion: Sendable {
    @usableFromInline let value = Atomic<UInt64>(0)
}

/// The versions a cached result depends on: one counter per table, one epoch for everything.
///
/// They live here, owned by ``CachedDatabase``, and not in the `LocMemCache`: an entry of the cache can be
/// culled, and a counter culled before the entries that depend on it would let them be served again.
///
/// - Note: `Sendable`: the table map is behind a `Mutex` (taken on misses and commits only), the counters are
///   atomics.
@usableFromInline
final class InvalidationState: Sendable {
    /// Table versions by lowercased name. Grows with the tables ever read or written; never shrinks.
    private let versions = Mutex<[String: TableVersion]>([:])
    /// Bumped by DDL and by ``CachedDatabase/invalidateAll()``: invalidates every result.
    @usableFromInline let epoch = Atomic<UInt64>(0)
    /// Bumped after every ``record(_:)``, once its table versions and epoch have moved: while it has not moved
    /// since a result was found current, the result is still current (see ``CachedResult/isServable(in:_:)``).
    @usableFromInline let recordCount = Atomic<UInt64>(0)

    /// The counters of `tables`, created at 0 when new.
    func counters(for tables: Set<String>) -> [TableVersion] {
        versions.withLock { versions in
            tables.map { name in
                if let counter = versions[name] { return counter }
                let counter = TableVersion()
                versions[name] = counter
                return counter
            }
        }
    }

    /// Marks `changes` as committed: their tables' versions (or the epoch) move on.
    func record(_ changes: TableChanges) {
        if changes.everything {
            epoch.add(1, ordering: .sequentiallyConsistent)
        }
        for counter in counters(for: changes.tables) {
            counter.value.add(1, ordering: .sequentiallyConsistent)
        }
        recordCount.add(1, ordering: .sequentiallyConsistent)
    }

    /// The versions of `tables` now, to be taken before the statement that reads them runs.
    func stamp(for tables: Set<String>, externalChanges: UInt64) -> VersionStamp {
        let recordCount = recordCount.load(ordering: .sequentiallyConsistent)  // before the versions
        let counters = counters(for: tables)
        return VersionStamp(
            recordCount: recordCount,
            epoch: epoch.load(ordering: .sequentiallyConsistent),
            externalChanges: externalChanges,
            counters: counters,
            versions: counters.map { $0.value.load(ordering: .sequentiallyConsistent) })
    }
}

/// The versions a result was computed at: it may be served while they are all unchanged.
@usableFromInline
struct VersionStamp: Sendable {
    /// ``InvalidationState/recordCount`` read before the versions.
    @usableFromInline let recordCount: UInt64
    @usableFromInline let epoch: UInt64
    /// ``SQLiteStore`` change counter for other connections' commits, at the time of the stamp.
    @usableFromInline let externalChanges: UInt64
    @usableFromInline let counters: [TableVersion]
    @usableFromInline let versions: [UInt64]

    /// Whether no DDL and no commit of one of its tables has moved the versions since the stamp was taken.
    ///
    /// - Complexity: O(*t*) atomic loads, *t* the number of tables the statement reads.
    @usableFromInline
    func versionsAreCurrent(in state: InvalidationState) -> Bool {
        guard epoch == state.epoch.load(ordering: .sequentiallyConsistent) else { return false }
        for index in counters.indices
        where counters[index].value.load(ordering: .sequentiallyConsistent) != versions[index] {
            return false
        }
        return true
    }
}
