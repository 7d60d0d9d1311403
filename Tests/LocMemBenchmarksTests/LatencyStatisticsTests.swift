import Testing

@testable import LocMemBenchmarks

@Suite struct LatencyStatisticsTests {
    @Test func medianOfAnEvenCountInterpolatesBetweenTheMiddleValues() {
        #expect(LatencyStatistics(samples: [4, 1, 3, 2]).median == 2.5)
    }

    @Test func percentilesInterpolateLinearlyBetweenClosestRanksAsNumPyDoes() {
        let sorted = (1...100).map(Double.init)
        // numpy.percentile(range(1, 101), 99) == 99.01
        #expect(abs(LatencyStatistics.percentile(99, ofSorted: sorted) - 99.01) < 1e-9)
        #expect(LatencyStatistics.percentile(50, ofSorted: sorted) == 50.5)
        #expect(LatencyStatistics.percentile(0, ofSorted: sorted) == 1)
        #expect(LatencyStatistics.percentile(100, ofSorted: sorted) == 100)
    }

    @Test func percentilesOutsideZeroToHundredAreClamped() {
        #expect(LatencyStatistics.percentile(-5, ofSorted: [1, 2, 3]) == 1)
        #expect(LatencyStatistics.percentile(150, ofSorted: [1, 2, 3]) == 3)
    }

    @Test func summaryDoesNotDependOnTheOrderOfSamples() {
        let samples: [Double] = [130, 101, 99, 250, 100, 102, 98, 97, 1_000, 103]
        #expect(LatencyStatistics(samples: samples) == LatencyStatistics(samples: samples.reversed()))
        let statistics = LatencyStatistics(samples: samples)
        #expect(statistics.samples == 10)
        #expect(statistics.min == 97)
        #expect(statistics.max == 1_000)
        #expect(statistics.mean == 208)
        #expect(statistics.median == 101.5)
        #expect(statistics.p99 > 900 && statistics.p99 < 1_000)
    }

    @Test func oneSampleIsEveryPercentile() {
        let statistics = LatencyStatistics(samples: [42])
        #expect(statistics.median == 42)
        #expect(statistics.p99 == 42)
    }

    @Test func noSamplesGiveZeros() {
        let statistics = LatencyStatistics(samples: [])
        #expect(statistics.samples == 0)
        #expect(statistics.median == 0)
        #expect(statistics.p99 == 0)
        #expect(statistics.mean == 0)
    }
}
