import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutual-exclusion lock around a value, which the thread that holds it may take again.
///
/// `Synchronization.Mutex` is not reentrant: a thread that locks it twice deadlocks. ``Database`` needs
/// reentry on one thread: an ``Database/inTransaction(_:)`` body runs statements through the same database, and
/// a ``Database/query(_:_:map:)`` map closure may run a nested query. This type adds an owner check in front of
/// a `Mutex`: the first ``withLock(_:)`` on a thread takes the mutex and records the thread; nested calls on that
/// thread see themselves as the owner and run directly.
///
/// The owner check is sound with relaxed atomics: only the thread itself ever stores its own id, and it clears
/// the id before it unlocks, so a thread reads its own id only while it is inside its own `withLock`.
///
/// - Note: `@unchecked Sendable` because `value` is not `Sendable`. It is only reached through ``withLock(_:)``,
///   so exactly one thread (the owner of `mutex`) touches it at a time.
struct ReentrantMutex<Value>: ~Copyable, @unchecked Sendable {
    private let mutex = Mutex<Void>(())
    private let owner = Atomic<UInt>(0)
    private let value: Value

    init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with exclusive access to the value, blocking until other threads release it.
    ///
    /// Reentrant: when the calling thread already holds the lock, `body` runs at once.
    func withLock<Result, Failure: Error>(
        _ body: (Value) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let thread = Self.currentThread()
        if owner.load(ordering: .relaxed) == thread {
            return try body(value)
        }
        return try mutex.withLock { _ throws(Failure) -> Result in
            owner.store(thread, ordering: .relaxed)
            defer { owner.store(0, ordering: .relaxed) }
            return try body(value)
        }
    }

    /// Whether the calling thread holds the lock.
    var isHeldByCurrentThread: Bool {
        owner.load(ordering: .relaxed) == Self.currentThread()
    }

    /// The value, without locking. Only for `deinit`, where no other reference can exist.
    var unsafeValue: Value {
        value
    }

    /// A nonzero id of the calling thread.
    private static func currentThread() -> UInt {
        #if canImport(Glibc)
        return UInt(pthread_self())  // pthread_t is an unsigned long
        #else
        return UInt(bitPattern: pthread_self())  // pthread_t is a pointer
        #endif
    }
}
