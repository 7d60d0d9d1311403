import Foundation
import RedisTestSupport
import Testing

/// `--cache redis://...`: the commands read through a Redis server that other runs share.
@Suite(.enabled(if: RedisTestServer.isAvailable, RedisTestServer.unavailableReason))
struct SharedCacheCommandTests {
    @Test func bookReadsThroughRedisAndASecondProcessGetsTheCachedBook() throws {
        let url = try RedisTestServer.sharedURL()
        let scratch = try TemporaryFolder()
        let db = scratch.url.appendingPathComponent("shared.sqlite").path
        // Clear what other runs left: the demo clears the CLI's keys on the server first.
        let demo = try LocMemExecutable.run(["--cache", url, "--db", db, "--timeout", "0", "--no-color"])
        #expect(demo.exitCode == 0, "\(demo.stderr)")
        #expect(demo.stdout.contains("RedisCache at"))

        let first = try LocMemExecutable.run([
            "--cache", url, "book", "7", "--db", db, "--timeout", "30", "--repeat", "2",
        ])
        #expect(first.exitCode == 0, "\(first.stderr)")
        #expect(CallLine.all(in: first.stdout).map(\.source) == ["database", "cache"])
        // Another process, another connection: the book is already on the server.
        let second = try LocMemExecutable.run(["book", "7", "--cache", url, "--db", db, "--timeout", "30"])
        #expect(CallLine.all(in: second.stdout).map(\.source) == ["cache"])
        #expect(CallLine.all(in: second.stdout).first?.result == CallLine.all(in: first.stdout).first?.result)
    }

    @Test func aMalformedURLOrAnUnreachableServerIsOneErrorLineAndExitCode1() throws {
        let bad = try LocMemExecutable.run(["--cache", "http://127.0.0.1:6379", "book", "1"])
        #expect(bad.exitCode == 1)
        #expect(
            bad.stderrLines == [
                "Error: Invalid cache configuration: url invalid Redis URL 'http://127.0.0.1:6379': it must start with redis://"
            ])
        let port = try RedisTestServer.freePort()
        let down = try LocMemExecutable.run(["--cache", "redis://127.0.0.1:\(port)/0", "book", "1"])
        #expect(down.exitCode == 1)
        #expect(
            down.stderrLines == [
                "Error: Cache server connection failed: 127.0.0.1:\(port): cannot connect (connection refused)"
            ])
    }
}
