import Bookstore
import Dispatch
import Foundation
import LocMem
import LocMemRedis
import SQLiteStore
import Synchronization

/// `locmem bench --redis URL`: `RedisCache` on a real server, against Django's `RedisCache`
/// (redis-py) and `redis-benchmark` on the same server in the same run, and the cache-aside
/// `book(id:)` on LocMem, on Redis and with no cache.
///
/// Like with like: every case has one operation in flight on one connection, as
/// `redis-benchmark -c 1 -P 1` measures a round trip, and as Django's cache is used from one
/// thread. A sample is a batch's time divided by its size (batches grow during the warm-up until
/// one lasts ``BenchmarkOptions/targetBatchNanoseconds``); medians and p99 over samples.
/// Keys are written under the prefix `locmem-bench` and removed at the end.
public struct RedisBenchmarks: Sendable {
    /// The cases, `group/operation/implementation`, for `--filter`.
    public static let operations = ["get hit", "set", "incr", "getMany 100"]
    /// The operations measured a second time with the caller off the event loop (see
    /// ``offLoopName(_:)``): a task on a Dispatch global queue, as Swift's default global executor
    /// runs tasks on Linux.
    public static let offLoopOperations = ["get hit", "set", "incr"]

    /// The name under which `operation`'s off-loop case is reported (`get hit, off the loop`).
    public static func offLoopName(_ operation: String) -> String { operation + offLoopSuffix }

    /// The operation a case name measures (`get hit` for `get hit, off the loop`): what Django and
    /// redis-benchmark are compared on.
    static func peerOperation(_ name: String) -> String {
        name.hasSuffix(offLoopSuffix) ? String(name.dropLast(offLoopSuffix.count)) : name
    }

    private static let offLoopSuffix = ", off the loop"
    public static let readThrough = ["LocMemCache", "RedisCache", "no cache (SQLite)"]

    public var url: String
    public var options: BenchmarkOptions
    public var django: (python: String, script: URL)?
    public var progress: @Sendable (String) -> Void

    public init(
        url: String, options: BenchmarkOptions, django: (python: String, script: URL)? = nil,
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.url = url
        self.options = options
        self.django = django
        self.progress = progress
    }

    /// Measures every case and returns the report.
    ///
    /// In ``BenchmarkOptions/rounds`` rounds, each running RedisCache's cases, then
    /// `redis-benchmark`'s, then (with Django) the Django script, back to back: a burst of other work
    /// on the machine then lands on one round of all three rather than on one side of a comparison,
    /// and each ratio is the median of the rounds' ratios.
    ///
    /// - Throws: `CacheError` when the server cannot be reached; ``BenchmarkError`` when a sanity
    ///   check fails (a hit that missed, a cached read that ran SQL).
    public func run() throws -> RedisBenchmarkReport {
        let this = self
        let session = try runBlocking { () async throws -> Session in try await this.openSession() }
        var report = RedisBenchmarkReport(address: session.cache.address, serverVersion: serverVersion())
        let rounds = Self.rounds(options)
        var samples: [String: [Double]] = [:]
        var djangoRuns: [DjangoRedisOutput] = []
        do {
            for index in 1...rounds {
                var round = RedisBenchmarkRound()
                let measured = try runBlocking { () async throws -> [String: [Double]] in
                    try await this.measureRound(session, rounds: rounds)
                }
                for (operation, values) in measured {
                    samples[operation, default: []] += values
                    round.swift[operation] = LatencyStatistics(samples: values)
                }
                if options.includes("redis/") {
                    round.redisBenchmark = RedisBenchmarkTool.run(
                        address: report.address, requests: RedisBenchmarkTool.requests(quick: options.isQuick) / rounds,
                        progress: { this.progress("round \(index)/\(rounds): \($0)") })
                }
                if let django, options.includes("redis/"), report.djangoError == nil {
                    progress("redis: round \(index)/\(rounds): Django: running \(django.script.path)")
                    do {
                        let output = try DjangoRedisPeer.run(
                            python: django.python, script: django.script, url: url, quick: options.isQuick)
                        round.django = Dictionary(output.results.map { ($0.operation, $0.latency) }) { first, _ in
                            first
                        }
                        djangoRuns.append(output)
                    } catch {
                        report.djangoError = "\(error)"
                    }
                }
                report.rounds.append(round)
            }
            report.swift = samples.mapValues { LatencyStatistics(samples: $0) }
            report.redisBenchmark = RedisBenchmarkTool.pooled(report.rounds.map(\.redisBenchmark))
            report.django = djangoRuns.last
            let measured = report
            report = try runBlocking { () async throws -> RedisBenchmarkReport in
                var report = measured
                try await this.measureReadThrough(redis: session.cache, into: &report)
                return report
            }
        } catch {
            runBlocking { () async in await session.close() }
            throw error
        }
        runBlocking { () async in await session.close() }
        return report
    }

