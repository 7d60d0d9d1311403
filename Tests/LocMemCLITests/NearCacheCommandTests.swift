import Foundation
import RedisTestSupport
import Testing

/// `locmem near`: two real `locmem` processes on one Redis server, read from their output.
@Suite(.enabled(if: RedisTestServer.isAvailable, RedisTestServer.unavailableReason))
struct NearCacheCommandTests {
    @Test func theReadersNextReadAfterTheWriteGoesBackToRedisByItself() throws {
        // A server of its own when one can be started: a FLUSHDB by another suite on the shared
        // server would empty the reader's near level (Redis reports flushes of any database).
        let server = RedisTestServer.binary != nil ? try RedisTestServer.start() : nil
        let url = try server?.url ?? RedisTestServer.sharedURL()
        let prefix = "near-cli-\(UUID().uuidString.prefix(8))"
        let run = try LocMemExecutable.run(["near", "--redis", url, "--prefix", prefix])
        #expect(run.exitCode == 0, "stderr: \(run.stderr)")
        let lines = run.stdoutLines
        let reads = lines.filter { $0.hasPrefix("reader [pid ") }
        try #require(reads.count == 6, "\(run.stdout)")
        let writerPID = try #require(lines.first { $0.hasPrefix("writer [pid ") }?.split(separator: " ")[2])
        let readerPID = reads[0].split(separator: " ")[2]
        #expect(writerPID != readerPID, "two processes")
        #expect(reads[0].hasSuffix("read 1: \"hello\"  from Redis, kept near"))
        #expect(reads[1].hasSuffix("read 2: \"hello\"  from the near level (no round trip)"))
        #expect(reads[2].hasSuffix("read 3: \"hello\"  from the near level (no round trip)"))
        #expect(reads[3].hasSuffix("read 4: \"bonjour\"  from Redis: the server had invalidated the near copy"))
        #expect(reads[4].hasSuffix("read 5: \"bonjour\"  from the near level (no round trip)"))
        let write = try #require(lines.firstIndex { $0.contains("set greeting = \"bonjour\"") })
        #expect(lines.firstIndex(of: reads[2])! < write && write < lines.firstIndex(of: reads[3])!)
        server?.stop()  // also keeps it alive until here
    }

    @Test func anUnreachableServerIsOneErrorLine() throws {
        let port = try RedisTestServer.freePort()
        let run = try LocMemExecutable.run(["near", "write", "k", "v", "--redis", "redis://127.0.0.1:\(port)/0"])
        #expect(run.exitCode == 1)
        #expect(run.stderrLines.count == 1)
        #expect(run.stderr.contains("127.0.0.1:\(port)"))
    }
}
