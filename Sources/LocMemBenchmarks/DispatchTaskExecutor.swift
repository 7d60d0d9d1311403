import Dispatch

/// Runs a task's nonisolated code on Dispatch's global concurrent queue, as Swift's default global
/// executor does on Linux: the bench's stand-in for a caller that is not on an event loop, in a
/// process (`locmem`) whose global executor is NIO's loops.
///
/// A reply then reaches the caller as it reaches a task on the default executor: the event loop
/// that read it enqueues the task's next job here, which wakes a parked pool thread, and the next
/// command goes back to the loop through its task queue, which wakes the loop.
///
/// - Note: `Sendable`, stateless.
final class DispatchTaskExecutor: TaskExecutor {
    static let shared = DispatchTaskExecutor()

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        DispatchQueue.global().async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
