extension LocMemCache {
    /// The live values of `keys` that are `V`s, keyed by the caller's keys; misses are left out.
    ///
    /// Django's `get_many`: one `get` per key (each counted and made most recently used).
    ///
    /// - Complexity: O(*k*) for *k* keys.
    public func getMany<V>(_ keys: [String], as type: V.Type = V.self, version: Int? = nil) -> [String: V] {
        var found: [String: V] = [:]
        for key in keys {
            if let value = get(key, as: type, version: version) {
                found[key] = value
            }
        }
        return found
    }

    /// Stores every value, as `set` does. Django's `set_many`.
    ///
    /// - Returns: The keys that could not be stored: always empty for a local-memory cache, kept
    ///   for parity with cache servers.
    @discardableResult
    public func setMany<V: Sendable>(
        _ values: [String: V], timeout: CacheTimeout = .default, version: Int? = nil
    ) -> [String] {
        for (key, value) in values {
            set(key, value, timeout: timeout, version: version)
        }
        return []
    }

    /// Removes every key, as `delete` does. Django's `delete_many`.
    public func deleteMany(_ keys: [String], version: Int? = nil) {
        for key in keys {
            delete(key, version: version)
        }
    }
}