    /// Rounds of the Redis cases: 5 in a full run (each case's share of samples and time is
    /// ``BenchmarkOptions/rounds``' worth split five ways), so that the median ratio outvotes two
    /// rounds that a burst of other work spoiled; 1 in a quick run.
    static func rounds(_ options: BenchmarkOptions) -> Int {
        options.isQuick ? 1 : max(5, options.rounds)
    }

    /// The cache, with the keys every case reads in place.
    private struct Session: Sendable {
        var cache: RedisCache
        var keys: [String]
        var many: [String]
        var position = RoundRobin()

        func close() async {
            try? await cache.clear()
            await cache.close()
        }
    }

    private func openSession() async throws -> Session {
        let cache = try await RedisCache(
            url: url, configuration: CacheConfiguration(timeout: 300, keyPrefix: "locmem-bench"))
        let keys = (0..<1_024).map { "key:\($0)" }
        for key in keys { try await cache.set(key, "value", timeout: .default) }
        try await cache.set("counter", 0, timeout: .never)
        let many = Array(keys.prefix(100))
        guard try await cache.get(keys[1], as: String.self) == "value",
            try await cache.getMany(many, as: String.self).count == 100
        else {
            await cache.close()
            throw BenchmarkError.setUpFailed("redis: the keys just set are not all there")
        }
        return Session(cache: cache, keys: keys, many: many)
    }

    /// One round of RedisCache's cases: the samples of each.
    private func measureRound(_ session: Session, rounds: Int) async throws -> [String: [Double]] {
        let cache = session.cache
        let keys = session.keys
        let many = session.many
        let mask = keys.count - 1
        let position = session.position
        @Sendable func nextKey() -> String { keys[position.next() & mask] }
        let cases: [(String, @Sendable (Int) async throws -> Int)] = [
            (
                "get hit",
                { n in
                    var total = 0
                    for _ in 0..<n { total += try await cache.get(nextKey(), as: String.self)?.utf8.count ?? 0 }
                    guard total == 5 * n else { throw BenchmarkError.setUpFailed("redis get hit: a miss") }
                    return total
                }
            ),
            (
                "set",
                { n in
                    for _ in 0..<n { try await cache.set(nextKey(), "value", timeout: .default) }
                    return n
                }
            ),
            (
                "incr",
                { n in
                    var last = 0
                    for _ in 0..<n { last = try await cache.incr("counter") }
                    return last
                }
            ),
            (
                "getMany 100",
                { n in
                    var total = 0
                    for _ in 0..<n { total += try await cache.getMany(many, as: String.self).count }
                    guard total == 100 * n else { throw BenchmarkError.setUpFailed("redis getMany: a miss") }
                    return total
                }
            ),
        ]
        var measured: [String: [Double]] = [:]
        for (operation, body) in cases where options.includes("redis/\(operation)/RedisCache") {
            progress("redis/\(operation)/RedisCache")
            measured[operation] = try await measure(body, rounds: rounds)
        }
        // The same calls from a task whose code runs on a thread pool: each reply is handed from
        // the event loop to a parked pool thread, and each command back to the loop.
        for (operation, body) in cases where Self.offLoopOperations.contains(operation) {
            let name = Self.offLoopName(operation)
            guard options.includes("redis/\(name)/RedisCache") else { continue }
            progress("redis/\(name)/RedisCache")
            measured[name] = try await withTaskExecutorPreference(DispatchTaskExecutor.shared) {
                try await measure(body, rounds: rounds)
            }
        }
        return measured
    }

