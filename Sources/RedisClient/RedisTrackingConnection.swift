import NIOCore
import NIOPosix
import Synchronization

/// A dedicated connection on which the server reports every change to the keys under some prefixes:
/// Redis server-assisted client-side caching (`CLIENT TRACKING on BCAST PREFIX ...`) over RESP3,
/// kept open, watched by a heartbeat and re-opened after a failure.
///
/// Events go to the `onEvent` handler given at creation:
///
/// - ``Event/tracking(_:)``: tracking is on, on the connection of that attempt (a generation,
///   counting up). From the moment this is delivered, every key under the prefixes that any client
///   sets, deletes, expires or evicts is reported. (BCAST: the server
///   keeps no per-key state for us, so reads on other connections need no tracking of their own.)
/// - ``Event/invalidated(_:)``: these keys changed. ``Event/invalidatedAll``: every key may have
///   changed (`FLUSHDB`, `FLUSHALL`: RESP3's null invalidation).
/// - ``Event/lost(_:_:)``: reports from that generation's connection stopped, so what was learned
///   may have gone stale: the connection closed (the server restarted, `CLIENT KILL`, the network)
///   or a heartbeat `PING` was not answered within ``Options/heartbeatTimeout`` (the connection is
///   then closed). Delivered at once, from the connection's close; at most once per generation,
///   always after that generation's ``Event/tracking(_:)``. It may come after the *next*
///   generation's ``Event/tracking(_:)`` (threads race): compare generations.
/// - ``Event/failed(_:)``: an attempt to open the connection and turn tracking on failed; the next
///   attempt follows after a backoff (``Options/initialBackoff`` doubling to ``Options/maximumBackoff``).
///
/// No lock is held while an event is delivered. Invalidations are delivered on the connection's
/// event loop, in the order the server sent them; keep the handler short.
///
/// The server must speak RESP3 (Redis 6 or later, where `CLIENT TRACKING` appeared too): with RESP2
/// the invalidations would need a Pub/Sub connection, and servers that old have no tracking at all.
///
/// - Note: `Sendable`; ``start()`` and ``close()`` may be called from any task.
package final class RedisTrackingConnection: Sendable {
    /// What the connection reports. See the type's discussion.
    package enum Event: Sendable, Hashable {
        case tracking(Int)
        case invalidated([String])
        case invalidatedAll
        case lost(Int, String)
        case failed(String)
    }

    /// What to track and how often to check that the connection is alive.
    package struct Options: Sendable, Hashable {
        /// The key prefixes to be told about (`BCAST PREFIX`); empty: every key.
        package var prefixes: [String]
        /// The connection's name on the server (`CLIENT SETNAME`), as `CLIENT LIST` shows it.
        package var clientName: String?
        /// How often a `PING` is sent on the connection.
        package var heartbeatInterval: TimeAmount
        /// How long a `PING` (and, when connecting, `HELLO` and `CLIENT TRACKING`) may wait for its
        /// reply before the connection is given up.
        package var heartbeatTimeout: TimeAmount
        package var connectTimeout: TimeAmount
        package var initialBackoff: TimeAmount
        package var maximumBackoff: TimeAmount

        package init(
            prefixes: [String], clientName: String? = nil, heartbeatInterval: TimeAmount = .milliseconds(500),
            heartbeatTimeout: TimeAmount = .seconds(1), connectTimeout: TimeAmount = .seconds(2),
            initialBackoff: TimeAmount = .milliseconds(100), maximumBackoff: TimeAmount = .seconds(2)
        ) {
            self.prefixes = prefixes
            self.clientName = clientName
            self.heartbeatInterval = heartbeatInterval
            self.heartbeatTimeout = heartbeatTimeout
            self.connectTimeout = connectTimeout
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
        }
    }

    private struct State {
        /// Counts connection attempts; the connection of attempt `n` reports `lost` only if `live == n`.
        var generation = 0
        /// The generation whose ``Event/tracking`` was delivered and whose ``Event/lost(_:)`` was not.
        var live: Int?
        var connection: RedisConnection?
        var task: Task<Void, Never>?
        var closed = false
    }

    package let endpoint: RedisEndpoint
    package let options: Options
    private let onEvent: @Sendable (Event) -> Void
    private let state = Mutex(State())

    /// - Parameter onEvent: Receives the events; see the type's discussion for when and where.
    package init(endpoint: RedisEndpoint, options: Options, onEvent: @escaping @Sendable (Event) -> Void) {
        self.endpoint = endpoint
        self.options = options
        self.onEvent = onEvent
    }

    /// Whether tracking is on now (a connection has it on, and its close was not seen yet).
    package var isTracking: Bool {
        state.withLock { $0.live != nil }
    }

    /// Makes the first attempt, and returns when it succeeded (``Event/tracking(_:)`` was delivered) or
    /// failed (``Event/failed(_:)``); then keeps the connection alive in the background until
    /// ``close()``, re-opening it after every failure.
    package func start() async {
        let first = await attempt()
        state.withLock { state in
            guard !state.closed, state.task == nil else { return }
            state.task = Task { await self.run(first) }
        }
    }

    /// Stops: closes the connection and ends the background task. No event follows.
    package func close() async {
        let (task, connection) = state.withLock { state in
            state.closed = true
            state.live = nil
            defer { state.connection = nil }
            return (state.task, state.connection)
        }
        task?.cancel()
        await connection?.close()
        await task?.value
    }

    /// Stops without waiting: no event follows, and the background task closes the connection
    /// and ends at its next wake-up (for an owner's `deinit`, which cannot wait).
    package func cancel() {
        let task = state.withLock { state in
            state.closed = true
            state.live = nil
            return state.task
        }
        task?.cancel()
    }

    // MARK: - The background loop

    /// Heartbeats on the live connection; after it fails, attempts again at once, then with backoff.
    private func run(_ first: RedisConnection?) async {
        var connection = first
        var backoff = options.initialBackoff
        while !Task.isCancelled {
            if let live = connection {
                backoff = options.initialBackoff
                await heartbeat(live)
                await live.close()
                connection = nil
            } else {
                do {
                    try await Task.sleep(nanoseconds: UInt64(backoff.nanoseconds))
                } catch {
                    return
                }
                backoff = min(backoff * 2, options.maximumBackoff)
            }
            guard !Task.isCancelled else { return }
            connection = await attempt()
        }
        await connection?.close()
    }

    /// Sends `PING` every heartbeat interval; returns once one fails (a timeout closes the connection).
    private func heartbeat(_ connection: RedisConnection) async {
        let ping = RedisCommand("PING")
        while connection.isActive {
            do {
                try await Task.sleep(nanoseconds: UInt64(options.heartbeatInterval.nanoseconds))
            } catch {
                return
            }
            do {
                if case .error = try await connection.send(ping) { return }
            } catch {
                return
            }
        }
    }

    /// Opens a connection and turns tracking on; the connection, or `nil` after ``Event/failed(_:)``.
    private func attempt() async -> RedisConnection? {
        let generation = state.withLock { state in
            state.generation += 1
            return state.generation
        }
        let onEvent = self.onEvent
        let connection: RedisConnection
        do {
            connection = try await RedisConnection.connect(
                to: endpoint,
                options: RedisConnectionOptions(
                    connectTimeout: options.connectTimeout, commandTimeout: options.heartbeatTimeout, preferRESP3: true
                ),
                onPush: { elements in Self.deliver(push: elements, to: onEvent) }
            ).get()
        } catch {
            let reason = (error as? RedisClientError)?.description ?? "\(endpoint): cannot connect (\(error))"
            return failed(reason)
        }
        guard connection.protocolVersion == 3 else {
            await connection.close()
            return failed("\(endpoint): the server does not speak RESP3 (HELLO 3), so it cannot push invalidations")
        }
        var arguments: [RedisArgument] = ["TRACKING", "on", "BCAST"]
        for prefix in options.prefixes {
            arguments += ["PREFIX", .string(prefix)]
        }
        var commands = [RedisCommand("CLIENT", arguments)]
        if let name = options.clientName {
            commands.insert(RedisCommand("CLIENT", ["SETNAME", .string(name)]), at: 0)
        }
        do {
            for reply in try await connection.send(pipeline: commands) {
                if case .error(let message) = reply {
                    await connection.close()
                    return failed("\(endpoint): CLIENT SETNAME/TRACKING refused: \(message)")
                }
            }
        } catch {
            await connection.close()
            return failed(error.description)
        }
        let accepted = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.connection = connection
            state.live = generation
            return true
        }
        guard accepted else {
            await connection.close()
            return nil
        }
        onEvent(.tracking(generation))
        // Registered after `tracking` was delivered, so `lost` follows it; a close that came first
        // is reported now.
        connection.closeFuture.whenComplete { _ in
            self.lost(generation, "\(self.endpoint): the tracking connection closed (server restart, CLIENT KILL, "
                + "network, or no heartbeat reply within \(self.options.heartbeatTimeout.nanoseconds / 1_000_000) ms)")
        }
        return connection
    }

    private func failed(_ reason: String) -> RedisConnection? {
        if !state.withLock({ $0.closed }) { onEvent(.failed(reason)) }
        return nil
    }

    private func lost(_ generation: Int, _ reason: String) {
        let report = state.withLock { state -> Bool in
            guard state.live == generation else { return false }
            state.live = nil
            state.connection = nil
            return true
        }
        if report { onEvent(.lost(generation, reason)) }
    }

    /// An `invalidate` push: `>2 invalidate [keys]`, or `>2 invalidate _` for "everything".
    private static func deliver(push elements: [RESPValue], to onEvent: @Sendable (Event) -> Void) {
        guard elements.count == 2, elements[0].string == "invalidate" else { return }
        switch elements[1] {
        case .array(let keys):
            onEvent(.invalidated(keys.compactMap(\.string)))
        case .null:
            onEvent(.invalidatedAll)
        default:
            // Not a form the server sends; dropping everything is the safe reading.
            onEvent(.invalidatedAll)
        }
    }
}
