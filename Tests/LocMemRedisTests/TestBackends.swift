import Foundation
import LocMem
import LocMemRedis
import RedisTestSupport
import Synchronization
import Testing

/// The backends every behaviour test runs on: LocMem always, Redis when a server can be had.
enum BackendKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case locMem
    case redis
    /// `NearCache`: the same suite through its near level (the behaviour must not change).
    case near

    var testDescription: String { rawValue }

    /// The kinds to test here: Redis only when a server is available (see `RedisTestServer`).
    static var available: [BackendKind] {
        RedisTestServer.isAvailable ? [.locMem, .redis, .near] : [.locMem]
    }
}

/// A cache under test and a way to let time pass for it.
///
/// LocMem runs on a `ManualClock`, advanced instantly; Redis expires keys on its own clock, so
/// time really passes (the tests keep their timeouts short).
struct TestBackend: Sendable {
    let cache: any CacheBackend
    let kind: BackendKind
    private let clock: ManualClock?

    /// A cache of `kind` that shares nothing with other tests: a fresh LocMem location, or a
    /// Redis key prefix of its own (added in front of `configuration.keyPrefix`).
    init(_ kind: BackendKind, _ configuration: CacheConfiguration = .init(), name: String = #function) async throws {
        self.kind = kind
        let unique = "\(name.prefix(while: { $0 != "(" }))-\(UUID().uuidString.prefix(8))"
        switch kind {
        case .locMem:
            let clock = ManualClock()
            self.clock = clock
            cache = try LocMemCache(location: unique, configuration: configuration, clock: clock)
        case .redis:
            clock = nil
            var configuration = configuration
            configuration.keyPrefix = unique + configuration.keyPrefix
            cache = try await RedisCache(url: try RedisTestServer.sharedURL(), configuration: configuration)
        case .near:
            clock = nil
            var configuration = configuration
            configuration.keyPrefix = unique + configuration.keyPrefix
            cache = try await NearCache(url: try RedisTestServer.sharedURL(), configuration: configuration)
        }
    }

    /// Lets `seconds` pass for the cache's expiry.
    func advance(by seconds: Double) async throws {
        if let clock {
            clock.advance(by: seconds)
        } else {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
        }
    }
}

// MARK: - Errors

/// The `CacheError` a call threw, or nil if it threw none (another error is recorded as an issue).
func cacheError<T>(_ body: () async throws -> T) async -> CacheError? {
    do {
        _ = try await body()
        return nil
    } catch let error as CacheError {
        return error
    } catch {
        Issue.record("expected a CacheError, got \(error)")
        return nil
    }
}

extension CacheError {
    var isKeyNotFound: Bool { if case .keyNotFound = self { true } else { false } }
    var isNotAnInteger: Bool { if case .notAnInteger = self { true } else { false } }
    var isOverflow: Bool { if case .overflow = self { true } else { false } }
    var isConnectionFailed: Bool { if case .connectionFailed = self { true } else { false } }
}

/// A thread-safe counter that closures can capture (an `Atomic` itself cannot be captured).
final class Counter: Sendable {
    private let atomic = Atomic<Int>(0)
    func increment() { atomic.add(1, ordering: .relaxed) }
    var value: Int { atomic.load(ordering: .relaxed) }
}
