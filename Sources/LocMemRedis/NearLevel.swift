import LocMem
import Synchronization

/// The in-process level of a ``NearCache``: a ``LocMemCache`` of its own, and the bookkeeping that
/// keeps it coherent with the server (Redis's client-side caching document, "placeholders").
///
/// **The placeholder rule.** A value read from Redis may be kept only if nothing changed the key
/// while the read was in flight: an invalidation can arrive (on the tracking connection) before the
/// reply (on another connection) that it makes stale. So before a read is sent,
/// ``beginFill(_:)`` marks the key as loading with a fresh ticket; an invalidation of the key, a
/// local write, a flush or the loss of the tracking connection removes the mark; and
/// ``completeFill(_:_:timeout:)`` stores the reply only if its mark is still there. The check and
/// the store happen under one lock that invalidations also take, so none slips in between.
///
/// **Disabled** (``isActive`` false) until the tracking connection reports that tracking is on, and
/// again from the moment it is lost until it is back: then the level is empty and no read fills it,
/// so every read goes to Redis.
///
/// The hit path (``values``) takes no lock of this type: the level is kept empty whenever a hit
/// could be stale, so a read needs only LocMem's own shard lock.
///
/// - Note: `Sendable`; every method is thread-safe. Invalidations come on the event loop.
final class NearLevel: Sendable {
    /// A read's claim on a key: stored only if still current when the reply comes.
    struct Ticket: Sendable {
        let key: String
        let number: UInt64
    }

    private struct State {
        /// The tracking connection (its generation) whose invalidations keep the level coherent;
        /// `nil`: disabled.
        var trackedBy: Int?
        var nextTicket: UInt64 = 0
        /// The key of each read in flight, with the ticket of the latest.
        var loading: [String: UInt64] = [:]
    }

    /// The near level, under the cache's configuration: `get(key, version:)` finds what
    /// ``completeFill(_:_:timeout:)`` stored under the final key (the same key function), on
    /// LocMem's allocation-free hit path.
    let values: LocMemCache
    /// The same store, addressed by final keys (the key function is the identity): for fills and
    /// for the invalidations, which name final keys.
    private let byFinalKey: LocMemCache
    private let state = Mutex(State())
    private let counters = Counters()

    /// Counters of the level's coherence work, for ``NearCache/statistics``.
    final class Counters: Sendable {
        let fills = Atomic<Int>(0)
        let discardedFills = Atomic<Int>(0)
        let invalidations = Atomic<Int>(0)
        let flushes = Atomic<Int>(0)
    }

    /// A level on a LocMem store of its own, named `location` (unique per ``NearCache``).
    init(location: String, configuration: CacheConfiguration, maxEntries: Int) throws(CacheError) {
        var near = configuration
        near.maxEntries = maxEntries
        near.cullFrequency = 3
        near.timeout = nil
        values = try LocMemCache(location: location, configuration: near)
        byFinalKey = try LocMemCache(
            location: location,
            configuration: CacheConfiguration(
                timeout: nil, maxEntries: maxEntries, keyFunction: { key, _, _ in key }, onKeyWarning: { _ in }
            )
        )
    }

    /// Whether reads may fill the level (tracking is on).
    var isActive: Bool { state.withLock { $0.trackedBy != nil } }

    // MARK: - Reads

    /// Marks `key` as loading before its read is sent; `nil` when the level is disabled (read
    /// without keeping the value).
    func beginFill(_ key: String) -> Ticket? {
        state.withLock { state in
            guard state.trackedBy != nil else { return nil }
            state.nextTicket &+= 1
            state.loading[key] = state.nextTicket
            return Ticket(key: key, number: state.nextTicket)
        }
    }

    /// Stores `value` under the ticket's key for `timeout` seconds, if the ticket is still the
    /// key's current one (nothing changed the key, and no flush came, since ``beginFill(_:)``).
    /// `value` `nil`, or `timeout` not above 0, only gives the ticket back.
    func completeFill<V: Sendable>(_ ticket: Ticket, _ value: V?, timeout: Double) {
        let outcome: Bool? = state.withLock { state in
            guard state.loading[ticket.key] == ticket.number else { return false }
            state.loading[ticket.key] = nil
            guard let value, timeout > 0 else { return nil }
            byFinalKey.set(ticket.key, value, timeout: .seconds(timeout))
            return true
        }
        switch outcome {
        case true?: counters.fills.add(1, ordering: .relaxed)
        case false?: counters.discardedFills.add(1, ordering: .relaxed)
        case nil: break
        }
    }

    /// Gives a ticket back without storing (the read failed).
    func abandon(_ ticket: Ticket) {
        state.withLock { state in
            if state.loading[ticket.key] == ticket.number { state.loading[ticket.key] = nil }
        }
    }

    // MARK: - Invalidation

    /// Drops `keys` (final keys) and the reads of them in flight: the server said they changed, or
    /// this process wrote them.
    func invalidate<Keys: Sequence<String>>(_ keys: Keys, fromServer: Bool) {
        var count = 0
        state.withLock { state in
            for key in keys {
                state.loading[key] = nil
                byFinalKey.delete(key)
                count += 1
            }
        }
        if fromServer { counters.invalidations.add(count, ordering: .relaxed) }
    }

    /// Empties the level and forgets the reads in flight (`FLUSHDB`, `clear()`).
    func flush() {
        flush { _ in }
    }

    /// Tracking is on, on the connection of `generation`: empties the level (nothing learned
    /// before is known to be current) and enables fills.
    func enable(trackedBy generation: Int) {
        flush { $0.trackedBy = generation }
    }

    /// The connection of `generation` was lost: empties the level, and disables fills unless a
    /// newer connection already took over (its `enable` can overtake this `disable`).
    func disable(trackedBy generation: Int) {
        flush { state in
            if state.trackedBy == generation { state.trackedBy = nil }
        }
    }

    /// Disables fills for good (the cache is closing) and empties the level.
    func disable() {
        flush { $0.trackedBy = nil }
    }

    private func flush(_ change: (inout State) -> Void) {
        state.withLock { state in
            change(&state)
            state.loading.removeAll()
            values.clear()
        }
        counters.flushes.add(1, ordering: .relaxed)
    }

    /// The coherence counters: fills, discarded fills, invalidated keys, flushes.
    var coherenceCounts: (fills: Int, discardedFills: Int, invalidations: Int, flushes: Int) {
        (
            counters.fills.load(ordering: .relaxed), counters.discardedFills.load(ordering: .relaxed),
            counters.invalidations.load(ordering: .relaxed), counters.flushes.load(ordering: .relaxed)
        )
    }
}
