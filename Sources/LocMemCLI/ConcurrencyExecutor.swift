import NIOCore
import NIOPosix

/// Where the CLI's tasks run.
enum ConcurrencyExecutor {
    /// Makes SwiftNIO's event loops Swift Concurrency's global executor, as NIO recommends for
    /// programs that await network I/O (`NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor`):
    /// a task awaiting a Redis reply is then resumed on the event loop that read it, instead of
    /// hopping to the cooperative pool, which halves the thread switches of a round trip.
    ///
    /// Call once, from the main thread, before any task starts.
    static func useEventLoops() {
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