    /// `book(id:)` hits through `CacheAsideBookRepository` on LocMem and on Redis, and the query alone.
    private func measureReadThrough(redis: RedisCache, into report: inout RedisBenchmarkReport) async throws {
        let names = Self.readThrough.map { "redis/read-through/book(id:)/\($0)" }
        guard names.contains(where: options.includes) else { return }
        let database = try Database.inMemory()
        try Fixtures.load(into: database)
        let local = CacheAsideBookRepository(
            database: database,
            cache: try LocMemCache(location: "locmem-bench/read-through", configuration: CacheBenchmarks.configuration),
            timeout: 300
        )
        let shared = CacheAsideBookRepository(database: database, cache: redis, timeout: 300)
        let uncached = local.uncached
        let ids: [Int64] = Array(1...1_024)
        for id in ids {
            let expected = try uncached.book(id: id)
            guard try await local.book(id: id) == expected, try await shared.book(id: id) == expected else {
                throw BenchmarkError.setUpFailed("read-through: book(id: \(id)) differs from SQLite")
            }
        }
        let position = RoundRobin()
        @Sendable func nextID() -> Int64 { ids[position.next() & 1_023] }
        let bodies: [@Sendable (Int) async throws -> Int] = [
            { n in
                var total = 0
                for _ in 0..<n { total += try await local.book(id: nextID())?.priceCents ?? 0 }
                return total
            },
            { n in
                var total = 0
                for _ in 0..<n { total += try await shared.book(id: nextID())?.priceCents ?? 0 }
                return total
            },
            { n in
                var total = 0
                for _ in 0..<n { total += try uncached.book(id: nextID())?.priceCents ?? 0 }
                return total
            },
        ]
        for (name, (implementation, body)) in zip(names, zip(Self.readThrough, bodies)) where options.includes(name) {
            progress(name)
            let queries = database.queryCount
            report.readThrough[implementation] = LatencyStatistics(
                samples: try await measure(
                    body, rounds: 1, seconds: options.sampleSeconds * Double(max(options.rounds, 1))))
            if implementation != Self.readThrough[2], database.queryCount != queries {
                throw BenchmarkError.setUpFailed("\(name): a cached read ran SQL")
            }
        }
    }

    private func serverVersion() -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["redis-server", "--version"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "?" }
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.split(separator: " ").first { $0.hasPrefix("v=") }.map { String($0.dropFirst(2)) } ?? "?"
    }

    /// Samples `body(n)` (n operations) as ``Sampler`` does, one operation in flight, for
    /// ``BenchmarkOptions/sampleSeconds`` and at least a `1 / rounds` share of
    /// ``BenchmarkOptions/minimumSamples`` (the `rounds` share of a case run in rounds).
    private func measure(
        _ body: @Sendable (Int) async throws -> Int, rounds: Int, seconds: Double? = nil
    ) async throws -> [Double] {
        let clock = ContinuousClock()
        var batch = 1
        let warmUpEnd = clock.now + .nanoseconds(Int64(options.warmUpSeconds * 1e9))
        var checksum = 0
        while true {
            let start = clock.now
            checksum &+= try await body(batch)
            let now = clock.now
            if (now - start) < .nanoseconds(options.targetBatchNanoseconds), batch < options.maximumBatchSize {
                batch = min(batch * 2, options.maximumBatchSize)
            }
            if now >= warmUpEnd { break }
        }
        var samples: [Double] = []
        let start = clock.now
        var last = start
        let duration = Duration.nanoseconds(Int64((seconds ?? options.sampleSeconds) * 1e9))
        let minimumSamples = max(1, options.minimumSamples / rounds)
        while samples.count < options.maximumSamples / rounds {
            checksum &+= try await body(batch)
            let now = clock.now
            samples.append(Double((now - last) / .nanoseconds(1)) / Double(batch))
            last = now
            if samples.count >= minimumSamples, now - start >= duration { break }
        }
        withExtendedLifetime(checksum) {}
        return samples
    }
}

