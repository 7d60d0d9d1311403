// NearCacheWorker: the child process of the near-cache tests (Tests/LocMemRedisTests/NearCache*Tests).
//
//     NearCacheWorker <redis-url> <key-prefix> serve
//     NearCacheWorker <redis-url> <key-prefix> random <seconds> <seed> <keys> <write-percent>
//
// Opens a `NearCache` on the server with the key prefix (nearTimeout 60 s, so that only
// invalidations can make a value leave the near level during a test; heartbeatTimeout 5 s, so that
// a loaded machine does not drop the connection), waits until its near level
// is active, and prints `ready <tracking-client-name>`.
//
// `serve` then answers one line per command read on standard input:
//
//     get KEY             -> value <VALUE|-> <near|redis>     (a String; `-` is a miss)
//     set KEY VALUE       -> ok <start-ns> <end-ns>           (CLOCK_MONOTONIC around the write)
//     del KEY             -> ok <start-ns> <end-ns>
//     near KEY            -> yes | no                          (is KEY in the near level now)
//     wait-gone KEY MS    -> waiting, then gone <ns> | still-near   (polls until KEY leaves the near level)
//     active              -> yes | no                          (is the near level active)
//     stats               -> stats <NearCacheStatistics>
//     quit                -> (exits 0)
//
// `random` runs a random workload for <seconds> on keys `k0`..`k<keys-1>` (reads, and
// <write-percent>% writes of which one in ten is a delete), printing every operation as it
// completes, with CLOCK_MONOTONIC nanoseconds (the same clock in every process on the machine):
//
//     W <key> <value> <start> <end>       a set of a value unique in the run (`<pid>-<n>`)
//     D <key> - <start> <end>             a delete
//     R <key> <value|-> <start> <end>     a read and what it returned
//     S <nearHits> <fills> <discardedFills> <invalidations>   once, at the end
//
// Exit codes: 0 done, 2 bad arguments, 4 a cache error (printed on stderr).

import Foundation
import LocMem
import LocMemRedis

#if canImport(Glibc)
import Glibc
#endif

/// Writes `line` to standard output at once.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("NearCacheWorker: \(message)\n".utf8))
    exit(code)
}

/// CLOCK_MONOTONIC in nanoseconds: comparable between processes on one machine.
func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

/// The worker: no top-level code, so nothing lives in globals that LeakSanitizer would see
/// outlive `main` in a sanitizer run.
@main
enum NearCacheWorker {
    static func main() async {
        let arguments = CommandLine.arguments
        guard arguments.count >= 4 else {
            fail("usage: NearCacheWorker <redis-url> <key-prefix> serve|random ...", code: 2)
        }

        let cache: NearCache
        do {
            cache = try await NearCache(
                url: arguments[1], configuration: CacheConfiguration(timeout: nil, keyPrefix: arguments[2]),
                nearOptions: NearCacheOptions(nearTimeout: 60, maxEntries: 10_000, heartbeatTimeout: 5)
            )
        } catch {
            fail("\(error)", code: 4)
        }
        let deadline = monotonicNanoseconds() + 10_000_000_000
        while !cache.isNearLevelActive {
            guard monotonicNanoseconds() < deadline else {
                fail("the near level did not become active in 10 s", code: 4)
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        say("ready \(cache.trackingClientName)")

        do {
            switch arguments[3] {
            case "serve":
                while let line = readLine() {
                    let words = line.split(separator: " ")
                    guard try await serve(words, on: cache) else { break }
                }
            case "random":
                guard arguments.count == 8, let seconds = Double(arguments[4]), let seed = UInt64(arguments[5]),
                      let keys = Int(arguments[6]), keys > 0, let writePercent = Int(arguments[7]),
                      (0...100).contains(writePercent)
                else {
                    fail("usage: NearCacheWorker <url> <prefix> random <seconds> <seed> <keys> <write%>", code: 2)
                }
                try await random(seconds: seconds, seed: seed, keys: keys, writePercent: writePercent, on: cache)
            default:
                fail("unknown mode '\(arguments[3])': serve or random", code: 2)
            }
        } catch {
            fail("\(error)", code: 4)
        }
        await cache.close()
    }

    /// One `serve` command, answered.
    static func serve(_ words: [Substring], on cache: NearCache) async throws -> Bool {
        switch (words.first, words.count) {
        case ("get", 2):
            let key = String(words[1])
            let near = cache.isNear(key)
            let value: String? = try await cache.get(key)
            say("value \(value ?? "-") \(near ? "near" : "redis")")
        case ("set", 3):
            let start = monotonicNanoseconds()
            try await cache.set(String(words[1]), String(words[2]), timeout: .never)
            say("ok \(start) \(monotonicNanoseconds())")
        case ("del", 2):
            let start = monotonicNanoseconds()
            try await cache.delete(String(words[1]))
            say("ok \(start) \(monotonicNanoseconds())")
        case ("near", 2):
            say(cache.isNear(String(words[1])) ? "yes" : "no")
        case ("wait-gone", 3):
            let key = String(words[1])
            let limit = monotonicNanoseconds() + (UInt64(words[2]) ?? 1000) * 1_000_000
            say("waiting")
            // Polled every 50 µs: precise enough for the bound, and leaves the CPU to the event loop.
            while cache.isNear(key), monotonicNanoseconds() < limit {
                usleep(50)
            }
            say(cache.isNear(key) ? "still-near" : "gone \(monotonicNanoseconds())")
        case ("active", 1):
            say(cache.isNearLevelActive ? "yes" : "no")
        case ("stats", 1):
            say("stats \(cache.statistics)")
        case ("quit", 1):
            return false
        default:
            say("error unknown command: \(words.joined(separator: " "))")
        }
        return true
    }

    /// The `random` workload.
    static func random(seconds: Double, seed: UInt64, keys: Int, writePercent: Int, on cache: NearCache) async throws {
        var generator = SplitMix64(seed: seed)
        let pid = getpid()
        let end = monotonicNanoseconds() + UInt64(seconds * 1e9)
        var sequence = 0
        var lines: [String] = []
        while monotonicNanoseconds() < end {
            let key = "k\(generator.next() % UInt64(keys))"
            let roll = Int(generator.next() % 1000)
            let start = monotonicNanoseconds()
            if roll < writePercent * 10 {
                if roll % 10 == 0 {
                    try await cache.delete(key)
                    lines.append("D \(key) - \(start) \(monotonicNanoseconds())")
                } else {
                    sequence += 1
                    let value = "\(pid)-\(sequence)"
                    try await cache.set(key, value, timeout: .never)
                    lines.append("W \(key) \(value) \(start) \(monotonicNanoseconds())")
                }
            } else {
                let value: String? = try await cache.get(key)
                lines.append("R \(key) \(value ?? "-") \(start) \(monotonicNanoseconds())")
            }
            // A short pause now and then, so reads are spread over time rather than bunched.
            if generator.next() % 8 == 0 { usleep(UInt32(generator.next() % 300)) }
            if lines.count >= 512 {
                say(lines.joined(separator: "\n"))
                lines.removeAll(keepingCapacity: true)
            }
        }
        if !lines.isEmpty { say(lines.joined(separator: "\n")) }
        let statistics = cache.statistics
        say("S \(statistics.nearHits) \(statistics.fills) \(statistics.discardedFills) \(statistics.invalidations)")
    }
}

/// A small, seeded generator, so a failing run can be replayed.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
