import CLocMemAtomics
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The memory behind one cache `location`: what Django keeps in its per-name `_caches`,
/// `_expire_info` and `_locks` globals.
///
/// Entries are spread over ``shardCount`` shards by key hash, each with its own lock, so that
/// operations on different keys rarely wait for the same lock; a shard that is mostly read lets
/// reads skip its lock (``Shard``'s read bias). Every use stamps the entry with a
/// ``RecencyClock`` stamp (exact order for one thread, across shards); culling, which locks all
/// shards in index order, removes the entries with the smallest `(stamp, shard index)`.
///
/// Hits and misses are counted in each reading thread's own memory (``ThreadRecord``) and summed
/// when ``statistics`` is read; the other counters under the shard locks.
///
/// The store's size is an atomic counter: an insert reserves a place while it is below the
/// caller's `maxEntries`, under its shard lock; when the store is full it takes every lock, culls
/// and inserts, so the store never holds more than the inserting cache's `maxEntries`.
final class Store: Sendable {
    static let shardBits = 4
    static let shardCount = 1 << shardBits

    let shards: ShardBlock
    /// Entries in all shards, including expired ones not yet met.
    let count = Atomic<Int>(0)
    /// ``ThreadRecords/key``, kept here so that a hit reads it without a lazy global's check.
    private let recordKey = ThreadRecords.key
    /// ``FoldHash/processSeed``, kept here so that a hit reads it without a lazy global's check.
    private let hashSeed = FoldHash.processSeed
    /// Who this store is in the threads' read counts.
    private let identity: StoreIdentity
    /// The read counts (``ThreadRecords/reads(of:)``) at the last ``resetStatistics()``.
    private let readsAtReset = Mutex<(hits: Int, misses: Int)>((0, 0))
    /// `getOrSet` loads in progress, by final key.
    let flights = Mutex<[String: Flight]>([:])

    private static let serials = Atomic<Int>(0)

    private init() {
        shards = ShardBlock.allocate(count: Store.shardCount)
        identity = StoreIdentity(
            address: UInt64(UInt(bitPattern: shards.base)),
            serial: Store.serials.wrappingAdd(1, ordering: .relaxed).oldValue
        )
    }

    deinit {
        shards.deallocate()
    }

    /// Where `key` lives in this store. Every operation hashes through here (or `hash(bytes:)`), so
    /// that one seed places every key.
    @inline(__always)
    func hash(_ key: String) -> KeyHash {
        KeyBytes.with(key) { hash(bytes: $0) }
    }

    /// Where the key with these UTF-8 bytes lives in this store.
    @inline(__always)
    func hash(bytes: UnsafeRawBufferPointer) -> KeyHash {
        KeyHash(bytes: bytes, seed: hashSeed)
    }

    /// The recency stamp for a write to an entry of `shard`; taken under its lock, exclusive.
    @inline(__always)
    private func nextStamp(_ shard: Shard) -> UInt64 {
        RecencyClock.next(&shard.counters.pointee.clock, store: shards.clock, thread: ThreadRecords.current(recordKey))
    }

    @inline(__always)
    private static func isExpired(_ deadline: Double, clock: ExpiryClock) -> Bool {
        deadline != .infinity && clock.hasReached(deadline)
    }

    @inline(__always)
    private static func isExpired(_ deadline: Double, hasReached: (Double) -> Bool) -> Bool {
        deadline != .infinity && hasReached(deadline)
    }

    /// Removes an expired entry the caller has met, counting the expiration.
    @inline(__always)
    private func removeExpired(_ index: Int32, tag: UInt32, from table: inout EntryTable) {
        table.remove(at: index, tag: tag)
        table.statistics.expired &+= 1
        count.subtract(1, ordering: .relaxed)
    }

    /// The index of `key`'s live entry in `table` (exclusive); an expired entry met is removed and
    /// counted.
    @inline(__always)
    private func liveIndex(
        of key: String, _ hash: KeyHash, in table: inout EntryTable, clock: ExpiryClock
    ) -> Int32? {
        guard let index = table.find(key, tag: hash.tag) else { return nil }
        if Store.isExpired(table[index].deadline, clock: clock) {
            removeExpired(index, tag: hash.tag, from: &table)
            return nil
        }
        return index
    }