/// The next index of a round-robin over keys, shared by the closures of one case.
final class RoundRobin: Sendable {
    private let position = Atomic<Int>(0)
    func next() -> Int { position.wrappingAdd(1, ordering: .relaxed).oldValue }
}

// MARK: - Report

/// What ``RedisBenchmarks`` measured: per operation, RedisCache, Django's RedisCache and
/// `redis-benchmark`, in nanoseconds per operation.
public struct RedisBenchmarkReport: Sendable, Codable {
    public var address: String
    public var serverVersion: String
    /// RedisCache, by operation.
    public var swift: [String: LatencyStatistics] = [:]
    /// Django's RedisCache, by operation, when `--with-django` ran.
    public var django: DjangoRedisOutput?
    public var djangoError: String?
    /// redis-benchmark's round trip (-c 1 -P 1), by operation.
    public var redisBenchmark: [String: RedisBenchmarkTool.RoundTrip] = [:]
    /// `book(id:)` hits by implementation.
    public var readThrough: [String: LatencyStatistics] = [:]
    /// Each round's numbers; ``swift`` and ``redisBenchmark`` pool them, and the ratios are the
    /// median of the rounds' ratios.
    public var rounds: [RedisBenchmarkRound] = []

    init(address: String, serverVersion: String) {
        self.address = address
        self.serverVersion = serverVersion
    }

    /// The median over the rounds of Django's median for `operation`, in nanoseconds.
    func djangoMedian(_ operation: String) -> Double? {
        RedisBenchmarkRound.median(rounds.compactMap { $0.django[operation]?.median })
    }

    /// Django's median over RedisCache's, per round: their median and range. `name` is an operation
    /// or its off-loop case, compared with Django's same operation.
    func versusDjango(_ name: String) -> RedisBenchmarkRound.Ratio? {
        let operation = RedisBenchmarks.peerOperation(name)
        return RedisBenchmarkRound.Ratio(
            rounds.compactMap { ratio($0.django[operation]?.median, $0.swift[name]?.median) })
    }

    /// Django's median over redis-benchmark's mean round trip, per round: the most any client could
    /// beat Django by on this machine at the time (the round trip is a floor for every client).
    func toolVersusDjango(_ operation: String) -> RedisBenchmarkRound.Ratio? {
        RedisBenchmarkRound.Ratio(
            rounds.compactMap { ratio($0.django[operation]?.median, $0.redisBenchmark[operation]?.mean) })
    }

    /// RedisCache's mean over redis-benchmark's, per round: their median and range. `name` is an
    /// operation or its off-loop case, compared with redis-benchmark's same command.
    func versusTool(_ name: String) -> RedisBenchmarkRound.Ratio? {
        let operation = RedisBenchmarks.peerOperation(name)
        return RedisBenchmarkRound.Ratio(
            rounds.compactMap { ratio($0.swift[name]?.mean, $0.redisBenchmark[operation]?.mean) })
    }

