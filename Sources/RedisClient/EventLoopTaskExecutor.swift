import NIOCore

/// An event loop as a Swift `TaskExecutor`: a task that prefers it (`withTaskExecutorPreference`,
/// `Task(executorPreference:)`) runs its nonisolated code on the loop's thread.
///
/// What it is for: a task on Swift's default global executor that awaits a reply is resumed by the
/// loop that read the reply on another, parked thread of the cooperative pool, and its next command
/// is handed back to the loop, which must be woken for it: two thread wake-ups per round trip on top
/// of the reply's own. A task preferring the loop of its connection writes the command and is
/// resumed by the reply on one thread, as a blocking client (redis-py, `redis-benchmark`) is.
///
/// SwiftNIO 2.101 makes its loops `SerialExecutor`s (for actors) but not `TaskExecutor`s; each job
/// goes through ``EventLoop/execute(_:)`` (one closure allocation).
///
/// - Note: `Sendable`. Code that runs under the preference runs on the loop's thread: blocking it
///   stalls every connection of that loop.
package final class EventLoopTaskExecutor: TaskExecutor {
    /// The loop the jobs run on.
    package let eventLoop: any EventLoop

    package init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
