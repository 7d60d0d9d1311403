import Foundation
import LocMem
import LocMemRedis
import RedisTestSupport
import Testing

/// Near caches in several real processes (`NearCacheWorker` children) sharing one server: one
/// writes, the others' next reads see it within the stated bound (`NearCacheTesting.bound`); and a
/// randomized run in which every read is checked against the log of every process's writes.
@Suite(.enabled(if: RedisTestServer.isAvailable, RedisTestServer.unavailableReason))
struct NearCacheProcessTests {
    typealias T = NearCacheTesting

    @Test func aWriteInOneProcessIsSeenByTheNextReadInAnotherWithinTheBound() async throws {
        let url = try T.serverURL()
        let prefix = T.uniquePrefix()
        let reader = try await NearCacheWorkerProcess(url: url, prefix: prefix)
        let writer = try await NearCacheWorkerProcess(url: url, prefix: prefix)
        try await writer.send("set key v0")
        for round in 1...20 {
            // The reader keeps the current value near...
            var answer = try await reader.send("get key")
            let deadline = ContinuousClock.now + .seconds(5)
            while try await reader.send("near key") != "yes", ContinuousClock.now < deadline {
                answer = try await reader.send("get key")
            }
            #expect(answer.hasPrefix("value v\(round - 1) "), "round \(round): \(answer)")
            #expect(try await reader.send("get key") == "value v\(round - 1) near")
            // ...and watches it; the writer changes it, and the reader drops its copy (timed on
            // CLOCK_MONOTONIC, which both processes share) and reads the new value from Redis.
            #expect(try await reader.send("wait-gone key 5000") == "waiting")
            let written = try await writer.send("set key v\(round)").split(separator: " ")
            let writeReturned = try #require(UInt64(written[2]))
            let gone = try await reader.nextLine(seconds: 10).split(separator: " ")
            try #require(gone.first == "gone", "round \(round): the reader kept its copy for 5 s")
            let droppedAt = try #require(UInt64(gone[1]))
            let lag = Duration.nanoseconds(Int64(droppedAt) - Int64(writeReturned))
            #expect(lag <= T.bound, "round \(round): dropped \(lag) after the write returned")
            #expect(try await reader.send("get key") == "value v\(round) redis")
        }
        reader.stop()
        writer.stop()
    }

    /// Four processes read and write eight keys at random for 1.5 s each, logging every operation
    /// with CLOCK_MONOTONIC times. A read is stale beyond the bound when the value it returned had
    /// been replaced by a write that started after the value's write ended (so the server surely
    /// ordered it later) and returned more than the bound before the read started.
    @Test func randomReadsAndWritesInSeveralProcessesAreNeverStaleBeyondTheBound() async throws {
        let url = try T.serverURL()
        let prefix = T.uniquePrefix()
        let seed = UInt64.random(in: 1...UInt64.max / 2)
        var workers: [NearCacheWorkerProcess] = []
        for index in 0..<4 {
            // 10% writes: reads are mostly near hits, which is where staleness would show.
            workers.append(try await NearCacheWorkerProcess(
                url: url, prefix: prefix, ["random", "1.5", String(seed &+ UInt64(index)), "8", "10"]
            ))
        }
        var operations: [LoggedOperation] = []
        var nearHits = 0
        for worker in workers {
            let (lines, status) = try await worker.waitForExit()
            #expect(status == 0)
            for line in lines {
                let fields = line.split(separator: " ")
                if fields.first == "S", fields.count == 5 {
                    nearHits += Int(fields[1]) ?? 0
                } else if let operation = LoggedOperation(fields) {
                    operations.append(operation)
                }
            }
        }
        let reads = operations.filter { $0.kind == "R" }
        #expect(reads.count > 1_000, "the workers did little: \(reads.count) reads")
        #expect(nearHits > reads.count / 4, "the near level was hardly used: \(nearHits) hits in \(reads.count) reads")
        let violations = LoggedOperation.staleReads(in: operations, bound: UInt64(T.bound / .nanoseconds(1)))
        #expect(violations.isEmpty, "seed \(seed): \(violations.count) stale reads, first: \(violations.prefix(3))")
    }
}

/// One line of a `random` worker's log: `W|D|R <key> <value|-> <start-ns> <end-ns>`.
struct LoggedOperation: Sendable, CustomStringConvertible {
    var kind: Substring
    var key: Substring
    var value: Substring?
    var start: UInt64
    var end: UInt64

    init?(_ fields: [Substring]) {
        guard fields.count == 5, ["W", "D", "R"].contains(fields[0]),
              let start = UInt64(fields[3]), let end = UInt64(fields[4])
        else { return nil }
        kind = fields[0]
        key = fields[1]
        value = fields[2] == "-" ? nil : fields[2]
        self.start = start
        self.end = end
    }

    var description: String { "\(kind) \(key) \(value ?? "-") [\(start), \(end)]" }

    /// The reads that returned a value replaced more than `bound` nanoseconds before they started.
    ///
    /// For a read of value `v` (written by `W_v`), a *superseding* write is one to the same key
    /// that started after `W_v` ended (the server ordered it after `W_v`) and ended more than
    /// `bound` before the read started. A read of `v` with a superseding write is stale beyond the
    /// bound. A read that found nothing (`-`) may be explained by the key's initial absence or by
    /// any delete that started before the read ended; it is stale when every explanation has a
    /// superseding set (a later delete leaves the key absent). A value no write wrote to the key is
    /// always a violation.
    static func staleReads(in operations: [LoggedOperation], bound: UInt64) -> [String] {
        var writesByKey: [Substring: [LoggedOperation]] = [:]
        var writeOfValue: [Substring: LoggedOperation] = [:]
        for operation in operations where operation.kind != "R" {
            writesByKey[operation.key, default: []].append(operation)
            if let value = operation.value { writeOfValue[value] = operation }
        }
        func superseded(
            after explanationEnd: UInt64?, key: Substring, readStart: UInt64, setsOnly: Bool = false
        ) -> Bool {
            (writesByKey[key] ?? []).contains { write in
                (!setsOnly || write.kind == "W") && (explanationEnd.map { write.start > $0 } ?? true)
                    && write.end + bound < readStart
            }
        }
        var violations: [String] = []
        for read in operations where read.kind == "R" {
            if let value = read.value {
                guard let write = writeOfValue[value], write.key == read.key, write.start < read.end else {
                    violations.append("\(read): a value never written to this key")
                    continue
                }
                if superseded(after: write.end, key: read.key, readStart: read.start) {
                    violations.append("\(read): replaced after \(write)")
                }
            } else {
                let deletes = (writesByKey[read.key] ?? []).filter { $0.kind == "D" && $0.start < read.end }
                let explained = !superseded(after: nil, key: read.key, readStart: read.start, setsOnly: true)
                    || deletes.contains {
                        !superseded(after: $0.end, key: read.key, readStart: read.start, setsOnly: true)
                    }
                if !explained { violations.append("\(read): a miss, while the key had a value") }
            }
        }
        return violations
    }
}
