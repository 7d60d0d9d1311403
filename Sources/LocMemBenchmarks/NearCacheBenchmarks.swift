import Foundation
import LocMem
import LocMemRedis

#if canImport(Glibc)
import Glibc
#endif

/// The near cache's cases of `locmem bench`, run when a Redis server is given (`LOCMEM_REDIS_URL`):
///
/// - `near/get hit/<implementation>`: a hit through `NearCache`'s near level, against a plain
///   `LocMemCache` get and a plain `RedisCache` get (a loopback round trip), interleaved in rounds
///   so all three share the machine's good and bad moments. Goal: the near hit within 2x of LocMem.
/// - `near/invalidation delay`: from the start of a write in this process to the moment a
///   `NearCache` in *another process* (`locmem near probe`, a child of this one) has dropped its
///   copy, on CLOCK_MONOTONIC, which both processes share; p50 and p99 over the rounds.
///
/// Samples are per-operation means of a batch, as in the rest of the benchmark.
public enum NearCacheBenchmarks {
    /// The rows of the near cache's table.
    public struct Result: Sendable {
        /// `near/get hit/<implementation>` and `near/invalidation delay`, with their statistics.
        public var cases: [(name: String, latency: LatencyStatistics)] {
            [
                ("near/get hit/LocMemCache", locMemGet), ("near/get hit/NearCache", nearGet),
                ("near/get/RedisCache", redisGet), ("near/invalidation delay (other process)", invalidationDelay),
            ]
        }
        public var locMemGet: LatencyStatistics
        public var nearGet: LatencyStatistics
        public var redisGet: LatencyStatistics
        public var invalidationDelay: LatencyStatistics
        /// The server's address.
        public var server: String

        /// The near hit's median over LocMem's (goal: 2 or less).
        public var nearOverLocMem: Double { nearGet.median / max(locMemGet.median, 1e-9) }
        /// Redis's median over the near hit's.
        public var redisOverNear: Double { redisGet.median / max(nearGet.median, 1e-9) }

        /// The table printed after the main report.
        public func table() -> String {
            var lines = ["Near cache (NearCache) on \(server): ns per operation, p50 / p99 of batch means"]
            for (name, latency) in cases {
                lines.append(
                    "  " + Format.pad(name, 42) + Format.pad(Format.latency(latency.median), 12, right: true)
                        + Format.pad(Format.latency(latency.p99), 12, right: true)
                        + Format.pad("\(latency.samples) samples", 14, right: true)
                )
            }
            let goal = nearOverLocMem <= 2 ? "met" : "NOT met"
            lines.append("  near hit / LocMem get: \(Format.ratio(nearOverLocMem)) (goal <= 2x: \(goal)); "
                + "Redis get / near hit: \(Format.ratio(redisOverNear))")
            lines.append("  invalidation delay: one sample per round (write start -> other process dropped its copy)")
            return lines.joined(separator: "\n")
        }
    }

    /// A small value, as an application caches: 16 bytes, `Codable` for Redis.
    struct Item: Codable, Sendable, Hashable {
        var id: Int
        var score: Int
    }

