import Foundation
import LocMem
import Testing

/// Random operation sequences run against `LocMemCache` and against a deliberately simple reference model,
/// compared after every step: return values, thrown errors, entry count, hit/miss/cull counters, and
/// (every few steps) which keys are present, which shows the cull victims.
///
/// Every sequence has its own seed, printed on failure. To replay one:
/// `LOCMEM_MODEL_SEED=<seed> swift test --filter LocMemCacheModelTests`.
@Suite struct LocMemCacheModelTests {
    static let baseSeed: UInt64 = 0x10C_3E3_CAC4E
    static let batches = 8
    static let sequencesPerBatch = 60
    static let stepsPerSequence = 80

    @Test(arguments: 0..<batches)
    func cacheBehavesLikeTheReferenceModel(batch: Int) throws {
        let seeds: [UInt64]
        if let text = ProcessInfo.processInfo.environment["LOCMEM_MODEL_SEED"] {
            // Replay one sequence, once.
            guard batch == 0 else { return }
            let seed = try #require(UInt64(text.hasPrefix("0x") ? String(text.dropFirst(2)) : text, radix: 16),
                                    "LOCMEM_MODEL_SEED must be hexadecimal")
            seeds = [seed]
        } else {
            seeds = (0..<Self.sequencesPerBatch).map {
                Self.baseSeed &+ UInt64(batch * Self.sequencesPerBatch + $0) &* 0x9E37_79B9
            }
        }
        for seed in seeds {
            var run = try ModelRun(seed: seed)
            if let failure = run.run(steps: Self.stepsPerSequence) {
                Issue.record(Comment(rawValue: failure))
                return
            }
        }
    }
}

// MARK: - Random numbers

/// SplitMix64 (Steele, Lea and Flood): tiny, seedable, and the same on every platform.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func chance(_ probability: Double) -> Bool {
        Double.random(in: 0..<1, using: &self) < probability
    }

    mutating func pick<T>(_ choices: [T]) -> T {
        choices[Int.random(in: 0..<choices.count, using: &self)]
    }
}

// MARK: - Operations

/// What a cache call returned, in a form both the model and the cache produce.
enum Outcome: Equatable {
    case nothing
    case bool(Bool)
    case int(Int?)
    case text(String?)
    case ints([String: Int])
    case failed(CacheErrorCase)
    case loaderFailed
}

enum Operation: CustomStringConvertible {
    case set(String, Int, CacheTimeout, version: Int?)
    case add(String, Int, CacheTimeout, version: Int?)
    case get(String, version: Int?)
    case touch(String, CacheTimeout, version: Int?)
    case delete(String, version: Int?)
    case hasKey(String, version: Int?)
    case incr(String, by: Int, version: Int?)
    case decr(String, by: Int, version: Int?)
    case getMany([String], version: Int?)
    case setMany([String: Int], CacheTimeout, version: Int?)
    case deleteMany([String], version: Int?)
    case getOrSet(String, Int, CacheTimeout, version: Int?, loaderFails: Bool)
    case incrVersion(String, by: Int, version: Int?)
    case clear
    case advance(Double)

    var description: String {
        switch self {
        case let .set(key, value, timeout, version):
            "set(\(key), \(value), timeout: \(timeout), version: \(version.map(String.init) ?? "nil"))"
        case let .add(key, value, timeout, version):
            "add(\(key), \(value), timeout: \(timeout), version: \(version.map(String.init) ?? "nil"))"
        case let .get(key, version): "get(\(key), version: \(version.map(String.init) ?? "nil"))"
        case let .touch(key, timeout, version):
            "touch(\(key), timeout: \(timeout), version: \(version.map(String.init) ?? "nil"))"
        case let .delete(key, version): "delete(\(key), version: \(version.map(String.init) ?? "nil"))"
        case let .hasKey(key, version): "hasKey(\(key), version: \(version.map(String.init) ?? "nil"))"
        case let .incr(key, delta, version):
            "incr(\(key), by: \(delta), version: \(version.map(String.init) ?? "nil"))"
        case let .decr(key, delta, version):
            "decr(\(key), by: \(delta), version: \(version.map(String.init) ?? "nil"))"
        case let .getMany(keys, version): "getMany(\(keys), version: \(version.map(String.init) ?? "nil"))"
        case let .setMany(values, timeout, version):
            "setMany(\(Array(values)), timeout: \(timeout), version: \(version.map(String.init) ?? "nil"))"
        case let .deleteMany(keys, version): "deleteMany(\(keys), version: \(version.map(String.init) ?? "nil"))"
        case let .getOrSet(key, value, timeout, version, fails):
            "getOrSet(\(key), \(fails ? "throws" : String(value)), timeout: \(timeout), "
                + "version: \(version.map(String.init) ?? "nil"))"
        case let .incrVersion(key, delta, version):
            "incrVersion(\(key), by: \(delta), version: \(version.map(String.init) ?? "nil"))"
        case .clear: "clear()"
        case let .advance(seconds): "clock.advance(by: \(seconds))"
        }
    }
}

