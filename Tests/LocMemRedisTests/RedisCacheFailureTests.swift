import LocMem
import LocMemRedis
import NIOCore
import NIOPosix
import RedisClient
import RedisTestSupport
import Testing

/// Server down, refused, timed out, killed mid-command, a reply that is not RESP: each a typed
/// `CacheError` naming the address, never a crash or a hang; and once the server is back, the next
/// call works. Each test runs a redis-server of its own, stopped and restarted in the test.
@Suite(
    .enabled(if: RedisTestServer.binary != nil, "needs redis-server to stop and restart: apt-get install redis-server"))
struct RedisCacheFailureTests {
    /// Short timeouts and backoff, so the tests wait little.
    /// For the login test, whose failures are refusals, not timeouts: the default timeouts, so a slow start
    /// of the server (a loaded machine, a sanitizer run) is not taken for a failure.
    static let loginOptions = RedisCacheOptions()
    static let options = RedisCacheOptions(
        connectTimeout: 1, commandTimeout: 0.5, initialReconnectBackoff: 0.05, maximumReconnectBackoff: 0.2
    )

    @Test func anUnreachableServerIsAConnectionFailureNamingTheAddress() async throws {
        let port = try RedisTestServer.freePort()
        let error = await cacheError { try await RedisCache(url: "redis://127.0.0.1:\(port)/0", options: Self.options) }
        let failure = try #require(error)
        #expect(failure.isConnectionFailed)
        #expect(failure.description.contains("127.0.0.1:\(port)"))
    }

    @Test func aStoppedServerFailsCallsAndTheNextCallAfterItsRestartWorks() async throws {
        let server = try RedisTestServer.start()
        let cache = try await RedisCache(url: server.url, options: Self.options)
        try await cache.set("key", "before", timeout: .default)
        server.stop()
        for _ in 0..<3 {
            let error = try #require(await cacheError { try await cache.get("key", as: String.self) })
            #expect(error.isConnectionFailed)
            #expect(error.description.contains("127.0.0.1:\(server.port)"))
        }
        try server.restart()
        try await Task.sleep(for: .milliseconds(300))  // past the longest backoff
        // The restarted server is empty (no persistence): the call works and misses.
        #expect(try await cache.get("key", as: String.self) == nil)
        try await cache.set("key", "after", timeout: .default)
        #expect(try await cache.get("key", as: String.self) == "after")
        await cache.close()
    }

    @Test func aServerKilledWhileCommandsWaitFailsThemAndRecovers() async throws {
        let server = try RedisTestServer.start()
        let cache = try await RedisCache(url: server.url, options: RedisCacheOptions(commandTimeout: 10))
        try await cache.set("key", 1, timeout: .default)
        // Pause the server's clients so the pipelined getMany waits, then kill the server under it.
        let admin = try await RedisConnection.connect(to: RedisEndpoint(url: server.url)).get()
        _ = try await admin.send(RedisCommand("CLIENT", ["PAUSE", 5000, "ALL"]))
        async let pending = cacheError { try await cache.getMany(["key", "other"], as: Int.self) }
        try await Task.sleep(for: .milliseconds(100))
        let started = ContinuousClock.now
        server.stop()
        let error = try #require(await pending)
        #expect(error.isConnectionFailed)
        #expect(error.description.contains("127.0.0.1:\(server.port)"))
        #expect(ContinuousClock.now - started < .seconds(5), "failed at once, not at the command timeout")
        try server.restart()
        try await Task.sleep(for: .milliseconds(2500))  // past the default backoff
        #expect(try await cache.getMany(["key"], as: Int.self).isEmpty)
        await admin.close()
        await cache.close()
    }

    @Test func aSlowReplyTimesOutAndTheNextCallWorks() async throws {
        let server = try RedisTestServer.start()
        let cache = try await RedisCache(url: server.url, options: Self.options)
        try await cache.set("key", 7, timeout: .default)
        let admin = try await RedisConnection.connect(to: RedisEndpoint(url: server.url)).get()
        // The pause (3 s) outlasts the command timeout (0.5 s) by far: a get that waited for the reply would
        // return 7 once it ends, so an error says the timeout fired first. No wall-clock bound is asserted: a
        // loaded machine may run the timer late.
        let pauseEnds = ContinuousClock.now + .seconds(3)
        _ = try await admin.send(RedisCommand("CLIENT", ["PAUSE", 3000, "ALL"]))
        let error = try #require(await cacheError { try await cache.get("key", as: Int.self) })
        #expect(error.isConnectionFailed)
        #expect(error.description.contains("timeout"))
        try await Task.sleep(until: pauseEnds + .milliseconds(100))  // the pause is over
        #expect(try await cache.get("key", as: Int.self) == 7)
        await admin.close()
        await cache.close()
    }

    @Test func aReplyThatIsNotRESPIsAProtocolErrorNamingTheAddress() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        // A server that answers anything with an HTTP error, as a web server on the wrong port would.
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NotRedisHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        let error = try #require(
            await cacheError { try await RedisCache(url: "redis://127.0.0.1:\(port)/0", options: Self.options) })
        guard case .protocolError(let message) = error else {
            Issue.record("expected a protocol error, got \(error)")
            return
        }
        #expect(message.contains("127.0.0.1:\(port)"))
        #expect(message.contains("not RESP"))
        try await server.close()
    }

    @Test func aPasswordAndDatabaseFromTheURLAreUsed() async throws {
        let server = try RedisTestServer.start(arguments: ["--requirepass", "s3cret"])
        let wrong = try #require(
            await cacheError {
                try await RedisCache(url: "redis://:nope@127.0.0.1:\(server.port)/0", options: Self.loginOptions)
            })
        #expect(wrong.isConnectionFailed)
        #expect(!wrong.description.contains("nope"))
        let noPassword = try #require(await cacheError { try await RedisCache(url: server.url, options: Self.loginOptions) })
        #expect(noPassword.isConnectionFailed)
        let cache3 = try await RedisCache(url: "redis://:s3cret@127.0.0.1:\(server.port)/3", options: Self.loginOptions)
        let cache4 = try await RedisCache(
            url: "redis://default:s3cret@127.0.0.1:\(server.port)/4", options: Self.loginOptions)
        try await cache3.set("key", "three", timeout: .default)
        #expect(try await cache4.get("key", as: String.self) == nil)
        #expect(try await cache3.get("key", as: String.self) == "three")
        await cache3.close()
        await cache4.close()
    }
}

/// Answers every read with bytes that are not RESP.
private final class NotRedisHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 400 Bad Request\r\n\r\n")), promise: nil)
    }
}
