/// A batch of work: runs the measured operation `operations` times and returns a checksum of the
/// results, which the caller accumulates so that the optimizer cannot drop the work.
typealias BatchBody = (_ operations: Int) -> Int

/// What one thread recorded for one case.
struct Measurement: Sendable {
    /// Nanoseconds per operation of each timed batch.
    var samples: [Double]
    var operations: Int
    var batchSize: Int
    /// Clock readings at the start of the first sample and the end of the last.
    var start: UInt64
    var end: UInt64
    /// CPU time the thread used while sampling: less than `end - start` when the thread had to
    /// wait for a core (other work on the machine).
    var cpuTime: UInt64
    var checksum: Int
}

/// Times batches of an operation: warm-up with batch-size calibration, then samples.
///
/// A single cache read lasts about 100 ns, and reading the clock about 20–30 ns, so operations
/// are timed in batches: the batch grows (doubling from 1) during the warm-up until one batch
/// takes ``BenchmarkOptions/targetBatchNanoseconds`` or reaches the maximum size. Each sample is
/// one batch's time divided by its size. Consecutive samples share a clock reading, so there is
/// one reading per batch.
struct Sampler {
    let options: BenchmarkOptions

    /// Measures `body` on the calling thread.
    func measure(_ body: BatchBody) -> Measurement {
        var checksum = 0
        let batchSize = warmUp(body, checksum: &checksum)
        return sample(body, batchSize: batchSize, checksum: checksum, until: nil)
    }

    /// Runs `body` for the warm-up time and returns the calibrated batch size.
    func warmUp(_ body: BatchBody, checksum: inout Int) -> Int {
        var batchSize = 1
        let end = BenchmarkClock.now() &+ UInt64(options.warmUpSeconds * 1e9)
        var now: UInt64
        repeat {
            let start = BenchmarkClock.now()
            checksum &+= body(batchSize)
            now = BenchmarkClock.now()
            if now &- start < options.targetBatchNanoseconds, batchSize < options.maximumBatchSize {
                batchSize = Swift.min(batchSize * 2, options.maximumBatchSize)
            }
        } while now < end
        return batchSize
    }

    /// Takes samples of `batchSize` operations until the sample time is over, or until `deadline`
    /// when one is given (concurrent runs, where the threads stop together); in both cases at
    /// least the minimum number of samples.
    func sample(_ body: BatchBody, batchSize: Int, checksum: Int, until deadline: UInt64?) -> Measurement {
        var checksum = checksum
        var samples: [Double] = []
        samples.reserveCapacity(Swift.min(options.maximumSamples, 4_096))
        let duration = UInt64(options.sampleSeconds * 1e9)
        let cpuStart = BenchmarkClock.threadCPUTime()
        let start = BenchmarkClock.now()
        var last = start
        while samples.count < options.maximumSamples {
            checksum &+= body(batchSize)
            let now = BenchmarkClock.now()
            samples.append(Double(now &- last) / Double(batchSize))
            last = now
            // Never fewer than the minimum: a thread the scheduler starved until the deadline
            // takes its samples late rather than reporting a single one.
            guard samples.count >= options.minimumSamples else { continue }
            if let deadline {
                if now >= deadline { break }
            } else if now &- start >= duration {
                break
            }
        }
        let cpuTime = BenchmarkClock.threadCPUTime() &- cpuStart
        return Measurement(
            samples: samples, operations: samples.count * batchSize, batchSize: batchSize,
            start: start, end: last, cpuTime: cpuTime, checksum: checksum
        )
    }

    /// Measures `threads` threads running at once, each with the body `makeBody(threadIndex)`
    /// builds on its own thread. Threads warm up together, then sample together until a common
    /// deadline.
    func measureConcurrently(threads: Int, _ makeBody: @escaping @Sendable (Int) -> BatchBody) -> [Measurement] {
        let warmedUp = StartBarrier(parties: threads)
        let started = StartBarrier(parties: threads)
        let options = options
        return ThreadGroup.run(count: threads) { index in
            let sampler = Sampler(options: options)
            let body = makeBody(index)
            var checksum = 0
            warmedUp.arriveAndWait()
            let batchSize = sampler.warmUp(body, checksum: &checksum)
            started.arriveAndWait()
            let deadline = BenchmarkClock.now() &+ UInt64(options.sampleSeconds * 1e9)
            return sampler.sample(body, batchSize: batchSize, checksum: checksum, until: deadline)
        }
    }
}
