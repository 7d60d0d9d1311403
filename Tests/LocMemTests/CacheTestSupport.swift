import LocMem
import Synchronization
import Testing

// MARK: - Unique locations

/// Caches built with the same `location` share one store, and Swift Testing runs tests in parallel,
/// so every test asks for a location nobody else uses.
private let locationCounter = Atomic<Int>(0)

/// Returns a location no other test in this process uses, named after the calling test.
func uniqueLocation(_ name: String = #function) -> String {
    let serial = locationCounter.wrappingAdd(1, ordering: .relaxed).newValue
    return "LocMemTests.\(name).\(serial)"
}

/// Builds a cache on a store of its own, driven by `clock` (a `ManualClock` at 0 unless given).
func makeCache(
    _ configuration: CacheConfiguration = CacheConfiguration(),
    clock: ManualClock = ManualClock(),
    location: String? = nil,
    name: String = #function
) throws(CacheError) -> LocMemCache {
    try LocMemCache(location: location ?? uniqueLocation(name), configuration: configuration, clock: clock)
}

/// A configuration whose key function leaves keys untouched, as Django's key-warning tests do,
/// so the key a test passes is the final key the cache validates.
func identityKeyConfiguration(onKeyWarning: @escaping @Sendable (CacheKeyWarning) -> Void) -> CacheConfiguration {
    CacheConfiguration(keyFunction: { key, _, _ in key }, onKeyWarning: onKeyWarning)
}

// MARK: - Errors

/// The case of a `CacheError`, without the key text, whose exact form API.md leaves open.
enum CacheErrorCase: Equatable {
    case keyNotFound
    case notAnInteger
    case overflow
    case invalidConfiguration(field: String)
    case other
}

extension CacheError {
    var errorCase: CacheErrorCase {
        if case .keyNotFound = self { return .keyNotFound }
        if case .notAnInteger = self { return .notAnInteger }
        if case .overflow = self { return .overflow }
        if case .invalidConfiguration(let field, _) = self { return .invalidConfiguration(field: field) }
        return .other
    }
}

/// Runs `body` and returns the case of the error it threw, or nil when it threw none.
func thrownCase<T>(_ body: () throws -> T) -> CacheErrorCase? {
    do {
        _ = try body()
        return nil
    } catch let error as CacheError {
        return error.errorCase
    } catch {
        return .other
    }
}

/// Runs `body` and returns the error it threw, or nil when it threw none.
func thrownError<T>(_ body: () throws -> T) -> (any Error)? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

// MARK: - Statistics

/// `CacheStatistics` as a value this target can build, so a whole snapshot is compared at once.
struct Counts: Equatable, CustomStringConvertible {
    var hits: Int
    var misses: Int
    var sets: Int
    var culled: Int
    var expired: Int

    init(hits: Int = 0, misses: Int = 0, sets: Int = 0, culled: Int = 0, expired: Int = 0) {
        self.hits = hits
        self.misses = misses
        self.sets = sets
        self.culled = culled
        self.expired = expired
    }

    init(_ statistics: CacheStatistics) {
        self.init(
            hits: statistics.hits, misses: statistics.misses, sets: statistics.sets,
            culled: statistics.culled, expired: statistics.expired
        )
    }

    var description: String {
        "hits \(hits), misses \(misses), sets \(sets), culled \(culled), expired \(expired)"
    }
}

// MARK: - Key warnings

extension CacheKeyWarning {
    /// Whether the key has a space, a control character or DEL.
    var isInvalidCharacter: Bool {
        if case .invalidCharacter = kind { return true }
        return false
    }

    /// The length reported by a too-long warning, or nil for another kind.
    var tooLongLength: Int? {
        if case .tooLong(let length) = kind { return length }
        return nil
    }
}

/// Collects the key warnings a cache reports through `onKeyWarning`, from any thread.
final class WarningRecorder: Sendable {
    private let recorded = Mutex<[CacheKeyWarning]>([])

    var handler: @Sendable (CacheKeyWarning) -> Void {
        { [self] warning in recorded.withLock { $0.append(warning) } }
    }

    var warnings: [CacheKeyWarning] {
        recorded.withLock { $0 }
    }

    /// Returns the warnings recorded so far and forgets them.
    func take() -> [CacheKeyWarning] {
        recorded.withLock { warnings in
            defer { warnings.removeAll() }
            return warnings
        }
    }
}

// MARK: - Reaching a cache from its own callbacks

/// Holds a cache for a callback (a key-warning handler) that must exist before the cache does.
final class CacheHolder: Sendable {
    private let stored = Mutex<LocMemCache?>(nil)

    var cache: LocMemCache? {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }
}