    /// The index of `key`'s live entry in the table of `shard`, which the caller holds locked but
    /// not exclusive (lock-free readers may be reading it): an expired entry met is removed, the
    /// table made exclusive first.
    @inline(__always)
    private func liveIndex(of key: String, _ hash: KeyHash, in shard: Shard, clock: ExpiryClock) -> Int32? {
        guard let index = shard.table.pointee.find(key, tag: hash.tag) else { return nil }
        if Store.isExpired(shard.table.pointee[index].deadline, clock: clock) {
            shard.exclusive()
            removeExpired(index, tag: hash.tag, from: &shard.table.pointee)
            return nil
        }
        return index
    }

    // MARK: - Reads

    /// Which reads a read counts in ``statistics``.
    enum ReadCounting {
        case hitsAndMisses
        /// For a caller that goes on to an operation that counts the miss itself.
        case hitsOnly
        case nothing
    }

    private enum ReadOutcome {
        case hit
        case miss
        /// A live-looking key whose entry has expired: removing it needs the lock, exclusive.
        case expired(Int32)
    }

    /// Offers the live value of `key` to `accept`; if it accepts (it is of the type the caller
    /// wants), the entry becomes the most recently used and counts as a hit, else as a miss.
    ///
    /// The hit path, with the shard read-biased: no lock, no allocation, no reference counting, and
    /// no store into memory that another thread's hit uses (only into the entry, when its stamp
    /// must change, and into this thread's ``ThreadRecord``). Otherwise one lock.
    @inline(__always)
    func read(
        _ key: String, _ hash: KeyHash, clock: ExpiryClock, counting: ReadCounting = .hitsAndMisses,
        _ accept: (UnsafePointer<any Sendable>) -> Bool
    ) {
        read(hash, hasReached: { clock.hasReached($0) }, counting: counting, accept) {
            KeyBytes.equal($0, key)
        }
    }

    /// `read` for a key given by its hash and a test of stored keys (see ``InlineKey``), with the
    /// clock's `hasReached` (a closure, so that the caller's clock is used in place: an existential
    /// passed down is copied), always inlined so that the closures are too.
    @inline(always)
    func read(
        _ hash: KeyHash, hasReached: (Double) -> Bool, counting: ReadCounting = .hitsAndMisses,
        _ accept: (UnsafePointer<any Sendable>) -> Bool, matching matches: (String) -> Bool
    ) {
        let shard = shards[hash.shard]
        let thread = ThreadRecords.current(recordKey)
        var locked = !shard.isReadBiased
        if !locked {
            thread.enter(shard.identity)
            if !shard.isStillReadBiased {
                thread.leave()
                locked = true
            }
        }
        if locked { shard.lock() }
        var hit = false
        switch lookUp(hash, in: shard.table.pointee, shard, hasReached: hasReached, thread: thread, accept, matching: matches) {
        case .hit:
            hit = true
        case .miss:
            break
        case .expired(let index):
            if locked {
                removeExpired(index, tag: hash.tag, in: shard)
            } else {
                thread.leave()
                removeExpired(hash, in: shard, hasReached: hasReached, matching: matches)
                count(hit: false, counting, thread)
                return
            }
        }
        if locked {
            shard.countLockedRead()
            shard.unlock()
        } else {
            thread.leave()
        }
        count(hit: hit, counting, thread)
    }

    /// Removes the expired entry at `index` of `shard`, whose lock the caller holds.
    @inline(never)
    private func removeExpired(_ index: Int32, tag: UInt32, in shard: Shard) {
        shard.exclusive()
        removeExpired(index, tag: tag, from: &shard.table.pointee)
    }

    /// For a lock-free read that met an expired entry: removes it under the lock, if it is still
    /// there and expired.
    @inline(never)
    private func removeExpired(
        _ hash: KeyHash, in shard: Shard, hasReached: (Double) -> Bool, matching matches: (String) -> Bool
    ) {
        shard.lock()
        defer { shard.unlock() }
        guard let index = shard.table.pointee.find(tag: hash.tag, matches: matches),
              Store.isExpired(shard.table.pointee[index].deadline, hasReached: hasReached)
        else { return }
        removeExpired(index, tag: hash.tag, in: shard)
    }

    @inline(__always)
    private func count(hit: Bool, _ counting: ReadCounting, _ thread: ThreadRecord) {
        switch counting {
        case .hitsAndMisses: thread.count(hit: hit, miss: !hit, in: identity)
        case .hitsOnly: if hit { thread.count(hit: true, miss: false, in: identity) }
        case .nothing: break
        }
    }

