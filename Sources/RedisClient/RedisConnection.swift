import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Timeouts and limits of a connection.
package struct RedisConnectionOptions: Sendable, Hashable {
    /// How long establishing the connection (TCP, then `HELLO`/`AUTH`/`SELECT`) may take.
    package var connectTimeout: TimeAmount = .seconds(2)
    /// How long a command may wait for its reply before the connection is given up.
    package var commandTimeout: TimeAmount = .seconds(2)
    /// Ask for RESP3 with `HELLO 3` (falling back to RESP2 on servers before 6.0).
    package var preferRESP3 = true

    package init(
        connectTimeout: TimeAmount = .seconds(2), commandTimeout: TimeAmount = .seconds(2), preferRESP3: Bool = true
    ) {
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.preferRESP3 = preferRESP3
    }
}

/// One TCP connection to a Redis server, multiplexed: any number of tasks may send at once, and
/// their commands are pipelined on the wire, replies matched in order.
///
/// Made by ``connect(to:options:onPush:on:)``, which also logs in (`HELLO 3`, or `AUTH`) and
/// selects the URL's database. For client-side caching (`CLIENT TRACKING`), open a dedicated
/// connection with an `onPush` handler: RESP3 invalidation pushes are delivered there, never as
/// replies.
///
/// - Note: `Sendable`; every method is safe to call from any task. A failed connection stays
///   failed (every later call throws); open a new one, as ``RedisConnectionPool`` does.
package final class RedisConnection: Sendable {
    package let endpoint: RedisEndpoint
    /// The protocol the server agreed to: 3 after a successful `HELLO 3`, else 2.
    package let protocolVersion: Int
    private let channel: any Channel
    /// The channel's event loop as an isolation domain, for awaiting replies without a hop.
    private let loop: EventLoopIsolation
    /// `endpoint.description`, built once: every command names it if it fails.
    private let address: String

    private init(endpoint: RedisEndpoint, protocolVersion: Int, channel: any Channel) {
        self.endpoint = endpoint
        self.address = endpoint.description
        self.protocolVersion = protocolVersion
        self.channel = channel
        self.loop = EventLoopIsolation(channel.eventLoop)
    }

    /// Whether the connection is still open (it may still fail on the next command).
    package var isActive: Bool { channel.isActive }

    /// The event loop the connection's I/O runs on.
    package var eventLoop: any EventLoop { channel.eventLoop }

    /// Completed when the connection closes, however it closes (the server, the network, a
    /// timeout, ``close()``): a tracking connection drops its invalidation-backed state then.
    package var closeFuture: EventLoopFuture<Void> { channel.closeFuture }

    /// Connects, logs in and selects the database.
    ///
    /// - Parameters:
    ///   - onPush: receives RESP3 push frames (invalidations, Pub/Sub), on the event loop; keep it short.
    /// - Throws: ``RedisClientError`` naming the address: refused, timed out, or the server
    ///   refused the login or the database.
    package static func connect(
        to endpoint: RedisEndpoint,
        options: RedisConnectionOptions = .init(),
        onPush: (@Sendable ([RESPValue]) -> Void)? = nil,
        on group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) -> EventLoopFuture<RedisConnection> {
        let address = endpoint.description
        let eventLoop = group.next()
        let connectTimeout = options.connectTimeout
        let channelFuture = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        RedisCommandHandler(address: address, commandTimeout: options.commandTimeout, onPush: onPush)
                    )
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .flatMapErrorThrowing { error -> any Channel in
                throw RedisClientError.connectionFailed(
                    address: address, reason: describe(error, connectTimeout: connectTimeout))
            }
        return channelFuture.flatMap { channel in
            handshake(channel: channel, endpoint: endpoint, options: options).flatMapError { error in
                channel.close(promise: nil)
                return channel.eventLoop.makeFailedFuture(error)
            }
        }
    }

    /// `HELLO 3 [AUTH user password]`, falling back to `AUTH` for RESP2 servers; then `SELECT db`.
    private static func handshake(
        channel: any Channel, endpoint: RedisEndpoint, options: RedisConnectionOptions
    ) -> EventLoopFuture<RedisConnection> {
        let address = endpoint.description
        let auth: [RedisArgument] =
            endpoint.password.map { [.string(endpoint.username ?? "default"), .string($0)] } ?? []
        let hello: EventLoopFuture<Int>
        if options.preferRESP3 {
            let arguments: [RedisArgument] = auth.isEmpty ? ["3"] : ["3", "AUTH"] + auth
            hello = send(RedisCommand("HELLO", arguments), on: channel).flatMap { reply in
                if case .error(let message) = reply {
                    // Before Redis 6 there is no HELLO: log in the RESP2 way.
                    if message.hasPrefix("ERR unknown command") || message.hasPrefix("NOPROTO") {
                        return login(auth, channel: channel, address: address).map { 2 }
                    }
                    return channel.eventLoop.makeFailedFuture(
                        RedisClientError.connectionFailed(address: address, reason: "HELLO refused: \(message)")
                    )
                }
                return channel.eventLoop.makeSucceededFuture(3)
            }
        } else {
            hello = login(auth, channel: channel, address: address).map { 2 }
        }
        return hello.flatMap { protocolVersion in
            let connection = RedisConnection(endpoint: endpoint, protocolVersion: protocolVersion, channel: channel)
            guard endpoint.database != 0 else { return channel.eventLoop.makeSucceededFuture(connection) }
            return send(RedisCommand("SELECT", [.integer(endpoint.database)]), on: channel).flatMapThrowing { reply in
                if case .error(let message) = reply {
                    throw RedisClientError.connectionFailed(
                        address: address, reason: "SELECT \(endpoint.database) refused: \(message)")
                }
                return connection
            }
        }
    }

    private static func login(_ auth: [RedisArgument], channel: any Channel, address: String) -> EventLoopFuture<Void> {
        guard !auth.isEmpty else { return channel.eventLoop.makeSucceededVoidFuture() }
        // `AUTH password` for the default user (works before Redis 6), `AUTH user password` otherwise.
        let arguments = auth[0] == "default" ? [auth[1]] : auth
        return send(RedisCommand("AUTH", arguments), on: channel).flatMapThrowing { reply in
            if case .error(let message) = reply {
                throw RedisClientError.connectionFailed(address: address, reason: "AUTH refused: \(message)")
            }
        }
    }

    private static func send(_ command: RedisCommand, on channel: any Channel) -> EventLoopFuture<RESPValue> {
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        let request = RedisRequest(bytes: command.bytes, replyCount: 1, promise: promise)
        channel.writeAndFlush(request).cascadeFailure(to: promise)
        return promise.futureResult
    }

    private static func describe(_ error: any Error, connectTimeout: TimeAmount) -> String {
        if let error = error as? ChannelError, case .connectTimeout = error {
            return "no connection within \(connectTimeout.nanoseconds / 1_000_000) ms (connect timeout)"
        }
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first {
                if let io = first.error as? IOError {
                    return "cannot connect (\(String(cString: strerror(io.errnoCode)).lowercased()))"
                }
                return "cannot connect (\(first.error))"
            }
            if let dns = error.dnsAAAAError ?? error.dnsAError { return "cannot resolve host (\(dns))" }
        }
        return "cannot connect (\(error))"
    }

    // MARK: - Commands

    /// Sends one command and returns its reply. An error reply (`-ERR ...`) is returned as
    /// ``RESPValue/error(_:)``, not thrown: the caller knows what it means.
    ///
    /// - Throws: ``RedisClientError`` when the connection fails, times out or gets bytes that are not RESP.
    nonisolated(nonsending) package func send(_ command: RedisCommand) async throws(RedisClientError) -> RESPValue {
        try await send(bytes: command.bytes, replyCount: 1)
    }

    /// Sends one command whose reply, if it is an array of bulk strings (`MGET`'s), is read in
    /// place: `elements` receives each element's bytes on the event loop, during the read, and
    /// `.null` is returned. Any other reply (an error, say) is returned as ``send(_:)`` returns it.
    nonisolated(nonsending) package func send(
        _ command: RedisCommand, elements: @escaping RESPElementReader
    ) async throws(RedisClientError) -> RESPValue {
        try await send(bytes: command.bytes, replyCount: 1, elements: elements)
    }

    /// Sends commands in one write (a pipeline) and returns their replies, in order.
    nonisolated(nonsending) package func send(
        pipeline commands: [RedisCommand]
    ) async throws(RedisClientError) -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        var bytes = commands[0].bytes
        for command in commands.dropFirst() {
            var more = command.bytes
            bytes.writeBuffer(&more)
        }
        let reply = try await send(bytes: bytes, replyCount: commands.count)
        if commands.count == 1 { return [reply] }
        guard case .array(let replies) = reply else { return [reply] }
        return replies
    }

    /// The caller's executor is kept throughout (`nonisolated(nonsending)`): with NIO's event loops
    /// as the concurrency executor, a task runs on its loop's serial executor, and every hop to the
    /// generic executor is one more job through the loop's queue (about 1,500 instructions each;
    /// callgrind counted eight per `get` before). The one hop left is the reply's wake-up.
    nonisolated(nonsending) private func send(
        bytes: ByteBuffer, replyCount: Int, elements: RESPElementReader? = nil
    ) async throws(RedisClientError) -> RESPValue {
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        let address = address
        let request = RedisRequest(bytes: bytes, replyCount: replyCount, promise: promise, elements: elements)
        let onLoop = channel.eventLoop.inEventLoop
        if onLoop, channel.isActive {
            // On the loop, an active channel has the handler in its pipeline, and nothing can close
            // it before the write reaches the handler, which answers the request however the
            // connection ends: the write needs no promise (nor the allocation of one).
            channel.writeAndFlush(request, promise: nil)
        } else {
            channel.writeAndFlush(request).whenFailure { error in
                promise.fail(
                    error as? RedisClientError
                        ?? RedisClientError.connectionFailed(
                            address: address, reason: "the connection is closed (\(error))")
                )
            }
        }
        // Not `futureResult.get()`: that is a nonisolated async function, entered by a hop. On the
        // loop (NIO as the concurrency executor), the task runs on the loop's serial executor: it
        // waits in the loop's isolation, entered without a hop, where the caller's generic isolation
        // would be one more job through the loop's queue. Elsewhere it waits where it is.
        let callerIsolation: (any Actor)? = #isolation
        let isolation: (any Actor)? = onLoop ? loop : callerIsolation
        let result = await withUnsafeContinuation(isolation: isolation) { continuation in
            promise.futureResult.whenComplete { continuation.resume(returning: $0) }
        }
        switch result {
        case .success(let reply):
            return reply
        case .failure(let error as RedisClientError):
            throw error
        case .failure(let error):
            throw .connectionFailed(address: address, reason: "\(error)")
        }
    }

    /// Closes the connection; outstanding commands fail with `connectionFailed`.
    package func close() async {
        try? await channel.close()
    }
}

/// An event loop as an actor: its executor is the loop's serial executor (NIO's `EventLoop.executor`),
/// so code isolated to it runs on the loop, and a task already running there enters it without a hop.
private actor EventLoopIsolation {
    private let executor: any SerialExecutor

    init(_ loop: any EventLoop) {
        executor = loop.executor
    }

    nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }
}
