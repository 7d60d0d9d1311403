import NIOCore
import NIOPosix
import Synchronization

/// A few multiplexed connections to one server, opened on demand and re-opened after a failure,
/// with exponential backoff between failed attempts.
///
/// Each slot's connection lives on an event loop chosen when the pool is made. Each call takes the
/// next connection round-robin, or, from a task running on a slot's event loop (NIO's loops as the
/// concurrency executor, or a task preferring ``nextTaskExecutor()``), that slot's connection;
/// since connections pipeline, many tasks share one, and the pool only spreads the load over event
/// loops. A connection that failed is replaced
/// on the next call. After a failed connection attempt, calls fail at once with
/// ``RedisClientError/connectionFailed(address:reason:)`` until the backoff has passed (starting at
/// ``Options/initialBackoff``, doubling up to ``Options/maximumBackoff``), so that an outage costs
/// callers nothing but an error, not a connect timeout each; the first call after it tries again.
/// Commands are never retried: `INCR` is not idempotent, and a caller that knows better can retry.
///
/// - Note: `Sendable`; every method is safe to call from any task.
package final class RedisConnectionPool: Sendable {
    package struct Options: Sendable, Hashable {
        /// The number of connections (at least 1).
        package var size = 2
        package var connection = RedisConnectionOptions()
        package var initialBackoff: TimeAmount = .milliseconds(100)
        package var maximumBackoff: TimeAmount = .seconds(2)

        package init(
            size: Int = 2, connection: RedisConnectionOptions = .init(),
            initialBackoff: TimeAmount = .milliseconds(100), maximumBackoff: TimeAmount = .seconds(2)
        ) {
            self.size = size
            self.connection = connection
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
        }
    }

    private enum Slot {
        case empty
        case connecting(EventLoopFuture<RedisConnection>)
        case ready(RedisConnection)
    }

    private struct Backoff {
        var until: NIODeadline
        var current: TimeAmount
        var reason: String
    }

    private struct State {
        var slots: [Slot]
        var next = 0
        var backoff: Backoff?
        var closed = false
    }

    package let endpoint: RedisEndpoint
    package let options: Options
    private let state: Mutex<State>
    /// `endpoint.description`, built once rather than per call.
    private let address: String
    /// Each slot's event loop, chosen once: a slot's connection, and every one replacing it, lives
    /// there, so that a task preferring the slot's executor keeps finding its connection on its thread.
    private let executors: [EventLoopTaskExecutor]
    /// The next slot whose executor ``nextTaskExecutor()`` hands out.
    private let nextExecutor = Atomic<Int>(0)

    package init(
        endpoint: RedisEndpoint, options: Options = .init(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.endpoint = endpoint
        self.options = options
        self.address = endpoint.description
        let size = max(1, options.size)
        self.state = Mutex(State(slots: Array(repeating: .empty, count: size)))
        self.executors = (0..<size).map { _ in EventLoopTaskExecutor(group.next()) }
    }

    /// The executor of a slot's event loop, the slots taken in turn: a task that prefers it is
    /// resumed by its replies on the thread that read them, and writes its commands there (see
    /// ``EventLoopTaskExecutor``). Taken in turn so that tasks spread over the pool's loops.
    package func nextTaskExecutor() -> EventLoopTaskExecutor {
        executors[(nextExecutor.wrappingAdd(1, ordering: .relaxed).oldValue & .max) % executors.count]
    }

    /// Sends one command on a pool connection. See ``RedisConnection/send(_:)``.
    nonisolated(nonsending) package func send(_ command: RedisCommand) async throws(RedisClientError) -> RESPValue {
        try await connection().send(command)
    }

    /// Sends one command on a pool connection, its array reply read in place. See
    /// ``RedisConnection/send(_:elements:)``.
    nonisolated(nonsending) package func send(
        _ command: RedisCommand, elements: @escaping RESPElementReader
    ) async throws(RedisClientError) -> RESPValue {
        try await connection().send(command, elements: elements)
    }

    /// Sends commands as one pipeline on a pool connection. See ``RedisConnection/send(pipeline:)``.
    nonisolated(nonsending) package func send(
        pipeline commands: [RedisCommand]
    ) async throws(RedisClientError) -> [RESPValue] {
        try await connection().send(pipeline: commands)
    }

    /// A live connection: an open one, or one opened now (unless the backoff is still running).
    nonisolated(nonsending) package func connection() async throws(RedisClientError) -> RedisConnection {
        enum Step {
            case use(RedisConnection)
            case wait(EventLoopFuture<RedisConnection>, index: Int)
            case fail(RedisClientError)
        }
        let address = address
        let step: Step = state.withLock { state in
            if state.closed { return .fail(.connectionFailed(address: address, reason: "the cache was closed")) }
            // A task already running on a slot's event loop (NIO as the concurrency executor, or a
            // task preferring `nextTaskExecutor()`) uses that slot's connection, opening it if need
            // be: the write and the wake-up for the reply stay on this thread.
            let index: Int
            if let local = executors.firstIndex(where: { $0.eventLoop.inEventLoop }) {
                index = local
            } else {
                index = state.next
                state.next = (state.next + 1) % state.slots.count
            }
            switch state.slots[index] {
            case .ready(let connection) where connection.isActive:
                return .use(connection)
            case .connecting(let future):
                return .wait(future, index: index)
            case .ready, .empty:
                if let backoff = state.backoff, NIODeadline.now() < backoff.until {
                    let milliseconds = (backoff.until - NIODeadline.now()).nanoseconds / 1_000_000
                    return .fail(
                        .connectionFailed(
                            address: address, reason: "\(backoff.reason); next attempt in \(max(milliseconds, 1)) ms"
                        ))
                }
                let future = RedisConnection.connect(
                    to: endpoint, options: options.connection, on: executors[index].eventLoop)
                state.slots[index] = .connecting(future)
                return .wait(future, index: index)
            }
        }
        switch step {
        case .use(let connection):
            return connection
        case .fail(let error):
            throw error
        case .wait(let future, let index):
            do {
                let connection = try await future.get()
                state.withLock { state in
                    if case .connecting(let current) = state.slots[index], current === future {
                        state.slots[index] = state.closed ? .empty : .ready(connection)
                    }
                    state.backoff = nil
                }
                return connection
            } catch {
                let failure =
                    error as? RedisClientError
                    ?? .connectionFailed(address: address, reason: "cannot connect (\(error))")
                state.withLock { state in
                    if case .connecting(let current) = state.slots[index], current === future {
                        state.slots[index] = .empty
                        let next =
                            state.backoff.map { min($0.current * 2, options.maximumBackoff) } ?? options.initialBackoff
                        state.backoff = Backoff(until: .now() + next, current: next, reason: failure.reason)
                    }
                }
                throw failure
            }
        }
    }

    /// Closes every connection; later calls fail with `connectionFailed`.
    package func close() async {
        let connections: [RedisConnection] = state.withLock { state in
            state.closed = true
            defer { state.slots = state.slots.map { _ in .empty } }
            return state.slots.compactMap { if case .ready(let connection) = $0 { connection } else { nil } }
        }
        for connection in connections {
            await connection.close()
        }
    }
}

extension RedisClientError {
    /// The reason without the address.
    package var reason: String {
        switch self {
        case .connectionFailed(_, let reason), .protocolError(_, let reason): reason
        case .serverError(_, let message): message
        }
    }
}