/// Key "t" always holds text, so its type is known from its name; the others always hold integers.
let integerKeys = ["a", "b", "c", "d", "e"]
let textKey = "t"
let modelVersions = [1, 2, 3]

struct LoaderFailure: Error {}

// MARK: - Reference model

/// The cache's documented behaviour, as plainly as possible: an array in recency order and linear scans.
struct ReferenceCache {
    enum Value: Equatable {
        case int(Int)
        case text(String)
    }

    struct Entry {
        var key: String
        var version: Int
        var value: Value
        var deadline: Double?
    }

    let maxEntries: Int
    let cullFrequency: Int
    let defaultTimeout: Double?
    /// Least recently used first.
    var entries: [Entry] = []
    var now = 0.0
    var hits = 0
    var misses = 0
    var culled = 0

    func index(_ key: String, _ version: Int?) -> Int? {
        let version = version ?? 1
        return entries.firstIndex { $0.key == key && $0.version == version }
    }

    /// The index of the key's entry if it is live; an expired entry is removed.
    mutating func liveIndex(_ key: String, _ version: Int?) -> Int? {
        guard let index = index(key, version) else { return nil }
        if let deadline = entries[index].deadline, deadline <= now {
            entries.remove(at: index)
            return nil
        }
        return index
    }

    /// Moves the entry to the most recently used end; returns its new index.
    mutating func promote(_ index: Int) -> Int {
        entries.append(entries.remove(at: index))
        return entries.count - 1
    }

    /// The deadline for `timeout`: `.none` when the value is not kept, `.some(nil)` when it never expires.
    func deadline(for timeout: CacheTimeout) -> Double?? {
        let seconds: Double
        switch timeout {
        case .never:
            return .some(nil)
        case .default:
            guard let configured = defaultTimeout else { return .some(nil) }
            seconds = configured
        case .seconds(let value):
            seconds = value
        }
        if seconds.isNaN || seconds <= 0 { return .none }
        if seconds == .infinity { return .some(nil) }
        return .some(now + seconds)
    }

    /// Overwrites the key's entry in place or inserts it, culling first when the store is full.
    mutating func store(_ key: String, _ version: Int?, _ value: Value, deadline: Double?) {
        let entry = Entry(key: key, version: version ?? 1, value: value, deadline: deadline)
        if let index = index(key, version) {
            entries.remove(at: index)
        } else if entries.count >= maxEntries {
            let victims = cullFrequency == 0 ? entries.count : max(1, entries.count / cullFrequency)
            culled += victims
            entries.removeFirst(victims)
        }
        entries.append(entry)
    }

    mutating func remove(_ key: String, _ version: Int?) {
        if let index = index(key, version) {
            entries.remove(at: index)
        }
    }

    mutating func read(_ key: String, _ version: Int?) -> Value? {
        guard let index = liveIndex(key, version) else {
            misses += 1
            return nil
        }
        hits += 1
        return entries[promote(index)].value
    }

    static func value(_ key: String, _ number: Int) -> Value {
        key == textKey ? .text("text\(number)") : .int(number)
    }

    static func outcome(_ key: String, _ value: Value?) -> Outcome {
        switch value {
        case .int(let number): .int(number)
        case .text(let text): .text(text)
        case nil: key == textKey ? .text(nil) : .int(nil)
        }
    }

