import NIOCore
import NIOPosix

/// Where the CLI's tasks run.
enum ConcurrencyExecutor {
    /// Makes SwiftNIO's event loops Swift Concurrency's global executor, as NIO recommends for
    /// programs that await network I/O (`NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor`):
    /// a task awaiting a Redis reply is then resumed on the event loop that read it, instead of
    /// hopping to the cooperative pool, which halves the thread switches of a round trip.
    ///
    /// One event loop: the CLI awaits one thing at a time (the benchmark's threaded cases start
    /// threads of their own), so one loop thread does a whole round trip, as `redis-benchmark -c 1`
    /// does. A server would keep one loop per core and one connection per loop (the pool's
    /// preference for the caller's loop).
    ///
    /// Call once, from the main thread, before any task starts.
    static func useEventLoops() {
        NIOSingletons.groupLoopCountSuggestion = 1
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
