import LocMem
import LocMemRedis
import NIOCore
import NIOPosix
import RedisClient
import RedisTestSupport
import Testing

/// Where a caller's code runs: a task preferring `RedisCache.preferredTaskExecutor` runs on the
/// event loop of one of the cache's connections and uses that connection; a task on Swift's default
/// global executor (this test process has NIO's loops only for I/O) works as before; both at once
/// share the cache.
@Suite(.enabled(if: RedisTestServer.isAvailable, RedisTestServer.unavailableReason))
struct RedisCacheExecutorTests {
    @Test func callsFromATaskPreferringTheCachesExecutorRunOnItsEventLoop() async throws {
        let (cache, raw) = try await RedisCacheTests.make()
        #expect(MultiThreadedEventLoopGroup.currentEventLoop == nil, "the test starts off the loops")
        try await cache.withPreferredExecutor {
            #expect(MultiThreadedEventLoopGroup.currentEventLoop != nil)
            try await cache.set("s", "hello", timeout: .default)
            #expect(try await cache.get("s", as: String.self) == "hello")
            try await cache.set("n", 1, timeout: .never)
            #expect(try await cache.incr("n", by: 2) == 3)
            #expect(try await cache.add("s", "other", timeout: .default) == false)
            #expect(try await cache.getMany(["s", "n", "missing"], as: String.self) == ["s": "hello"])
            #expect(try await cache.delete("s"))
            #expect(MultiThreadedEventLoopGroup.currentEventLoop != nil, "still on the loop after the replies")
        }
        // And from the default executor, as before.
        #expect(MultiThreadedEventLoopGroup.currentEventLoop == nil)
        #expect(try await cache.get("n", as: Int.self) == 3)
        #expect(try await cache.get("s", as: String.self) == nil)
        let fromTask = Task(executorPreference: cache.preferredTaskExecutor) {
            try await cache.incr("n")
        }
        #expect(try await fromTask.value == 4)
        #expect(try await raw.send(RedisCommand("GET", [.string(cache.makeKey("n"))])).string == "4")
        try await cache.clear()
        await raw.close()
        await cache.close()
    }

    @Test func tasksOnEveryLoopAndOnTheDefaultExecutorShareOneCounterExactly() async throws {
        let (cache, raw) = try await RedisCacheTests.make()
        try await cache.set("count", 0, timeout: .never)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<16 {
                // Every other task prefers the next connection's loop (the pool's loops in turn).
                let executor: (any TaskExecutor)? = index.isMultiple(of: 2) ? cache.preferredTaskExecutor : nil
                group.addTask(executorPreference: executor) {
                    for _ in 0..<50 { try await cache.incr("count") }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await cache.get("count", as: Int.self) == 800)
        try await cache.clear()
        await raw.close()
        await cache.close()
    }

    /// The pool at the level below: a task preferring a slot's executor gets the connection on that
    /// slot's loop, opened there on first use, and the replacement after a failure lives there too.
    @Test func aTaskPreferringASlotsExecutorGetsTheConnectionOnThatLoop() async throws {
        let server = try RedisTestServer.start()
        defer { server.stop() }
        let pool = RedisConnectionPool(
            endpoint: try RedisEndpoint(url: server.url),
            options: .init(size: 2, initialBackoff: .milliseconds(10), maximumBackoff: .milliseconds(20)))
        let executors = [pool.nextTaskExecutor(), pool.nextTaskExecutor()]
        for executor in executors {
            let connection = try await withTaskExecutorPreference(executor) { try await pool.connection() }
            #expect(connection.eventLoop === executor.eventLoop)
        }
        server.stop()
        try server.restart()
        try await Task.sleep(for: .milliseconds(100))  // past the backoff, if a call fails meanwhile
        for executor in executors {
            let reply = try await withTaskExecutorPreference(executor) { () async throws -> RESPValue in
                // The old connection may not have noticed the restart yet: one failure, then its replacement.
                if let reply = try? await pool.send(RedisCommand("PING")) { return reply }
                try await Task.sleep(for: .milliseconds(50))
                return try await pool.send(RedisCommand("PING"))
            }
            #expect(reply.string == "PONG")
            let connection = try await withTaskExecutorPreference(executor) { try await pool.connection() }
            #expect(connection.eventLoop === executor.eventLoop)
        }
        await pool.close()
    }
}