    mutating func incr(_ key: String, _ version: Int?, _ change: (Int) -> (Int, Bool)) -> Outcome {
        guard let index = liveIndex(key, version) else { return .failed(.keyNotFound) }
        guard case .int(let number) = entries[index].value else { return .failed(.notAnInteger) }
        let (result, overflow) = change(number)
        if overflow { return .failed(.overflow) }
        entries[index].value = .int(result)
        _ = promote(index)
        return .int(result)
    }

    mutating func apply(_ operation: Operation) -> Outcome {
        switch operation {
        case let .set(key, number, timeout, version):
            if case .some(let deadline) = deadline(for: timeout) {
                store(key, version, Self.value(key, number), deadline: deadline)
            } else {
                remove(key, version)
            }
            return .nothing
        case let .add(key, number, timeout, version):
            if liveIndex(key, version) != nil { return .bool(false) }
            if case .some(let deadline) = deadline(for: timeout) {
                store(key, version, Self.value(key, number), deadline: deadline)
            }
            return .bool(true)
        case let .get(key, version):
            return Self.outcome(key, read(key, version))
        case let .touch(key, timeout, version):
            guard let index = liveIndex(key, version) else { return .bool(false) }
            if case .some(let deadline) = deadline(for: timeout) {
                entries[index].deadline = deadline
            } else {
                entries.remove(at: index)
            }
            return .bool(true)
        case let .delete(key, version):
            guard let index = liveIndex(key, version) else { return .bool(false) }
            entries.remove(at: index)
            return .bool(true)
        case let .hasKey(key, version):
            return .bool(liveIndex(key, version) != nil)
        case let .incr(key, delta, version):
            return incr(key, version) { $0.addingReportingOverflow(delta) }
        case let .decr(key, delta, version):
            return incr(key, version) { $0.subtractingReportingOverflow(delta) }
        case let .getMany(keys, version):
            var found: [String: Int] = [:]
            for key in keys {
                if case .int(let number) = read(key, version) {
                    found[key] = number
                }
            }
            return .ints(found)
        case let .setMany(values, timeout, version):
            for (key, number) in values {
                _ = apply(.set(key, number, timeout, version: version))
            }
            return .ints([:])
        case let .deleteMany(keys, version):
            for key in keys {
                _ = apply(.delete(key, version: version))
            }
            return .nothing
        case let .getOrSet(key, number, timeout, version, loaderFails):
            if let value = read(key, version) {
                return Self.outcome(key, value)
            }
            if loaderFails { return .loaderFailed }
            let value = Self.value(key, number)
            if case .some(let deadline) = deadline(for: timeout) {
                store(key, version, value, deadline: deadline)
            }
            return Self.outcome(key, value)
        case let .incrVersion(key, delta, version):
            let from = version ?? 1
            guard let index = liveIndex(key, from) else { return .failed(.keyNotFound) }
            if delta == 0 { return .int(from) }
            // The old entry goes first, so the move never culls to make room for itself.
            let entry = entries[index]
            remove(key, from)
            store(key, from + delta, entry.value, deadline: entry.deadline)
            return .int(from + delta)
        case .clear:
            entries.removeAll()
            return .nothing
        case let .advance(seconds):
            now += seconds
            return .nothing
        }
    }
}

// MARK: - One run

/// One random sequence: a fresh cache on a fresh location, its model, and the steps between them.
struct ModelRun {
    let seed: UInt64
    var random: SplitMix64
    var model: ReferenceCache
    let cache: LocMemCache
    let clock = ManualClock()
    var history: [String] = []

    init(seed: UInt64) throws {
        self.seed = seed
        random = SplitMix64(seed: seed)
        let maxEntries = Int.random(in: 1...8, using: &random)
        let cullFrequency = Int.random(in: 0...4, using: &random)
        let timeout = random.pick([nil, 300, 3, 3, 0.5, 0] as [Double?])
        model = ReferenceCache(maxEntries: maxEntries, cullFrequency: cullFrequency, defaultTimeout: timeout)
        cache = try LocMemCache(
            location: uniqueLocation("LocMemCacheModelTests.\(String(seed, radix: 16))"),
            configuration: CacheConfiguration(timeout: timeout, maxEntries: maxEntries, cullFrequency: cullFrequency),
            clock: clock
        )
        history.append(
            "LocMemCache(maxEntries: \(maxEntries), cullFrequency: \(cullFrequency), timeout: "
                + "\(timeout.map { String($0) } ?? "nil"))"
        )
    }

