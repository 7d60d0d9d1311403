/// The measured latency and throughput of one case: one operation, one implementation, one
/// thread count.
///
/// The Django script (`Benchmarks/django_bench.py --json`) prints results in this shape too, so
/// its rows join the Swift ones in one report.
public struct BenchmarkResult: Sendable, Hashable, Codable, Identifiable {
    /// Which table section the case belongs to.
    public enum Group: String, Sendable, Hashable, Codable, CaseIterable {
        /// Repository reads, cached and uncached (and Python's `sqlite3` on the same SQL).
        case repository
        /// Cache operations, of LocMem and its peers.
        case cache
    }

    public var group: Group
    /// What is done: `get hit`, `book(id:)`, ...
    public var operation: String
    /// Who does it: `LocMem`, `NSCache`, `SQLite (uncached)`, `Django 5.2.19 LocMemCache`, ...
    public var implementation: String
    /// Threads running the operation at once.
    public var threads: Int
    /// Operations per timed sample.
    public var batchSize: Int
    /// Nanoseconds per operation, over all threads' samples.
    public var latency: LatencyStatistics
    /// Operations per second of all threads together (total operations over the wall time).
    public var operationsPerSecond: Double
    /// Operations timed, all threads together.
    public var operations: Int
    /// The CPU time the measuring threads got over the wall time they ran, per thread: 1 when
    /// each had a core to itself all along; less when other work on the machine took turns
    /// (then ``operationsPerSecond`` is low, while the median of batches is barely affected).
    /// `nil` when not measured (the Django script).
    public var cpuShare: Double?

    /// `group/operation/implementation/threads`, unique within a report.
    public var id: String {
        Self.id(group, operation, implementation, threads: threads)
    }

    public static func id(_ group: Group, _ operation: String, _ implementation: String, threads: Int = 1) -> String {
        "\(group.rawValue)/\(operation)/\(implementation)/\(threads)"
    }

    public init(
        group: Group, operation: String, implementation: String, threads: Int, batchSize: Int,
        latency: LatencyStatistics, operationsPerSecond: Double, operations: Int, cpuShare: Double? = nil
    ) {
        self.group = group
        self.operation = operation
        self.implementation = implementation
        self.threads = threads
        self.batchSize = batchSize
        self.latency = latency
        self.operationsPerSecond = operationsPerSecond
        self.operations = operations
        self.cpuShare = cpuShare
    }
}

/// Names of the implementations compared, as they appear in the report.
public enum Implementation {
    public static let locMem = "LocMem"
    public static let nsCache = "NSCache"
    public static let mutexDictionary = "Mutex<[String: V]>"
    public static let locMemCached = "LocMem (cached)"
    public static let sqliteUncached = "SQLite (uncached)"
}

/// A value of the size the cache benchmarks store: a small struct (16 bytes), as an application
/// would cache a decoded row's few fields.
struct SmallValue: Sendable, Hashable {
    var id: Int
    var score: Double
}
