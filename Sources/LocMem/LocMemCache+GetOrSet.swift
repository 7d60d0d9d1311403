extension LocMemCache {
    /// The flights the current task (or thread) is leading: a loader that asks for its own key
    /// again would otherwise wait for itself.
    @TaskLocal static var flightsLedHere: Set<FlightKey> = []

    /// The value under `key`, or the result of `makeValue`, stored with `timeout` and returned.
    ///
    /// Django's `get_or_set`, and **beyond** it single-flight: when several threads miss on the
    /// same key at once, one runs `makeValue` and the others block until it finishes, then return
    /// its value. If the loader throws, every waiter gets the error and nothing is stored.
    /// A loader may use the cache itself (other keys, or even the same key, which then loads
    /// without waiting).
    ///
    /// ```swift
    /// let user = try cache.getOrSet("user:\(id)", timeout: 60) { try database.loadUser(id) }
    /// ```
    ///
    /// A waiter whose loader could not produce the leader's outcome (another value type, or an
    /// error its closure cannot throw) runs its own loader instead.
    ///
    /// - Note: Waiting blocks the thread. In async code pass an `async` loader to use the async
    ///   overload, which suspends instead.
    /// - Complexity: O(1) on a hit, as ``get(_:as:version:)``.
    @inlinable
    public func getOrSet<V: Sendable, E: Error>(
        _ key: String, timeout: CacheTimeout = .default, version: Int? = nil,
        default makeValue: () throws(E) -> V
    ) throws(E) -> V {
        // The hit path is inlinable so that the cast is specialized for the caller's type.
        var hit: V?
        _read(key, version: version) { value in
            hit = LocMemCache._cast(value, to: V.self)
            return hit != nil
        }
        if let hit { return hit }
        // The key was checked for portability by `_read`: build it without warning twice.
        return try _load(finalKey: makeKey(key, version: version), timeout: timeout, makeValue)
    }

    /// The miss path of `getOrSet`: join or lead the key's flight.
    @usableFromInline
    func _load<V: Sendable, E: Error>(
        finalKey: String, timeout: CacheTimeout, _ makeValue: () throws(E) -> V
    ) throws(E) -> V {
        let hash = store.hash(finalKey)
        let flightKey = FlightKey(store: ObjectIdentifier(store), key: finalKey)
        if Self.flightsLedHere.contains(flightKey) {
            return try loadAndStore(finalKey, timeout: timeout, makeValue)
        }
        switch store.joinFlight(finalKey) {
        case .leader(let flight):
            // A flight that landed between our miss and our joining may have stored the value.
            if let value = store.get(finalKey, hash, as: V.self, clock: clock, counting: .nothing) {
                store.land(flight, key: finalKey, outcome: .success(value))
                return value
            }
            let loaded: Result<V, E> = Self.$flightsLedHere.withValue(Self.flightsLedHere.union([flightKey])) {
                do throws(E) { return .success(try makeValue()) } catch { return .failure(error) }
            }
            switch loaded {
            case .success(let value):
                write(finalKey, value, timeout: timeout, mode: .set)
                store.land(flight, key: finalKey, outcome: .success(value))
                return value
            case .failure(let error):
                store.land(flight, key: finalKey, outcome: .failure(error))
                throw error
            }
        case .follower(let flight):
            switch flight.wait() {
            case .success(let value):
                if let value = value as? V { return value }
            case .failure(let error):
                if let error = error as? E { throw error }
            }
            return try loadAndStore(finalKey, timeout: timeout, makeValue)
        }
    }

    /// The async form of ``getOrSet(_:timeout:version:default:)-(_,_,_,()throws(E)->V)``: waiters
    /// suspend rather than block, so it is safe to call from any task.
    ///
    /// If the leading task is cancelled and its loader throws `CancellationError`, the waiters
    /// receive that error too.
    public func getOrSet<V: Sendable>(
        _ key: String, timeout: CacheTimeout = .default, version: Int? = nil,
        default makeValue: @Sendable () async throws -> V
    ) async throws -> V {
        let finalKey = makeValidatedKey(key, version: version)
        let hash = store.hash(finalKey)
        if let value = store.get(finalKey, hash, as: V.self, clock: clock) { return value }
        let flightKey = FlightKey(store: ObjectIdentifier(store), key: finalKey)
        if Self.flightsLedHere.contains(flightKey) {
            let value = try await makeValue()
            write(finalKey, value, timeout: timeout, mode: .set)
            return value
        }
        switch store.joinFlight(finalKey) {
        case .leader(let flight):
            if let value = store.get(finalKey, hash, as: V.self, clock: clock, counting: .nothing) {
                store.land(flight, key: finalKey, outcome: .success(value))
                return value
            }
            do {
                let value = try await Self.$flightsLedHere.withValue(Self.flightsLedHere.union([flightKey])) {
                    try await makeValue()
                }
                write(finalKey, value, timeout: timeout, mode: .set)
                store.land(flight, key: finalKey, outcome: .success(value))
                return value
            } catch {
                store.land(flight, key: finalKey, outcome: .failure(error))
                throw error
            }
        case .follower(let flight):
            switch await flight.outcome() {
            case .success(let value):
                if let value = value as? V { return value }
            case .failure(let error):
                throw error
            }
            let value = try await makeValue()
            write(finalKey, value, timeout: timeout, mode: .set)
            return value
        }
    }

    private func loadAndStore<V: Sendable, E: Error>(
        _ finalKey: String, timeout: CacheTimeout, _ makeValue: () throws(E) -> V
    ) throws(E) -> V {
        let value = try makeValue()
        write(finalKey, value, timeout: timeout, mode: .set)
        return value
    }
}
