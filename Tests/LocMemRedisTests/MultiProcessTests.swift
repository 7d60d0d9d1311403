import Foundation
import LocMem
import LocMemRedis
import RedisTestSupport
import Testing

/// Several processes on one Redis server, each a `RedisCacheWorker` with its own `RedisCache`:
/// what one writes another reads, concurrent `incr`s sum exactly, one concurrent `add` wins.
@Suite(.enabled(if: RedisTestServer.isAvailable, RedisTestServer.unavailableReason))
struct MultiProcessTests {
    /// Where `swift build` put RedisCacheWorker: next to the test bundle.
    static func worker() throws -> URL {
        let me = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        let worker = me.deletingLastPathComponent().appendingPathComponent("RedisCacheWorker")
        try #require(FileManager.default.isExecutableFile(atPath: worker.path), "no RedisCacheWorker at \(worker.path)")
        return worker
    }

    /// Starts a worker; `wait` returns its exit status and output lines.
    final class Worker: Sendable {
        let process: Process
        let output: Pipe

        init(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = try MultiProcessTests.worker()
            process.arguments = arguments
            output = Pipe()
            process.standardOutput = output
            try process.run()
            self.process = process
        }

        func wait() -> (status: Int32, lines: [String]) {
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (
                process.terminationStatus, String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
            )
        }
    }

    static func prefix(_ name: String = #function) -> String {
        "\(name.prefix(while: { $0 != "(" }))-\(UUID().uuidString.prefix(8))"
    }

    @Test func aWriteInOneProcessIsReadInAnother() throws {
        let url = try RedisTestServer.sharedURL()
        let prefix = Self.prefix()
        #expect(try Worker([url, prefix, "get", "greeting"]).wait().lines == ["miss"])
        #expect(try Worker([url, prefix, "set", "greeting", "hello from another process"]).wait().lines == ["stored"])
        let read = try Worker([url, prefix, "get", "greeting"]).wait()
        #expect(read.status == 0)
        #expect(read.lines == ["hello from another process"])
    }

    @Test func concurrentIncrsFromManyProcessesSumExactly() async throws {
        let url = try RedisTestServer.sharedURL()
        let prefix = Self.prefix()
        let cache = try await RedisCache(url: url, configuration: CacheConfiguration(keyPrefix: prefix))
        try await cache.set("counter", 0, timeout: .never)
        let processes = 6
        let times = 200
        let workers = try (0..<processes).map { _ in try Worker([url, prefix, "incr", "counter", String(times)]) }
        for worker in workers {
            let (status, lines) = worker.wait()
            #expect(status == 0 && lines == ["done"])
        }
        #expect(try await cache.get("counter", as: Int.self) == processes * times)
        await cache.close()
    }

    @Test func exactlyOneConcurrentAddWins() async throws {
        let url = try RedisTestServer.sharedURL()
        let prefix = Self.prefix()
        let workers = try (0..<8).map { index in try Worker([url, prefix, "add", "lock", "worker-\(index)"]) }
        let results = workers.map { $0.wait().lines }
        #expect(results.filter { $0 == ["added"] }.count == 1)
        #expect(results.filter { $0 == ["not-added"] }.count == 7)
        let cache = try await RedisCache(url: url, configuration: CacheConfiguration(keyPrefix: prefix))
        let winner = try #require(try await cache.get("lock", as: String.self))
        let winnerIndex = try #require(results.firstIndex { $0 == ["added"] })
        #expect(winner == "worker-\(winnerIndex)")
        await cache.close()
    }

    @Test func concurrentGetOrSetsFromManyProcessesReturnOneStoredValue() async throws {
        let url = try RedisTestServer.sharedURL()
        let prefix = Self.prefix()
        let workers = try (0..<6).map { index in try Worker([url, prefix, "get-or-set", "answer", "value-\(index)"]) }
        let results = workers.map { $0.wait().lines }
        let cache = try await RedisCache(url: url, configuration: CacheConfiguration(keyPrefix: prefix))
        let stored = try #require(try await cache.get("answer", as: String.self))
        for lines in results {
            // Every process returns what the cache holds, and ran its loader at most once.
            #expect(lines.first == stored)
            #expect(lines.last == "loads=0" || lines.last == "loads=1")
        }
        await cache.close()
    }
}