    /// The aligned table, with the goals judged on this run's ratios.
    public func table() -> String {
        var lines = [
            "Redis: \(address), redis-server \(serverVersion); one operation in flight on one connection "
                + "(redis-benchmark -c 1 -P 1); medians per operation",
            "  \(rounds.count) round(s), each RedisCache, redis-benchmark and Django back to back; a ratio is the "
                + "median of the rounds' ratios [their range]",
        ]
        if let django {
            lines.append(
                "  Django: Python \(django.python), Django \(django.django), redis-py \(django.redis), "
                    + "same server, same run"
            )
        } else if let djangoError {
            lines.append("  Django: NOT RUN: \(djangoError)")
        } else {
            lines.append("  Django: not run (add --with-django)")
        }
        func pad(_ text: String, _ width: Int) -> String {
            text + String(repeating: " ", count: max(0, width - text.count))
        }
        func left(_ text: String, _ width: Int) -> String {
            String(repeating: " ", count: max(0, width - text.count)) + text
        }
        lines.append(
            "  " + pad("", 14) + left("RedisCache", 20) + left("Django", 10) + left("redis-benchmark", 20)
                + left("Django/Swift", 22) + left("Swift/r-b", 22))
        lines.append(
            "  " + pad("operation", 14) + left("median", 10) + left("mean", 10) + left("median", 10)
                + left("p50", 10) + left("mean", 10) + left("(medians)", 22) + left("(means)", 22))
        var goals: [String] = []
        var offLoopNotes: [String] = []
        let offLoop = RedisBenchmarks.offLoopOperations.map(RedisBenchmarks.offLoopName)
        if offLoop.contains(where: { swift[$0] != nil }) {
            lines.insert(
                "  RedisCache's caller: on the connection's event loop (locmem runs its tasks on NIO's loops); "
                    + "\"off the loop\": a task on a Dispatch thread pool, as on Swift's default executor",
                at: 2)
        }
        let names = RedisBenchmarks.operations.flatMap { operation in
            RedisBenchmarks.offLoopOperations.contains(operation)
                ? [operation, RedisBenchmarks.offLoopName(operation)] : [operation]
        }
        for name in names {
            guard let swift = swift[name] else { continue }
            let operation = RedisBenchmarks.peerOperation(name)
            let djangoValue = djangoMedian(operation)
            let tool = redisBenchmark[operation]
            let versusDjango = versusDjango(name)
            let versusTool = versusTool(name)
            let label = name == operation ? name : "  off loop"
            lines.append(
                "  " + pad(label, 14) + left(Format.latency(swift.median), 10) + left(Format.latency(swift.mean), 10)
                    + left(djangoValue.map(Format.latency) ?? "-", 10) + left(tool.map { Format.latency($0.p50) } ?? "-", 10)
                    + left(tool.map { Format.latency($0.mean) } ?? "-", 10)
                    + left(versusDjango?.description ?? "-", 22) + left(versusTool?.description ?? "-", 22))
            if name != operation {
                // Off the loop: reported beside the goals, not judged on them (a task on the loop,
                // or one preferring `RedisCache.preferredTaskExecutor`, is what the goals measure).
                let ratios =
                    [versusDjango.map { "\($0) faster than Django's RedisCache" },
                    versusTool.map { "\($0) redis-benchmark's mean round trip" }].compactMap { $0 }
                if !ratios.isEmpty { offLoopNotes.append("\(operation): " + ratios.joined(separator: ", ")) }
                continue
            }
            if let versusDjango {
                // What redis-benchmark's bare round trip gets against Django: the ceiling of the ratio.
                let ceiling = toolVersusDjango(operation).map {
                    "; redis-benchmark's round trip: \(Format.ratio($0.median))"
                }
                goals.append(
                    "\(versusDjango.median >= 3 ? "MET" : "NOT MET")  \(name): \(versusDjango) "
                        + "faster than Django's RedisCache (goal >= 3x\(ceiling ?? ""))"
                )
            }
            if let versusTool {
                goals.append(
                    "\(versusTool.median <= 1.5 ? "MET" : "NOT MET")  \(name): \(versusTool) "
                        + "redis-benchmark's mean round trip (goal <= 1.5x)"
                )
            }
        }
        if let plain = redisBenchmark[RedisBenchmarkTool.plainIncr] {
            lines.append(
                "  incr: RedisCache's EVALSHA of its counter script (EXISTS + INCRBY: a missing key is an error)")
            lines.append(
                "    against redis-benchmark's EVALSHA of the same script; plain INCR there: p50 "
                    + "\(Format.latency(plain.p50)), mean \(Format.latency(plain.mean))")
        }
        if !readThrough.isEmpty {
            lines.append("")
            lines.append("  read-through book(id:) hit (CacheAsideBookRepository), median / p99:")
            for implementation in RedisBenchmarks.readThrough {
                guard let measured = readThrough[implementation] else { continue }
                lines.append(
                    "    " + pad(implementation, 20) + left(Format.latency(measured.median), 10)
                        + left(Format.latency(measured.p99), 10))
            }
        }
        if !goals.isEmpty {
            lines.append("")
            lines.append("  goals:")
            lines += goals.map { "    " + $0 }
        }
        if !offLoopNotes.isEmpty {
            lines.append(
                "  with the caller off the loop (a task on a thread pool, not judged: such a caller gets the numbers "
                    + "above with RedisCache.withPreferredExecutor):")
            lines += offLoopNotes.map { "    " + $0 }
        }
        return lines.joined(separator: "\n")
    }
}

