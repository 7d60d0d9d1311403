import LocMem
import SQLiteStore

/// A value computed by a miss, with the entry to store when the value may be cached.
@usableFromInline
struct LoadOutcome<Value: Sendable>: Sendable {
    @usableFromInline let value: Value
    @usableFromInline let entry: CachedResult<Value>?
}

/// Thrown by a `getOrSet` loader whose result must not be stored; the loader's caller finds its value in its
/// own `LoadOutcome`.
@usableFromInline
struct UncacheableResult: Error {
    @usableFromInline init() {}
}

extension CachedDatabase {
    /// The read path of ``query(_:_:map:)`` and ``queryFirst(_:_:map:)``.
    ///
    /// 1. The change check (the WAL-index header, or `PRAGMA data_version`: see `Database.changeState()`), which
    ///    also tells whether an open transaction of this thread has written.
    /// 2. The hit path: one cache read under the query's key, its bytes on the stack. A result found there is
    ///    served when it is this query's and its versions are all current (a hit in the cache's statistics).
    /// 3. Otherwise a stale result found is deleted, and `getOrSet` (single-flight) runs under the key, with a
    ///    loader that takes the versions, then runs the SQL (a miss in the statistics). A result found there
    ///    (another thread's load this call waited for) is checked as in 2; a stale one is deleted and loaded
    ///    again, single-flight.
    ///
    /// Inlinable, as `LocMemCache.getOrSet`'s hit path: specialized for the caller's result type, the cast of
    /// the cached entry is a pointer comparison instead of a runtime lookup.
    @inlinable
    func read<Arguments: QueryArguments, T, Value: Sendable>(
        _ sql: String,
        _ arguments: Arguments,
        firstRowOnly: Bool,
        map: (Row) throws -> T,
        wrap: ([T]) -> Value
    ) throws -> Value {
        let changes = try database.changeState()  // lock-free outside a transaction
        let sqlDigest = sqlDigests.digest(of: sql)
        let key = arguments.withValues { QueryKey(sqlDigest: sqlDigest, arguments: $0, valueType: Value.self) }
        func load() throws -> LoadOutcome<Value> {
            try self.load(sql, arguments.array, firstRowOnly: firstRowOnly, map: map, wrap: wrap)
        }
        func isServable(_ entry: CachedResult<Value>) -> Bool {
            arguments.withValues { entry.isResult(of: namespace, sql, $0) } && entry.isServable(in: state, changes)
        }
        // Inside a transaction or a map closure, the thread holds the connection: waiting for another thread's
        // flight could deadlock, since that thread's query waits for the connection this thread holds.
        let holdsConnection = changes.callerHoldsConnection
        var found: CachedResult<Value>?
        key.withBytes { bytes in
            cache._read(keyBytes: bytes, countingMisses: holdsConnection) { value in
                found = LocMemCache._cast(value, to: CachedResult<Value>.self)
                return found != nil
            }
        }
        if let found, isServable(found) {
            return found.value
        }
        return try readMissed(key.string, foundStale: found != nil, holdsConnection: holdsConnection, load, isServable)
    }

    /// ``read(_:_:firstRowOnly:map:wrap:)`` after its hit path found no result it may serve: loads, joining or
    /// leading the key's flight unless the thread holds the connection.
    ///
    /// - Parameter foundStale: Whether the hit path found a result it may not serve (to be deleted).
    @usableFromInline
    func readMissed<Value: Sendable>(
        _ key: String,
        foundStale: Bool,
        holdsConnection: Bool,
        _ load: () throws -> LoadOutcome<Value>,
        _ isServable: (CachedResult<Value>) -> Bool
    ) throws -> Value {
        if holdsConnection {
            return try loadAndKeep(key, load)
        }
        if foundStale {
            cache.delete(key)
        }
        for attempt in 0..<2 {
            var own: LoadOutcome<Value>?
            do {
                let entry = try cache.getOrSet(key, timeout: timeout) { () throws -> CachedResult<Value> in
                    let outcome = try load()
                    own = outcome
                    guard let entry = outcome.entry else { throw UncacheableResult() }
                    return entry
                }
                if let own {
                    return own.value
                }
                if isServable(entry) {
                    return entry.value
                }
                if attempt == 0 {
                    cache.delete(key)
                }
            } catch is UncacheableResult {
                if let own {
                    return own.value
                }
                break  // the leader's result may not be kept: run this call's own
            }
        }
        // Another query's result under a colliding key, or results gone stale twice: load without the cache.
        return try loadAndKeep(key, load)
    }

    /// Loads without joining a flight, and stores the result when it may be cached.
    @usableFromInline
    func loadAndKeep<Value: Sendable>(
        _ key: String,
        _ load: () throws -> LoadOutcome<Value>
    ) throws -> Value {
        let outcome = try load()
        if let entry = outcome.entry {
            cache.set(key, entry, timeout: timeout)
        }
        return outcome.value
    }

    /// Runs the query, with the versions of its tables taken before it runs (with the connection held).
    ///
    /// The result gets no entry (it is returned, not kept) when the statement is volatile, when the open
    /// transaction has written one of its tables, or when SQLite re-prepared it during the run (the schema
    /// changed) and it now reads a table whose version was not taken.
    @usableFromInline
    func load<T, Value: Sendable>(
        _ sql: String,
        _ arguments: [SQLiteValue],
        firstRowOnly: Bool,
        map: (Row) throws -> T,
        wrap: ([T]) -> Value
    ) throws -> LoadOutcome<Value> {
        var stamp: VersionStamp?
        var tables: Set<String> = []
        let (values, reanalysis) = try database.read(sql, arguments, firstRowOnly: firstRowOnly, beforeRun: { context in
            try Self.checkQueryable(context.analysis, sql)
            guard context.analysis.volatility == nil,
                  !context.state.uncommitted.affects(context.analysis.tablesRead)
            else { return }
            tables = context.analysis.tablesRead
            stamp = state.stamp(for: tables, externalChanges: context.state.externalChanges)
        }, map: map)
        let value = wrap(values)
        afterLoadForTesting?()
        if let reanalysis, reanalysis.volatility != nil || !reanalysis.tablesRead.isSubset(of: tables) {
            stamp = nil
        }
        guard let stamp else {
            return LoadOutcome(value: value, entry: nil)
        }
        let entry = CachedResult(
            namespace: namespace, sql: sql, arguments: arguments, tables: tables, stamp: stamp, value: value)
        return LoadOutcome(value: value, entry: entry)
    }
}
