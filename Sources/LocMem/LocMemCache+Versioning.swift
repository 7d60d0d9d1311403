extension LocMemCache {
    /// Moves the value of `key` from `version` (the configuration's when `nil`) to
    /// `version + delta`, and removes it from the old version. Django's `incr_version`.
    ///
    /// The value keeps its remaining lifetime (Django's resets it to the default timeout). A
    /// `delta` of 0 changes nothing.
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
        guard let (value, deadline) = store.entry(oldKey, KeyHash(oldKey), clock: clock) else {
            throw .keyNotFound(oldKey)
        }
        guard target != current else { return current }
        let newKey = makeValidatedKey(key, version: target)
        store.write(
            newKey, KeyHash(newKey), value: value, deadline: deadline, mode: .set, now: clock.now(),
            limits: limits
        )
        _ = store.delete(oldKey, KeyHash(oldKey), clock: clock)
        return target
    }
}
