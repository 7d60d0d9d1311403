#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The time source of every measurement: `CLOCK_MONOTONIC` in nanoseconds (a vDSO call on Linux).
enum BenchmarkClock {
    /// Nanoseconds since an arbitrary fixed point.
    @inline(__always)
    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }

    /// CPU time the calling thread has used, in nanoseconds (`CLOCK_THREAD_CPUTIME_ID`).
    static func threadCPUTime() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }

    /// The cost of one reading of the clock, in nanoseconds: the median, over 200 batches, of
    /// 1,000 back-to-back readings per batch.
    ///
    /// Reported in the footnote: with batches of hundreds of operations per reading it is a small
    /// fraction of a sample and is not subtracted.
    static func readingOverhead() -> Double {
        var samples: [Double] = []
        samples.reserveCapacity(200)
        var sink: UInt64 = 0
        for _ in 0..<200 {
            let start = now()
            for _ in 0..<1_000 { sink &+= now() }
            samples.append(Double(now() - start) / 1_000)
        }
        blackHole(sink)
        return LatencyStatistics(samples: samples).median
    }
}

/// Keeps `value` alive as far as the optimizer can tell, so the work that produced it is not
/// removed.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