/// One round of ``RedisBenchmarks``: each side's numbers, measured back to back.
public struct RedisBenchmarkRound: Sendable, Codable {
    /// RedisCache, by operation.
    public var swift: [String: LatencyStatistics] = [:]
    /// redis-benchmark's round trip, by operation.
    public var redisBenchmark: [String: RedisBenchmarkTool.RoundTrip] = [:]
    /// Django's RedisCache, by operation (empty without `--with-django`).
    public var django: [String: LatencyStatistics] = [:]

    /// A ratio measured in every round: the median of the rounds' values and their range.
    public struct Ratio: Sendable, CustomStringConvertible {
        /// The median of the rounds' ratios: what the goal is judged on.
        public var median: Double
        /// The lowest round's ratio.
        public var lowest: Double
        /// The highest round's ratio.
        public var highest: Double

        init?(_ values: [Double]) {
            guard let median = RedisBenchmarkRound.median(values) else { return nil }
            self.median = median
            lowest = values.min()!
            highest = values.max()!
        }

        /// `3.21x [2.90–3.40]`, or `3.21x` for one round.
        public var description: String {
            guard lowest != highest else { return Format.ratio(median) }
            return "\(Format.ratio(median)) [\(Format.significant(lowest))–\(Format.significant(highest))]"
        }
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        return LatencyStatistics(samples: values).median
    }
}

/// `numerator / denominator` when both were measured and the denominator is not 0.
private func ratio(_ numerator: Double?, _ denominator: Double?) -> Double? {
    guard let numerator, let denominator, denominator > 0 else { return nil }
    return numerator / denominator
}

// MARK: - Peers

/// `redis-benchmark -c 1 -P 1` on the same server: the round trip of the same commands with a
/// C client and nothing else. For `incr` that is the `EVALSHA` of RedisCache's counter script
/// (`EXISTS`, then `INCRBY`, in one atomic step) on an existing key; plain `INCR`, which creates a
/// missing key at 0, is measured too and shown beside it, not compared.
///
/// Its p50 is per request, while a sample here is a batch's mean; so the goal compares means
/// (redis-benchmark's is 1 / requests per second), and the p50 is shown beside it.
public enum RedisBenchmarkTool {
    /// The key of plain `INCR`'s round trip, shown beside the `EVALSHA` that `incr` is compared with.
    public static let plainIncr = "incr (plain INCR)"

    /// One command's round trip, in nanoseconds.
    public struct RoundTrip: Sendable, Codable {
        public var p50: Double
        public var mean: Double
    }

    /// The requests per test of a whole run (split between the rounds).
    static func requests(quick: Bool) -> Int { quick ? 2_000 : 50_000 }

    /// The round trips of several rounds as one: the mean of their means (each round ran as many
    /// requests), the median of their p50s.
    static func pooled(_ rounds: [[String: RoundTrip]]) -> [String: RoundTrip] {
        var pooled: [String: RoundTrip] = [:]
        for operation in Set(rounds.flatMap(\.keys)) {
            let measured = rounds.compactMap { $0[operation] }
            pooled[operation] = RoundTrip(
                p50: RedisBenchmarkRound.median(measured.map(\.p50)) ?? 0,
                mean: measured.map(\.mean).reduce(0, +) / Double(measured.count))
        }
        return pooled
    }

