#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Runs a body on several real (POSIX) threads at once and collects what each returns.
///
/// Concurrency benchmarks need threads the kernel schedules on every core, not tasks of the
/// cooperative pool, so this starts one `pthread` per index and joins them all.
enum ThreadGroup {
    /// Runs `body(index)` for `index` in `0..<count`, each on a thread of its own, and returns
    /// the results in index order once every thread has finished.
    static func run<Result: Sendable>(count: Int, _ body: @escaping @Sendable (Int) -> Result) -> [Result] {
        let results = Mutex<[Int: Result]>([:])
        var threads: [pthread_t] = []
        threads.reserveCapacity(count)
        for index in 0..<count {
            let start = ThreadStart {
                let result = body(index)
                results.withLock { $0[index] = result }
            }
            let context = Unmanaged.passRetained(start).toOpaque()
            #if canImport(Darwin)
            var thread: pthread_t?
            #else
            var thread = pthread_t()
            #endif
            let status = pthread_create(&thread, nil, { context in
                guard let context else { return nil }
                Unmanaged<ThreadStart>.fromOpaque(context).takeRetainedValue().work()
                return nil
            }, context)
            precondition(status == 0, "pthread_create failed: \(status)")
            #if canImport(Darwin)
            threads.append(thread!)
            #else
            threads.append(thread)
            #endif
        }
        for thread in threads { pthread_join(thread, nil) }
        return results.withLock { collected in (0..<count).map { collected[$0]! } }
    }
}

/// The work of one thread, handed to `pthread_create` as an unmanaged context.
private final class ThreadStart: Sendable {
    let work: @Sendable () -> Void

    init(_ work: @escaping @Sendable () -> Void) {
        self.work = work
    }
}

/// A one-shot barrier: every party blocks in ``arriveAndWait()`` until all have arrived.
///
/// It spins (yielding the processor), which releases the threads within microseconds of each
/// other; the waits it is used for are short.
final class StartBarrier: Sendable {
    private let parties: Int
    private let arrived = Atomic<Int>(0)

    init(parties: Int) {
        self.parties = parties
    }

    func arriveAndWait() {
        arrived.add(1, ordering: .acquiringAndReleasing)
        while arrived.load(ordering: .acquiring) < parties {
            sched_yield()
        }
    }
}
