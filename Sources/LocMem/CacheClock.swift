#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A source of monotonic time, in seconds, against which a cache judges expiry.
///
/// The cache never reads the wall clock: a deadline is `clock.now() + timeout`, and an entry is
/// expired once `deadline <= clock.now()`. Inject a ``ManualClock`` in tests to move time by hand
/// instead of sleeping.
///
/// - Note: Implementations must be thread-safe; `now()` is called from any thread, sometimes
///   while the cache holds one of its internal locks, so it must not call back into the cache.
public protocol CacheClock: Sendable {
    /// The current time in seconds. Only differences between readings are meaningful.
    func now() -> Double

    /// Whether `deadline` has been reached: `deadline <= now()`.
    ///
    /// The cache asks this on every read of an entry that can expire. The default implementation
    /// reads `now()`; a clock may answer faster when it can do so exactly.
    func hasReached(_ deadline: Double) -> Bool
}

extension CacheClock {
    /// `deadline <= now()`.
    public func hasReached(_ deadline: Double) -> Bool {
        deadline <= now()
    }
}

/// The default clock: `CLOCK_MONOTONIC`, unaffected by changes to the system time.
public struct MonotonicClock: CacheClock {
    /// The clock; every instance reads the same system clock.
    public init() {}

    /// Seconds since an arbitrary, fixed point in the past (boot, on Linux).
    ///
    /// - Complexity: O(1); a vDSO call on Linux, no system call.
    @inlinable
    public func now() -> Double {
        MonotonicClock.read(CLOCK_MONOTONIC)
    }

    /// Exact, and cheaper than `now()` for deadlines that are not close: the coarse monotonic
    /// clock, a few milliseconds behind the precise one at most, proves a deadline further
    /// ahead than that margin unreached; only a deadline within it needs the precise clock.
    public func hasReached(_ deadline: Double) -> Bool {
        MonotonicClock.hasReached(deadline)
    }

    /// ``hasReached(_:)``, for ``ExpiryClock``. The coarse clock's whole seconds plus one are
    /// never behind it, so the common case (a deadline more than a second and the margin ahead)
    /// needs no conversion of its nanoseconds.
    @inline(__always)
    static func hasReached(_ deadline: Double) -> Bool {
        #if os(Linux)
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &spec)
        if deadline > Double(spec.tv_sec) + (1 + coarseMargin) { return false }
        #endif
        return deadline <= read(CLOCK_MONOTONIC)
    }

    /// Well above the coarse clock's resolution (one kernel tick: 1 to 10 ms).
    static let coarseMargin = 0.050

    @usableFromInline
    static func read(_ clock: clockid_t) -> Double {
        var spec = timespec()
        clock_gettime(clock, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1_000_000_000
    }
}

/// The clock a cache judges expiry by, as its operations use it: the system's ``MonotonicClock``
/// read directly, any other ``CacheClock`` through its protocol.
///
/// A cache on the default clock (nearly every cache outside tests) thus opens no existential on a
/// read's expiry check or a write's deadline; one `nil` check picks the path.
struct ExpiryClock: Sendable {
    /// The caller's clock.
    private let clock: any CacheClock
    /// Whether `clock` is the system's ``MonotonicClock``, read directly then. (A flag beside the
    /// existential rather than an optional one: unwrapping an optional existential copies it.)
    private let isSystemClock: Bool

    init(_ clock: any CacheClock) {
        self.clock = clock
        isSystemClock = clock is MonotonicClock
    }

    /// ``CacheClock/now()``.
    @inline(__always)
    func now() -> Double {
        isSystemClock ? MonotonicClock.read(CLOCK_MONOTONIC) : clock.now()
    }

    /// ``CacheClock/hasReached(_:)``.
    @inline(__always)
    func hasReached(_ deadline: Double) -> Bool {
        isSystemClock ? MonotonicClock.hasReached(deadline) : clock.hasReached(deadline)
    }
}

/// A clock that only moves when told to: the way to test expiry without sleeping.
///
/// ```swift
/// let clock = ManualClock()
/// let cache = try LocMemCache(location: "test", clock: clock)
/// cache.set("k", 1, timeout: 10)
/// clock.advance(by: 10)
/// cache.get("k", as: Int.self)   // nil: the deadline has been reached
/// ```
///
/// - Note: Thread-safe.
public final class ManualClock: CacheClock {
    private let current: Mutex<Double>

    /// Creates a clock that reads `now` until advanced.
    public init(now: Double = 0) {
        current = Mutex(now)
    }

    /// The time this clock was set to, moved by every ``advance(by:)`` so far.
    public func now() -> Double {
        current.withLock { $0 }
    }

    /// Moves the clock forward (or, with a negative argument, backward) by `seconds`.
    public func advance(by seconds: Double) {
        current.withLock { $0 += seconds }
    }
}
