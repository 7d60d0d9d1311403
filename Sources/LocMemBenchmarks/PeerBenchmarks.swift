import Foundation
import Synchronization

// LocMem's in-process peers: Foundation's `NSCache` and a bare dictionary behind a `Mutex`, the
// floor any thread-safe cache in Swift is measured against. ``CacheBenchmarks`` runs the same
// cases on them as on LocMem. Django's `LocMemCache`, the other peer, runs in
// `Benchmarks/django_bench.py` (see ``DjangoPeer``).

/// Foundation's `NSCache`, with `countLimit` as LocMem's `maxEntries`.
///
/// Keys are `NSString`s built before timing (a caller with `String` keys would also pay for the
/// bridging on every call); values are boxed in a class, as `NSCache` requires, one box per `set`.
struct NSCacheSubject: BenchmarkedCache, @unchecked Sendable {
    // `@unchecked`: NSCache is documented as thread-safe; it just is not declared Sendable.
    static let implementation = Implementation.nsCache
    let cache: NSCache<NSString, ValueBox>
    private let owner: Owner

    init() {
        owner = Owner()
        cache = owner.cache  // stored too, so a lookup does not go through the owner
    }

    /// Empties the NSCache before releasing it: swift-corelibs-foundation's NSCache links its
    /// entries with strong references both ways and has no `deinit` that breaks them, so a cache
    /// released while holding entries leaks them (valgrind and LeakSanitizer both see it).
    private final class Owner: @unchecked Sendable {
        // `@unchecked`: NSCache is documented as thread-safe; it just is not declared Sendable.
        let cache = NSCache<NSString, ValueBox>()

        init() {
            cache.countLimit = CacheBenchmarks.configuration.maxEntries
        }

        deinit {
            cache.removeAllObjects()
        }
    }

    func makeKey(_ key: String) -> SendableKey { SendableKey(string: NSString(string: key)) }

    @inline(__always)
    func get(_ key: SendableKey) -> SmallValue? {
        cache.object(forKey: key.string)?.value
    }

    @inline(__always)
    func set(_ key: SendableKey, _ value: SmallValue) {
        cache.setObject(ValueBox(value), forKey: key.string)
    }

    /// An immutable `NSString`, shared between threads read-only.
    struct SendableKey: @unchecked Sendable {
        // `@unchecked`: the string is immutable and never mutated after creation.
        let string: NSString
    }

    final class ValueBox: Sendable {
        let value: SmallValue

        init(_ value: SmallValue) {
            self.value = value
        }
    }
}

/// The bare floor: `Mutex<[String: SmallValue]>`, with no expiry, no recency, no key building and
/// no statistics.
struct MutexDictionarySubject: BenchmarkedCache {
    static let implementation = Implementation.mutexDictionary
    let storage = MutexDictionary<SmallValue>()

    func makeKey(_ key: String) -> String { key }

    @inline(__always)
    func get(_ key: String) -> SmallValue? {
        storage.get(key)
    }

    @inline(__always)
    func set(_ key: String, _ value: SmallValue) {
        storage.set(key, value)
    }
}

/// A dictionary behind one `Mutex` (also used by ``MemoryBenchmarks`` as the memory baseline).
final class MutexDictionary<Value: Sendable>: Sendable {
    let storage = Mutex<[String: Value]>([:])

    @inline(__always)
    func get(_ key: String) -> Value? {
        storage.withLock { $0[key] }
    }

    @inline(__always)
    func set(_ key: String, _ value: Value) {
        storage.withLock { $0[key] = value }
    }

    var count: Int {
        storage.withLock { $0.count }
    }
}