    /// The read itself, changing nothing in the table but the entry's recency stamp (atomically):
    /// with the shard's lock held, or as an announced lock-free reader.
    @inline(__always)
    private func lookUp(
        _ hash: KeyHash, in table: borrowing EntryTable, _ shard: Shard, hasReached: (Double) -> Bool,
        thread: ThreadRecord, _ accept: (UnsafePointer<any Sendable>) -> Bool, matching matches: (String) -> Bool
    ) -> ReadOutcome {
        guard let index = table.find(tag: hash.tag, matches: matches) else { return .miss }
        if Store.isExpired(table[index].deadline, hasReached: hasReached) { return .expired(index) }
        guard accept(table.value(at: index)) else { return .miss }
        RecencyClock.touch(
            table.stamp(at: index), shardClock: shard.counters.pointee.clock, store: shards.clock, thread: thread
        )
        return .hit
    }

    /// The live value of `key` as a `Value`, made most recently used; `nil` for a miss.
    @inline(__always)
    func get<Value>(
        _ key: String, _ hash: KeyHash, as type: Value.Type, clock: ExpiryClock,
        counting: ReadCounting = .hitsAndMisses
    ) -> Value? {
        var result: Value?
        read(key, hash, clock: clock, counting: counting) { value in
            result = value.pointee as? Value
            return result != nil
        }
        return result
    }

    /// The live value and deadline of `key`, without counting a read or changing recency (an
    /// expired entry met is removed and counted as an expiration).
    func peek(_ key: String, _ hash: KeyHash, clock: ExpiryClock) -> (value: any Sendable, deadline: Double)? {
        let shard = shards[hash.shard]
        shard.lock()
        defer { shard.unlock() }
        guard let index = liveIndex(of: key, hash, in: shard, clock: clock) else { return nil }
        return (shard.table.pointee[index].value, shard.table.pointee[index].deadline)
    }

    /// Whether `key` holds a live entry. Recency is not changed; an expired entry is removed.
    func contains(_ key: String, _ hash: KeyHash, clock: ExpiryClock) -> Bool {
        let shard = shards[hash.shard]
        shard.lock()
        defer { shard.unlock() }
        return liveIndex(of: key, hash, in: shard, clock: clock) != nil
    }

    // MARK: - Writes

    enum WriteMode {
        /// Store whatever is there.
        case set
        /// Store only if the key is absent or expired.
        case add
    }

    struct Limits {
        var maxEntries: Int
        var cullFrequency: Int
    }

    private enum WriteOutcome {
        case done(Bool)
        case needsRoom
    }

    /// Stores `value` under `key` until `deadline` (`nil`: not kept, so any value is removed).
    ///
    /// - Returns: For `.add`, whether the key was absent or expired; for `.set`, `true`.
    @discardableResult
    func write(
        _ key: String, _ hash: KeyHash, value: any Sendable, deadline: Double?, mode: WriteMode,
        now: Double, limits: Limits
    ) -> Bool {
        write(
            hash, value: value, deadline: deadline, mode: mode, now: now, limits: limits,
            matching: { KeyBytes.equal($0, key) }, key: { key }
        )
    }

    /// `write` for a key given by its hash, a test of stored keys and a maker of the `String`
    /// to store, called only when a new entry is inserted (see ``InlineKey``).
    @inline(__always)
    func write(
        _ hash: KeyHash, value: any Sendable, deadline: Double?, mode: WriteMode, now: Double, limits: Limits,
        matching matches: (String) -> Bool, key: () -> String
    ) -> Bool {
        let shard = shards[hash.shard]
        let fast = shard.withExclusiveLock { table in
            writeLocked(&table, shard, hash, value: value, deadline: deadline, mode: mode, now: now, matching: matches, key: key) {
                reservePlace(below: limits.maxEntries)
            }
        }
        if case .done(let result) = fast { return result }
        // The store is full: with every shard locked, cull (unless the key appeared meanwhile),
        // then write. Culling happens before `writeLocked` takes the table `inout`, never inside it.
        let slow = withAllShardsLocked { tables in
            let table = tables[hash.shard]
            if deadline != nil, table.pointee.find(tag: hash.tag, matches: matches) == nil {
                makeRoom(in: tables, limits: limits)
            }
            return writeLocked(
                &table.pointee, shard, hash, value: value, deadline: deadline, mode: mode, now: now,
                matching: matches, key: key
            ) {
                count.add(1, ordering: .relaxed)
                return true
            }
        }
        guard case .done(let result) = slow else { preconditionFailure("an insert with room cannot need room") }
        return result
    }