    /// The server to measure on: `LOCMEM_REDIS_URL`, if set.
    public static var serverURL: String? {
        ProcessInfo.processInfo.environment["LOCMEM_REDIS_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Runs the cases on the server at `url`, blocking the calling thread (a command's main thread):
    /// the cache is awaited through ``runBlocking(_:)``, and the probe's output is read here, never
    /// on the event loop that delivers the invalidations.
    ///
    /// - Parameters:
    ///   - probe: How to start the other process: an executable and its arguments, to which
    ///     `--redis <url> --prefix <prefix>` are appended (`locmem near probe`).
    public static func run(
        url: String, options: BenchmarkOptions, probe: (executable: String, arguments: [String]),
        progress: @escaping @Sendable (String) -> Void
    ) throws -> Result {
        let prefix = "locmem-bench-near-\(getpid())"
        let configuration = CacheConfiguration(timeout: nil, keyPrefix: prefix)
        let (near, redis) = try runBlocking { () async throws -> (NearCache, RedisCache) in
            (
                try await NearCache(url: url, configuration: configuration),
                try await RedisCache(url: url, configuration: configuration)
            )
        }
        defer {
            runBlocking {
                await near.close()
                await redis.close()
            }
        }
        let hits = try runBlocking {
            try await measureGets(near: near, redis: redis, options: options, progress: progress)
        }
        progress("near: invalidation delay to another process")
        let delays = try invalidationDelays(
            url: url, prefix: prefix, writer: redis, rounds: options.isQuick ? 20 : 300, probe: probe
        )
        return Result(
            locMemGet: hits.locMem, nearGet: hits.near, redisGet: hits.redis,
            invalidationDelay: LatencyStatistics(samples: delays), server: near.redis.address
        )
    }

    /// A near hit, a LocMem get and a Redis get, in interleaved batches.
    private static func measureGets(
        near: NearCache, redis: RedisCache, options: BenchmarkOptions, progress: @Sendable (String) -> Void
    ) async throws -> (locMem: LatencyStatistics, near: LatencyStatistics, redis: LatencyStatistics) {
        let local = try LocMemCache(
            location: "bench-near-\(getpid())", configuration: CacheConfiguration(maxEntries: 10_000)
        )
        let keys = (0..<1_000).map { "item-\($0)" }
        for (index, key) in keys.enumerated() {
            try await redis.set(key, Item(id: index, score: index * 7), timeout: .never)
            local.set(key, Item(id: index, score: index * 7), timeout: .never)
        }
        // Wait for this process's own invalidations of the writes above, then fill the near level.
        try await Task.sleep(for: .milliseconds(100))
        for key in keys { _ = try await near.get(key, as: Item.self) }
        let missesBefore = near.statistics.nearMisses

        let rounds = options.isQuick ? 1 : 5
        let samplesPerRound = options.isQuick ? 10 : 60
        var locMemSamples: [Double] = []
        var nearSamples: [Double] = []
        var redisSamples: [Double] = []
        var checksum = 0
        progress("near: get hit (LocMemCache, NearCache) and RedisCache get, \(rounds) rounds")
        for _ in 0..<rounds {
            for _ in 0..<samplesPerRound {
                let batch = 1_000
                var start = BenchmarkClock.now()
                checksum &+= locMemHits(local, keys, batch)
                locMemSamples.append(Double(BenchmarkClock.now() - start) / Double(batch))
                start = BenchmarkClock.now()
                checksum &+= try await nearHits(near, keys, batch)
                nearSamples.append(Double(BenchmarkClock.now() - start) / Double(batch))
                let trips = 20
                start = BenchmarkClock.now()
                for index in 0..<trips {
                    checksum &+= try await redis.get(keys[index], as: Item.self)?.score ?? 0
                }
                redisSamples.append(Double(BenchmarkClock.now() - start) / Double(trips))
            }
        }
        if checksum == 42 { progress("near: (checksum \(checksum))") }  // keeps the reads from being optimized out
        let misses = near.statistics.nearMisses - missesBefore
        if misses > 0 { progress("near: warning: \(misses) near misses while measuring hits") }
        return (
            LatencyStatistics(samples: locMemSamples), LatencyStatistics(samples: nearSamples),
            LatencyStatistics(samples: redisSamples)
        )
    }

    /// `count` LocMem gets, cycling through `keys`. Not inlined, so that callgrind can count a hit's
    /// instructions (`--toggle-collect='*locMemHits*'`).
    @inline(never)
    static func locMemHits(_ cache: LocMemCache, _ keys: [String], _ count: Int) -> Int {
        var sum = 0
        for index in 0..<count {
            sum &+= cache.get(keys[index % keys.count], as: Item.self)?.score ?? 0
        }
        return sum
    }

    /// `count` near-level gets, as ``locMemHits(_:_:_:)`` (`--toggle-collect='*nearHits*'`).
    @inline(never)
    static func nearHits(_ cache: NearCache, _ keys: [String], _ count: Int) async throws -> Int {
        var sum = 0
        for index in 0..<count {
            sum &+= try await cache.get(keys[index % keys.count], as: Item.self)?.score ?? 0
        }
        return sum
    }

    /// Starts the probe process, and for each round: the probe reads the key into its near level
    /// (`arm` → `armed`), this process writes the key, the probe reports when its copy was dropped.
    private static func invalidationDelays(
        url: String, prefix: String, writer: RedisCache, rounds: Int, probe: (executable: String, arguments: [String])
    ) throws -> [Double] {
        let child = try ProbeProcess(
            executable: probe.executable, arguments: probe.arguments + ["--redis", url, "--prefix", prefix]
        )
        defer { child.stop() }
        guard child.readLine() == "ready" else { throw ProbeError(reason: "the probe did not start") }
        try runBlocking { try await writer.set("probe", -1, timeout: .never) }
        var delays: [Double] = []
        for round in 0..<rounds {
            child.write("arm")
            guard child.readLine() == "armed" else { throw ProbeError(reason: "the probe could not keep the key near") }
            let start = BenchmarkClock.now()
            try runBlocking { try await writer.set("probe", round, timeout: .never) }
            guard let line = child.readLine(), line.hasPrefix("dropped "), let dropped = UInt64(line.dropFirst(8))
            else {
                throw ProbeError(reason: "the probe did not see the invalidation")
            }
            delays.append(Double(dropped) - Double(start))
        }
        return delays
    }

    /// The other process's side (`locmem near probe`): a near cache on `url` and `prefix` that
    /// answers `arm` by reading `probe` until it is near (`armed`; `not-armed` after 5 s), then
    /// waits for it to be dropped and prints `dropped <CLOCK_MONOTONIC ns>` (`kept` after 5 s).
    /// Ends at the end of its input.
    ///
    /// Blocks the calling thread, which polls the near level while the event loop is left free to
    /// deliver the invalidation.
    public static func probe(url: String, prefix: String) throws {
        let configuration = CacheConfiguration(timeout: nil, keyPrefix: prefix)
        let cache = try runBlocking { try await NearCache(url: url, configuration: configuration) }
        defer { runBlocking { await cache.close() } }
        func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        say("ready")
        while let line = readLine() {
            guard line == "arm" else { continue }
            var limit = BenchmarkClock.now() + 5_000_000_000
            while !cache.isNear("probe"), BenchmarkClock.now() < limit {
                _ = try runBlocking { try await cache.get("probe", as: Int.self) }
                if !cache.isNear("probe") { usleep(100) }
            }
            guard cache.isNear("probe") else {
                say("not-armed")
                continue
            }
            say("armed")
            limit = BenchmarkClock.now() + 5_000_000_000
            while cache.isNear("probe"), BenchmarkClock.now() < limit {
                sched_yield()
            }
            say(cache.isNear("probe") ? "kept" : "dropped \(BenchmarkClock.now())")
        }
    }

    struct ProbeError: Error, CustomStringConvertible {
        var reason: String
        var description: String { "near-cache benchmark: \(reason)" }
    }

    /// The probe child: lines in through a pipe, lines out through another.
    private final class ProbeProcess {
        let process = Process()
        let input = Pipe()
        let output = Pipe()
        var buffer = Data()

        init(executable: String, arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.standardInput = input
            process.standardOutput = output
            try process.run()
        }

        func write(_ line: String) {
            input.fileHandleForWriting.write(Data((line + "\n").utf8))
        }

        /// The next line, or `nil` at the end of the output.
        func readLine() -> String? {
            while true {
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...newline)
                    return line
                }
                let data = output.fileHandleForReading.availableData
                if data.isEmpty { return nil }
                buffer.append(data)
            }
        }

        func stop() {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }
}
