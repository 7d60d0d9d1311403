import Testing

@testable import LocMemBenchmarks

/// The quick run produces every case (so `locmem bench --quick` in CI covers them all); nothing
/// here looks at how fast anything was. Serialized: the runs share the benchmark's cache locations.
@Suite(.serialized) struct QuickRunTests {
    static func tinyOptions() -> BenchmarkOptions {
        var options = BenchmarkOptions.quick
        options.warmUpSeconds = 0.001
        options.sampleSeconds = 0.002
        options.minimumSamples = 3
        options.memoryEntryCounts = [1_000]
        options.singleFlightReaders = 3
        options.singleFlightRounds = 1
        return options
    }

    @Test func quickRunProducesEveryCase() throws {
        let options = Self.tinyOptions()
        let report = try BenchmarkRunner(options: options).run()
        let ids = Set(report.results.map(\.id))
        var expected: [String] = []
        for read in RepositoryBenchmarks.reads {
            expected.append(BenchmarkResult.id(.repository, read, Implementation.sqliteUncached))
            expected.append(BenchmarkResult.id(.repository, read, Implementation.locMemCached))
        }
        expected += QueryCacheBenchmarks.caseNames
        for threads in options.threadCounts {
            for operation in ["get hit", "get miss", "set"] {
                for implementation in [Implementation.locMem, Implementation.nsCache, Implementation.mutexDictionary] {
                    expected.append(BenchmarkResult.id(.cache, operation, implementation, threads: threads))
                }
            }
            expected.append(BenchmarkResult.id(.cache, "getOrSet hit", Implementation.locMem, threads: threads))
            expected.append(BenchmarkResult.id(.cache, "incr", Implementation.locMem, threads: threads))
            let larger = ["get hit, 10k shuffled", "get miss, 10k shuffled", "set, 10k shuffled", "get hit, one hot key"]
            for operation in larger {
                for implementation in [Implementation.locMem, Implementation.mutexDictionary] {
                    expected.append(BenchmarkResult.id(.cache, operation, implementation, threads: threads))
                }
            }
        }
        for id in expected {
            #expect(ids.contains(id), "\(id)")
        }
        #expect(ids.count == expected.count)
        for result in report.results {
            #expect(result.latency.samples >= options.minimumSamples, "\(result.id)")
            #expect(result.operations > 0, "\(result.id)")
            #expect(result.batchSize >= 1 && result.batchSize <= options.maximumBatchSize, "\(result.id)")
        }
        #expect(Set(report.memory.map(\.implementation)) == [Implementation.locMem, Implementation.mutexDictionary])
        #expect(report.singleFlight.map(\.read) == [RepositoryBenchmarks.topRated, "book(id:)"])
        for flight in report.singleFlight {
            #expect(flight.cachedQueries == [1], "\(flight.read)")
            #expect(flight.uncachedQueries == [3], "\(flight.read)")
            #expect(flight.consistent)
        }
        #expect(report.goals.count == 14)
        #expect(report.goals.contains { $0.summary.hasPrefix("CachedDatabase book(id:), file: a hit at most 2x") })
        #expect(!report.table().isEmpty)
    }

    @Test func theFilterRunsOnlyMatchingCases() throws {
        var options = Self.tinyOptions()
        options.filter = "cache/GET HIT/locmem"
        let report = try BenchmarkRunner(options: options).run()
        #expect(Set(report.results.map(\.id)) == Set(options.threadCounts.map {
            BenchmarkResult.id(.cache, "get hit", Implementation.locMem, threads: $0)
        }))
        #expect(report.memory.isEmpty)
        #expect(report.singleFlight.isEmpty)
    }

    @Test func threadGroupReturnsResultsInIndexOrder() {
        #expect(ThreadGroup.run(count: 5) { $0 * 10 } == [0, 10, 20, 30, 40])
    }

    @Test func samplerRespectsTheSampleAndBatchBounds() {
        var options = Self.tinyOptions()
        options.maximumBatchSize = 64
        let measurement = Sampler(options: options).measure { operations in
            var sum = 0
            for index in 0..<operations { sum &+= index }
            return sum
        }
        #expect(measurement.samples.count >= options.minimumSamples)
        #expect(measurement.batchSize <= 64)
        #expect(measurement.operations == measurement.samples.count * measurement.batchSize)
    }
}