    private func writeLocked(
        _ table: inout EntryTable, _ shard: Shard, _ hash: KeyHash, value: any Sendable, deadline: Double?,
        mode: WriteMode, now: Double, matching matches: (String) -> Bool, key: () -> String, reserve: () -> Bool
    ) -> WriteOutcome {
        if let index = table.find(tag: hash.tag, matches: matches) {
            let existing = table[index].deadline
            let expired = existing != .infinity && existing <= now
            if mode == .add {
                if !expired { return .done(false) }
                table.statistics.expired &+= 1
            }
            guard let deadline else {
                table.remove(at: index, tag: hash.tag)
                count.subtract(1, ordering: .relaxed)
                return .done(true)
            }
            table[index].value = value
            table[index].deadline = deadline
            table[index].stamp = nextStamp(shard)
            table.statistics.sets &+= 1
            return .done(true)
        }
        guard let deadline else { return .done(true) }
        guard reserve() else { return .needsRoom }
        table.insert(key(), tag: hash.tag, value: value, deadline: deadline, stamp: nextStamp(shard))
        table.statistics.sets &+= 1
        return .done(true)
    }

    /// Takes a place in the store if it holds fewer than `maxEntries` entries.
    private func reservePlace(below maxEntries: Int) -> Bool {
        var current = count.load(ordering: .relaxed)
        while current < maxEntries {
            let (exchanged, original) = count.compareExchange(
                expected: current, desired: current &+ 1, ordering: .relaxed
            )
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Culls least-recently-used entries until the store holds fewer than `maxEntries`: Django's
    /// `_cull`, `count / cullFrequency` at a time (at least one), or everything when
    /// `cullFrequency` is 0. Called with every shard locked.
    ///
    /// The victims are the entries with the smallest `(stamp, shard index)` (``RecencyClock``):
    /// the stamps are gathered and the cut-off found by selection, not by sorting.
    ///
    /// - Complexity: O(*n*) for a store of *n* entries; with `cullFrequency` *f* a cull frees
    ///   *n* / *f* places, so inserts pay O(*f*) each, amortized.
    private func makeRoom(in tables: [UnsafeMutablePointer<EntryTable>], limits: Limits) {
        var total = count.load(ordering: .relaxed)
        guard total >= limits.maxEntries else { return }
        if limits.cullFrequency == 0 {
            for table in tables {
                table.pointee.statistics.culled &+= table.pointee.count
                table.pointee.removeAll()
            }
            count.store(0, ordering: .relaxed)
            return
        }
        // Django culls `count / cullFrequency` at a time until there is room; each round takes the
        // oldest left, so all rounds together take the oldest `victims`.
        var victims = 0
        while total >= limits.maxEntries {
            let round = Swift.max(1, total / limits.cullFrequency)
            victims += round
            total -= round
        }
        var orders = Store.recency(in: tables)
        let cutOff = Store.select(victims, smallestOf: &orders)
        // Concurrent reads can give two entries of a shard one stamp: of those at the cut-off, only
        // as many as still needed go, the first met in table order.
        var ties = victims - orders.reduce(0) { $1 < cutOff ? $0 + 1 : $0 }
        for (shard, table) in tables.enumerated() {
            for index in 0..<Int32(table.pointee.records) {
                let entry = table.pointee[index]
                guard !entry.isFree else { continue }
                let order = Store.order(entry.stamp, shard: shard)
                if order > cutOff { continue }
                if order == cutOff {
                    guard ties > 0 else { continue }
                    ties -= 1
                }
                table.pointee.remove(at: index, tag: hash(entry.key).tag)
                table.pointee.statistics.culled &+= 1
            }
        }
        count.store(total, ordering: .relaxed)
    }

    /// An entry's place in the culling order: its stamp, then its shard's index.
    @inline(__always)
    private static func order(_ stamp: UInt64, shard: Int) -> UInt64 {
        stamp &<< UInt64(shardBits) | UInt64(shard)
    }

    /// Every live entry's place in the culling order.
    private static func recency(in tables: [UnsafeMutablePointer<EntryTable>]) -> [UInt64] {
        var orders: [UInt64] = []
        orders.reserveCapacity(tables.reduce(0) { $0 + $1.pointee.count })
        for (shard, table) in tables.enumerated() {
            for index in 0..<Int32(table.pointee.records) where !table.pointee[index].isFree {
                orders.append(order(table.pointee[index].stamp, shard: shard))
            }
        }
        return orders
    }

    /// Changes the expiry of a live entry without changing its recency (`nil`: remove it).
    func touch(_ key: String, _ hash: KeyHash, deadline: Double?, clock: ExpiryClock) -> Bool {
        let shard = shards[hash.shard]
        return shard.withExclusiveLock { table in
            guard let index = liveIndex(of: key, hash, in: &table, clock: clock) else { return false }
            if let deadline {
                table[index].deadline = deadline
            } else {
                table.remove(at: index, tag: hash.tag)
                count.subtract(1, ordering: .relaxed)
            }
            return true
        }
    }

    /// Removes `key`. Returns whether it held a live entry.
    func delete(_ key: String, _ hash: KeyHash, clock: ExpiryClock) -> Bool {
        let shard = shards[hash.shard]
        return shard.withExclusiveLock { table in
            guard let index = liveIndex(of: key, hash, in: &table, clock: clock) else { return false }
            table.remove(at: index, tag: hash.tag)
            count.subtract(1, ordering: .relaxed)
            return true
        }
    }

    /// Replaces the `Int` under `key` by `operation(value)`, keeping its expiry and making it most
    /// recently used. `operation` returns `nil` on overflow.
    func adjust(
        _ key: String, _ hash: KeyHash, clock: ExpiryClock, operation: (Int) -> Int?
    ) throws(CacheError) -> Int {
        let shard = shards[hash.shard]
        return try shard.withExclusiveLock { (table) throws(CacheError) -> Int in
            guard let index = liveIndex(of: key, hash, in: &table, clock: clock) else { throw .keyNotFound(key) }
            guard let value = table[index].value as? Int else { throw .notAnInteger(key) }
            guard let result = operation(value) else { throw .overflow(key) }
            table[index].value = result
            table[index].stamp = nextStamp(shard)
            return result
        }
    }

    /// The `k`-th smallest of `values` (so that at least `k` are at most it, exactly `k` when they
    /// are distinct); `.max` when `k` is not below their count. Reorders `values`.
    ///
    /// - Complexity: O(*n*) expected (quickselect, median-of-three pivots); should the pivots be
    ///   unlucky for too long, the rest is sorted, so never worse than O(*n* log *n*).
    static func select(_ k: Int, smallestOf values: inout [UInt64]) -> UInt64 {
        guard k < values.count else { return .max }
        let target = k - 1
        var low = 0, high = values.count - 1, rounds = 0
        while low < high {
            rounds += 1
            if rounds > 64 {
                values[low...high].sort()
                break
            }
            let first = values[low], middle = values[low + (high - low) / 2], last = values[high]
            let pivot = Swift.max(Swift.min(first, middle), Swift.min(Swift.max(first, middle), last))
            var left = low, right = high
            while left <= right {
                while values[left] < pivot { left += 1 }
                while values[right] > pivot { right -= 1 }
                if left <= right {
                    values.swapAt(left, right)
                    left += 1
                    right -= 1
                }
            }
            // Now values[low...right] <= pivot <= values[left...high], and between them == pivot.
            if target <= right {
                high = right
            } else if target >= left {
                low = left
            } else {
                return values[target]
            }
        }
        return values[target]
    }

    // MARK: - Whole store

    /// Runs `body` with every shard locked, in index order (the only order in which more than one
    /// shard lock is ever held, so this cannot deadlock), and exclusive (``Shard/exclusive()``).
    private func withAllShardsLocked<Result>(_ body: ([UnsafeMutablePointer<EntryTable>]) -> Result) -> Result {
        let all = shards.all
        for shard in all {
            shard.lock()
            shard.exclusive()
        }
        defer { for shard in all.reversed() { shard.unlock() } }
        return body(all.map(\.table))
    }

    func removeAll() {
        withAllShardsLocked { tables in
            for table in tables { table.pointee.removeAll() }
            count.store(0, ordering: .relaxed)
        }
    }

    var statistics: CacheStatistics {
        var statistics = shards.all.reduce(CacheStatistics()) { sum, shard in
            shard.lock()
            defer { shard.unlock() }
            return sum + shard.table.pointee.statistics
        }
        let reads = ThreadRecords.reads(of: identity)
        let atReset = readsAtReset.withLock { $0 }
        statistics.hits = reads.hits &- atReset.hits
        statistics.misses = reads.misses &- atReset.misses
        return statistics
    }

    func resetStatistics() {
        for shard in shards.all {
            shard.withExclusiveLock { table in table.statistics = CacheStatistics() }
        }
        readsAtReset.withLock { $0 = ThreadRecords.reads(of: identity) }
    }

    // MARK: - Registry

    /// Django's module-level `_caches` dictionaries: one store per location, for the process's
    /// lifetime.
    private static let registry = Mutex<[String: Store]>([:])

    static func named(_ location: String) -> Store {
        registry.withLock { stores in
            if let store = stores[location] { return store }
            let store = Store()
            stores[location] = store
            return store
        }
    }
}
