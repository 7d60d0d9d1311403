/// Per-operation latency of one benchmark case, summarized from its recorded samples.
///
/// A sample is one timed batch of operations divided by the batch's size, so every value here is
/// nanoseconds per operation. Percentiles are taken over the samples (batch means), which hides
/// the tail of single operations inside a batch; the report's footnote says so.
///
/// ```swift
/// let statistics = LatencyStatistics(samples: [120, 118, 131, 119])
/// statistics.median   // 119.5
/// ```
public struct LatencyStatistics: Sendable, Hashable, Codable {
    /// How many samples were recorded.
    public var samples: Int
    /// The 50th percentile, in nanoseconds per operation.
    public var median: Double
    /// The 99th percentile, in nanoseconds per operation.
    public var p99: Double
    /// The arithmetic mean, in nanoseconds per operation.
    public var mean: Double
    /// The fastest sample, in nanoseconds per operation.
    public var min: Double
    /// The slowest sample, in nanoseconds per operation.
    public var max: Double

    /// Summarizes `samples` (nanoseconds per operation, in any order).
    ///
    /// An empty list gives all zeros and `samples == 0`.
    ///
    /// - Complexity: O(*n* log *n*) for *n* samples (one sort).
    public init(samples: [Double]) {
        let sorted = samples.sorted()
        self.samples = sorted.count
        median = Self.percentile(50, ofSorted: sorted)
        p99 = Self.percentile(99, ofSorted: sorted)
        mean = sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count)
        min = sorted.first ?? 0
        max = sorted.last ?? 0
    }

    /// Creates statistics from already computed values (for reports read back from JSON or from
    /// the Django script).
    public init(samples: Int, median: Double, p99: Double, mean: Double, min: Double, max: Double) {
        self.samples = samples
        self.median = median
        self.p99 = p99
        self.mean = mean
        self.min = min
        self.max = max
    }

    /// The `percentile`-th percentile of ascending `sorted` values, by linear interpolation
    /// between the closest ranks (NumPy's default, "type 7"): rank `p/100 * (n - 1)`.
    ///
    /// `Benchmarks/django_bench.py` computes percentiles the same way, so the two sides agree.
    ///
    /// - Parameters:
    ///   - percentile: From 0 (the minimum) to 100 (the maximum); clamped to that range.
    ///   - sorted: Values in ascending order.
    /// - Returns: The interpolated value, or 0 for an empty list.
    /// - Complexity: O(1).
    public static func percentile(_ percentile: Double, ofSorted sorted: [Double]) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let fraction = Swift.min(Swift.max(percentile, 0), 100) / 100
        let rank = fraction * Double(sorted.count - 1)
        let lower = Int(rank.rounded(.down))
        let upper = Swift.min(lower + 1, sorted.count - 1)
        let weight = rank - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * weight
    }
}
