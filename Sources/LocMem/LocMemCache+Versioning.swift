extension LocMemCache {
    /// Moves the value of `key` from `version` (the configuration's when `nil`) to
    /// `version + delta`, and removes it from the old version. Django's `incr_version`.
    ///
    /// The old entry is removed first and the value stored under the new version as the most
    /// recently used, so the move never culls to make room for itself; it keeps its remaining
    /// lifetime (Django's resets it to the default timeout). Not atomic: a concurrent reader may
    /// briefly find the key under neither version. A `delta` of 0 changes nothing. Not counted as a read in
    /// ``statistics``.
    ///
    /// - Returns: The new version.
    /// - Throws: ``CacheError/keyNotFound(_:)`` if the key is missing or expired at `version`;
    ///   ``CacheError/overflow(_:)`` if `version + delta` does not fit in an `Int`.
    @discardableResult
    public func incrVersion(_ key: String, by delta: Int = 1, version: Int? = nil) throws(CacheError) -> Int {
        let current = version ?? configuration.version
        let (target, overflow) = current.addingReportingOverflow(delta)
        if overflow { throw .overflow(makeKey(key, version: current)) }
        return try moveVersion(key, from: current, to: target)
    }

    /// Moves the value of `key` to `version - delta`. Django's `decr_version`.
    ///
    /// - Throws: As ``incrVersion(_:by:version:)``.
    @discardableResult
    public func decrVersion(_ key: String, by delta: Int = 1, version: Int? = nil) throws(CacheError) -> Int {
        let current = version ?? configuration.version
        let (target, overflow) = current.subtractingReportingOverflow(delta)
        if overflow { throw .overflow(makeKey(key, version: current)) }
        return try moveVersion(key, from: current, to: target)
    }

    private func moveVersion(_ key: String, from current: Int, to target: Int) throws(CacheError) -> Int {
        let oldKey = makeValidatedKey(key, version: current)
        guard let (value, deadline) = store.peek(oldKey, store.hash(oldKey), clock: clock) else {
            throw .keyNotFound(oldKey)
        }
        guard target != current else { return current }
        let newKey = makeValidatedKey(key, version: target)
        // The old entry goes first, so that the move never culls an entry to make room for itself.
        _ = store.delete(oldKey, store.hash(oldKey), clock: clock)
        store.write(
            newKey, store.hash(newKey), value: value, deadline: deadline, mode: .set, now: clock.now(),
            limits: limits
        )
        return target
    }
}