    /// Runs the sequence; returns a description of the first disagreement, or nil.
    mutating func run(steps: Int) -> String? {
        for step in 0..<steps {
            let operation = randomOperation()
            history.append(operation.description)
            let expected = model.apply(operation)
            let actual = perform(operation)
            if expected != actual {
                return failure(step, "returned \(actual), the model expected \(expected)")
            }
            if let mismatch = compareState(sweep: random.chance(0.3)) {
                return failure(step, mismatch)
            }
        }
        return compareState(sweep: true).map { failure(steps, $0) }
    }

    func failure(_ step: Int, _ what: String) -> String {
        """
        Model mismatch, seed 0x\(String(seed, radix: 16)) at step \(step): \(what).
        Replay with LOCMEM_MODEL_SEED=\(String(seed, radix: 16)) swift test --filter LocMemCacheModelTests
        Model entries (least recently used first, now = \(model.now)): \(model.entries.map {
            "\($0.version):\($0.key)=\($0.value) until \($0.deadline.map { String($0) } ?? "never")"
        })
        Sequence:
          \(history.joined(separator: "\n  "))
        """
    }

    /// Compares the entry count and the counters; with `sweep`, also asks `hasKey` (which does not reorder)
    /// for every key the model or the key space knows, and applies the same to the model.
    mutating func compareState(sweep: Bool) -> String? {
        if cache.count != model.entries.count {
            return "count is \(cache.count), the model has \(model.entries.count)"
        }
        let statistics = cache.statistics
        let expected = Counts(hits: model.hits, misses: model.misses, culled: model.culled)
        let actual = Counts(hits: statistics.hits, misses: statistics.misses, culled: statistics.culled)
        if actual != expected {
            return "statistics are \(actual), the model expected \(expected)"
        }
        guard sweep else { return nil }
        var keys = (integerKeys + [textKey]).flatMap { key in modelVersions.map { (key, $0) } }
        for entry in model.entries where !modelVersions.contains(entry.version) {
            keys.append((entry.key, entry.version))
        }
        for (key, version) in keys {
            let inCache = cache.hasKey(key, version: version)
            let inModel = model.liveIndex(key, version) != nil
            if inCache != inModel {
                return "hasKey(\(key), version: \(version)) is \(inCache), the model says \(inModel)"
            }
        }
        if cache.count != model.entries.count {
            return "after the hasKey sweep count is \(cache.count), the model has \(model.entries.count)"
        }
        return nil
    }

    // MARK: Generating

    mutating func randomKey() -> String {
        random.chance(0.15) ? textKey : random.pick(integerKeys)
    }

    mutating func randomVersion() -> Int? {
        random.chance(0.6) ? nil : random.pick(modelVersions)
    }

