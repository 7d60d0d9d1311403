/// What one round of one case recorded: a ``Measurement`` per thread.
struct MeasuredCase {
    let group: BenchmarkResult.Group
    let operation: String
    let implementation: String
    let measurements: [Measurement]

    var id: String {
        BenchmarkResult.id(group, operation, implementation, threads: measurements.count)
    }
}

/// A set of timed cases that can be measured round after round.
///
/// The runner calls every suite's ``measureRound()`` in turn, ``BenchmarkOptions/rounds`` times,
/// and merges each case's rounds into one ``BenchmarkResult``. So the cases alternate in time, and
/// a burst of other work on the machine lands on several cases rather than ruining one.
protocol RoundedSuite {
    func measureRound() throws -> [MeasuredCase]
}

extension BenchmarkResult {
    /// Merges a case's rounds: latency over all samples of all rounds and threads, throughput as
    /// all operations over the sum of each round's wall time (first thread's start to last
    /// thread's end), CPU share likewise.
    init(merging rounds: [MeasuredCase]) {
        precondition(!rounds.isEmpty, "a case with no rounds")
        let first = rounds[0]
        let threads = first.measurements.count
        var wall: UInt64 = 0, cpu: UInt64 = 0, operations = 0, checksum = 0
        var samples: [Double] = []
        for round in rounds {
            let start = round.measurements.map(\.start).min() ?? 0
            let end = round.measurements.map(\.end).max() ?? 0
            wall &+= end &- start
            for measurement in round.measurements {
                cpu &+= measurement.cpuTime
                operations += measurement.operations
                checksum &+= measurement.checksum
                samples += measurement.samples
            }
        }
        blackHole(checksum)
        let seconds = Double(wall) / 1e9
        self.init(
            group: first.group, operation: first.operation, implementation: first.implementation, threads: threads,
            batchSize: rounds.flatMap { $0.measurements.map(\.batchSize) }.max() ?? 0,
            latency: LatencyStatistics(samples: samples),
            operationsPerSecond: seconds > 0 ? Double(operations) / seconds : 0,
            operations: operations,
            cpuShare: seconds > 0 && threads > 0 ? Double(cpu) / 1e9 / (seconds * Double(threads)) : nil
        )
    }
}