    /// Round trips per operation, `requests` of each; empty when `redis-benchmark` is missing.
    static func run(address: String, requests: Int, progress: @Sendable (String) -> Void) -> [String: RoundTrip] {
        guard let colon = address.lastIndex(of: ":") else { return [:] }
        let host = String(address[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let port = String(address[address.index(after: colon)...])
        let base = ["-h", host, "-p", port, "-c", "1", "-P", "1", "-n", String(max(requests, 100)), "--csv"]
        var results: [String: RoundTrip] = [:]
        progress("redis: redis-benchmark -c 1 -P 1 -t set,get,incr")
        for (test, roundTrip) in csv(base + ["-t", "set,get,incr"]) {
            switch test {
            case "SET": results["set"] = roundTrip
            case "GET": results["get hit"] = roundTrip
            case "INCR": results[plainIncr] = roundTrip
            default: break
            }
        }
        // RedisCache's incr is an EVALSHA of its two-line script (EXISTS, then INCRBY: a missing key
        // is an error, not created at 0); its peer is the same EVALSHA on a key that exists.
        let counter = "locmem-bench:rb:counter"
        _ = csv(base + ["-n", "1", "SET", counter, "0"])
        _ = csv(base + ["-n", "1", "SCRIPT", "LOAD", RedisCache.adjustScript])
        progress("redis: redis-benchmark -c 1 -P 1 EVALSHA (incr's script)")
        if let roundTrip = csv(base + ["EVALSHA", RedisCache.adjustScriptSHA1, "1", counter, "1", "INCRBY"]).first?.1 {
            results["incr"] = roundTrip
        }
        _ = csv(base + ["-n", "1", "DEL", counter])
        // MGET of 100 keys that hold values the size of RedisCache's ("\0Swift.String\0value").
        let keys = (0..<100).map { "locmem-bench:rb:\($0)" }
        _ = csv(base + ["-n", "1", "MSET"] + keys.flatMap { [$0, "\u{1}Swift.String\u{1}value"] })
        progress("redis: redis-benchmark -c 1 -P 1 MGET (100 keys)")
        if let roundTrip = csv(base + ["MGET"] + keys).first?.1 { results["getMany 100"] = roundTrip }
        _ = csv(base + ["-n", "1", "DEL"] + keys)
        return results
    }

    /// Runs redis-benchmark with `arguments` and returns each row's test name and round trip.
    private static func csv(_ arguments: [String]) -> [(String, RoundTrip)] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["redis-benchmark"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return [] }
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",...
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            guard fields.count >= 5, let rps = Double(fields[1]), rps > 0, let p50 = Double(fields[4]) else { return nil }
            return (String(fields[0].split(separator: " ").first ?? ""), RoundTrip(p50: p50 * 1_000_000, mean: 1e9 / rps))
        }
    }
}

/// What `Benchmarks/django_redis_bench.py --json` prints.
public struct DjangoRedisOutput: Sendable, Codable {
    public var python: String
    public var django: String
    public var redis: String
    public var results: [Row]

    /// One measured operation (the script prints more fields; these are the ones compared).
    public struct Row: Sendable, Codable {
        public var operation: String
        public var latency: LatencyStatistics
    }
}

/// Django 5.2's `RedisCache` with redis-py, measured by `Benchmarks/django_redis_bench.py`.
public enum DjangoRedisPeer {
    /// `Benchmarks/django_redis_bench.py`, next to ``DjangoPeer/defaultScript(sourceFile:)``.
    public static func defaultScript() -> URL {
        DjangoPeer.defaultScript().deletingLastPathComponent().appendingPathComponent("django_redis_bench.py")
    }

    static func run(python: String, script: URL, url: String, quick: Bool) throws -> DjangoRedisOutput {
        try DjangoPeer.runScript(
            python: python, script: script, arguments: ["--url", url, "--json"] + (quick ? ["--quick"] : [])
        )
    }
}

// MARK: - Blocking

/// Runs `body` on the concurrency runtime and blocks the calling thread (a command's main thread,
/// never one of the runtime's) until it finishes.
public func runBlocking<T: Sendable, E: Error>(_ body: @escaping @Sendable () async throws(E) -> T) throws(E) -> T {
    let outcome = Mutex<Result<T, E>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let result: Result<T, E>
        do throws(E) {
            result = .success(try await body())
        } catch {
            result = .failure(error)
        }
        outcome.withLock { $0 = result }
        done.signal()
    }
    done.wait()
    return try outcome.withLock { $0! }.get()
}