    mutating func randomTimeout() -> CacheTimeout {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<30: .default
        case 30..<45: .never
        case 45..<85: .seconds(random.pick([0.5, 1, 2, 2.5, 4, 10]))
        case 85..<95: .seconds(random.pick([0, -1]))
        default: .seconds(random.pick([.nan, .infinity]))
        }
    }

    mutating func randomNumber() -> Int {
        random.chance(0.1)
            ? random.pick([Int.max, Int.max - 1, Int.min, Int.min + 1])
            : Int.random(in: -5...5, using: &random)
    }

    mutating func randomDelta() -> Int {
        random.chance(0.1) ? random.pick([Int.max, Int.max / 2, -Int.max]) : Int.random(in: -3...3, using: &random)
    }

    mutating func randomIntegerKeys() -> [String] {
        Array(integerKeys.shuffled(using: &random).prefix(Int.random(in: 0...4, using: &random)))
    }

    mutating func randomOperation() -> Operation {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<16: .set(randomKey(), randomNumber(), randomTimeout(), version: randomVersion())
        case 16..<24: .add(randomKey(), randomNumber(), randomTimeout(), version: randomVersion())
        case 24..<38: .get(randomKey(), version: randomVersion())
        case 38..<43: .touch(randomKey(), randomTimeout(), version: randomVersion())
        case 43..<48: .delete(randomKey(), version: randomVersion())
        case 48..<53: .hasKey(randomKey(), version: randomVersion())
        case 53..<59: .incr(randomKey(), by: randomDelta(), version: randomVersion())
        case 59..<62: .decr(randomKey(), by: randomDelta(), version: randomVersion())
        case 62..<67: .getMany(randomIntegerKeys(), version: randomVersion())
        case 67..<71:
            .setMany(
                Dictionary(uniqueKeysWithValues: randomIntegerKeys().map { ($0, randomNumber()) }),
                randomTimeout(), version: randomVersion()
            )
        case 71..<74: .deleteMany(randomIntegerKeys(), version: randomVersion())
        case 74..<82:
            .getOrSet(
                randomKey(), randomNumber(), randomTimeout(), version: randomVersion(),
                loaderFails: random.chance(0.1)
            )
        case 82..<87: .incrVersion(randomKey(), by: Int.random(in: -1...2, using: &random), version: randomVersion())
        case 87..<88: .clear
        default: .advance(random.pick([0.25, 0.5, 1, 1, 2, 3, 7]))
        }
    }

    // MARK: Performing

    func perform(_ operation: Operation) -> Outcome {
        switch operation {
        case let .set(key, number, timeout, version):
            if key == textKey {
                cache.set(key, "text\(number)", timeout: timeout, version: version)
            } else {
                cache.set(key, number, timeout: timeout, version: version)
            }
            return .nothing
        case let .add(key, number, timeout, version):
            if key == textKey {
                return .bool(cache.add(key, "text\(number)", timeout: timeout, version: version))
            }
            return .bool(cache.add(key, number, timeout: timeout, version: version))
        case let .get(key, version):
            if key == textKey {
                return .text(cache.get(key, as: String.self, version: version))
            }
            return .int(cache.get(key, as: Int.self, version: version))
        case let .touch(key, timeout, version):
            return .bool(cache.touch(key, timeout: timeout, version: version))
        case let .delete(key, version):
            return .bool(cache.delete(key, version: version))
        case let .hasKey(key, version):
            return .bool(cache.hasKey(key, version: version))
        case let .incr(key, delta, version):
            return outcome { try cache.incr(key, by: delta, version: version) }
        case let .decr(key, delta, version):
            return outcome { try cache.decr(key, by: delta, version: version) }
        case let .getMany(keys, version):
            return .ints(cache.getMany(keys, as: Int.self, version: version))
        case let .setMany(values, timeout, version):
            let failed = cache.setMany(values, timeout: timeout, version: version)
            return failed.isEmpty ? .ints([:]) : .text("failed keys \(failed)")
        case let .deleteMany(keys, version):
            cache.deleteMany(keys, version: version)
            return .nothing
        case let .getOrSet(key, number, timeout, version, loaderFails):
            do {
                if key == textKey {
                    return .text(try cache.getOrSet(key, timeout: timeout, version: version) { () throws -> String in
                        if loaderFails { throw LoaderFailure() }
                        return "text\(number)"
                    })
                }
                return .int(try cache.getOrSet(key, timeout: timeout, version: version) { () throws -> Int in
                    if loaderFails { throw LoaderFailure() }
                    return number
                })
            } catch {
                return error is LoaderFailure ? .loaderFailed : .failed(.other)
            }
        case let .incrVersion(key, delta, version):
            return outcome { try cache.incrVersion(key, by: delta, version: version) }
        case .clear:
            cache.clear()
            return .nothing
        case let .advance(seconds):
            clock.advance(by: seconds)
            return .nothing
        }
    }

    func outcome(_ body: () throws -> Int) -> Outcome {
        do {
            return .int(try body())
        } catch let error as CacheError {
            return .failed(error.errorCase)
        } catch {
            return .failed(.other)
        }
    }
}
