// libFuzzer target for LocMem's key path and cache operations; built and run by Scripts/fuzz.sh.
//
// Each input is a program: a header byte (maxEntries 1...8, cull frequency 0...3, key prefix, default version),
// then operations, each an opcode byte and its operands (keys are raw byte strings, decoded as UTF-8 with
// repair, so invalid UTF-8, NUL and control characters all occur). After every operation the target checks
// properties that hold whatever the input:
//
// - the store never holds more than maxEntries;
// - makeKey(key, version:) is "prefix:version:key", for any version including Int.min and Int.max;
// - the key warnings reported are exactly Django's rule applied to the final key (over 250 Unicode scalars;
//   a scalar below U+0021 or U+007F), which checks the 8-bytes-at-a-time scan against a plain one;
// - set then get returns the value; delete leaves no key; add stores only when the key is absent;
// - incr/decr return old + delta, or throw overflow and leave the old value, or keyNotFound/notAnInteger when
//   they should; incrVersion/decrVersion move the value or throw and move nothing.
//
// A failed check calls fatalError, which libFuzzer reports as a crash with the input saved.
import LocMem
import Synchronization

/// Reads the fuzzer's bytes as operands; every read succeeds (zeros past the end).
struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    var offset = 0

    var isAtEnd: Bool { offset >= bytes.count }

    mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func int() -> Int {
        switch byte() % 8 {
        case 0: return .max
        case 1: return .min
        case 2: return .max - Int(byte())
        case 3: return .min + Int(byte())
        case 4: return -Int(byte())
        default: return Int(byte())
        }
    }

    /// A key: usually from a small alphabet (so keys repeat), sometimes raw bytes, sometimes long.
    mutating func key() -> String {
        let shape = byte()
        switch shape % 8 {
        case 0:
            let length = Int(byte()) % 8
            var raw: [UInt8] = []
            for _ in 0..<length { raw.append(byte()) }
            return String(decoding: raw, as: UTF8.self)
        case 1:
            // Around memcached's 250-character limit, in one- to four-byte characters.
            let scalar = ["a", "é", "€", "😀", " "][Int(byte()) % 5]
            return String(repeating: scalar, count: 240 + Int(byte()) % 20)
        case 2:
            var units: [UInt16] = []
            for _ in 0..<(Int(byte()) % 6) { units.append(UInt16(byte()) << 8 | UInt16(byte())) }
            return String(decoding: units, as: UTF16.self)
        default:
            return ["a", "b", "c", "", " ", "a\u{0}", "\u{7F}", "k:1"][Int(shape / 8) % 8]
        }
    }

    mutating func timeout() -> CacheTimeout {
        switch byte() % 10 {
        case 0: return .default
        case 1: return .never
        case 2: return .seconds(.nan)
        case 3: return .seconds(.infinity)
        case 4: return .seconds(-1)
        case 5: return .seconds(0)
        default: return .seconds(Double(byte() % 4) + 0.5)
        }
    }
}

/// Django's key rule, written the obvious way.
func expectedWarnings(for finalKey: String) -> (tooLong: Int?, invalidCharacter: Bool) {
    let scalars = finalKey.unicodeScalars
    let tooLong = scalars.count > 250 ? scalars.count : nil
    let invalid = scalars.contains { $0.value <= 0x20 || $0.value == 0x7F }
    return (tooLong, invalid)
}

func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("fuzz check failed: \(message())") }
}

final class WarningLog: Sendable {
    let warnings = Mutex<[CacheKeyWarning]>([])

    func take() -> [CacheKeyWarning] {
        warnings.withLock { log in
            defer { log.removeAll() }
            return log
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    var input = Reader(bytes: UnsafeBufferPointer(start: start, count: count))
    let header = input.byte()
    let maxEntries = Int(header % 8) + 1
    let cullFrequency = Int(header / 8) % 4
    let prefix = ["", "p", "pre fix", "\u{0}"][Int(header / 32) % 4]
    let version = input.int()
    let log = WarningLog()
    let clock = ManualClock()
    // One location for every input (a new one each time would grow the store registry without end); cleared
    // before and after, so no input sees another's entries.
    let location = "fuzz"
    let configuration = CacheConfiguration(
        maxEntries: maxEntries, cullFrequency: cullFrequency, keyPrefix: prefix, version: version,
        onKeyWarning: { warning in log.warnings.withLock { $0.append(warning) } }
    )
    guard let cache = try? LocMemCache(location: location, configuration: configuration, clock: clock) else {
        fatalError("a valid configuration was rejected")
    }
    cache.clear()
    defer { cache.clear() }

    /// Checks the warnings of the operations since the last call, all on `keys` (final keys).
    func checkWarnings(_ finalKeys: [String]) {
        let reported = log.take()
        var expected: [CacheKeyWarning] = []
        for finalKey in finalKeys {
            let rule = expectedWarnings(for: finalKey)
            if let length = rule.tooLong {
                expected.append(CacheKeyWarning(key: finalKey, kind: .tooLong(length: length)))
            }
            if rule.invalidCharacter {
                expected.append(CacheKeyWarning(key: finalKey, kind: .invalidCharacter))
            }
        }
        check(reported == expected, "warnings \(reported) for \(finalKeys), expected \(expected)")
    }

    while !input.isAtEnd {
        let key = input.key()
        let finalKey = cache.makeKey(key)
        check(finalKey == "\(prefix):\(version):\(key)", "makeKey(\(key.debugDescription)) = \(finalKey)")
        checkWarnings([])  // makeKey alone reports nothing
        switch input.byte() % 14 {
        case 0:
            let value = input.int()
            let timeout = input.timeout()
            cache.set(key, value, timeout: timeout)
            let kept: Bool
            switch timeout {
            case .seconds(let seconds): kept = seconds > 0
            default: kept = true
            }
            let read = cache.get(key, as: Int.self)
            check(read == (kept ? value : nil), "set then get of \(key.debugDescription): \(String(describing: read))")
            checkWarnings([finalKey, finalKey])
        case 1:
            let present = cache.hasKey(key)
            let added = cache.add(key, input.int(), timeout: input.timeout())
            check(added == !present, "add returned \(added) with the key \(present ? "present" : "absent")")
            checkWarnings([finalKey, finalKey])
        case 2:
            _ = cache.get(key, as: Int.self)
            checkWarnings([finalKey])
        case 3:
            let present = cache.hasKey(key)
            check(cache.touch(key, timeout: input.timeout()) == present, "touch disagrees with hasKey")
            checkWarnings([finalKey, finalKey])
        case 4:
            _ = cache.delete(key)
            check(!cache.hasKey(key), "a deleted key is still there")
            checkWarnings([finalKey, finalKey])
        case 5, 6:
            let isIncr = input.byte() % 2 == 0
            let delta = input.int()
            let before: Any? = cache.get(key, as: Any.self)
            do {
                let result = isIncr ? try cache.incr(key, by: delta) : try cache.decr(key, by: delta)
                guard let old = before as? Int else { fatalError("incr/decr of a non-Int succeeded") }
                let (expected, overflow) = isIncr
                    ? old.addingReportingOverflow(delta) : old.subtractingReportingOverflow(delta)
                check(!overflow && result == expected, "\(old) \(isIncr ? "+" : "-") \(delta) gave \(result)")
                check(cache.get(key, as: Int.self) == result, "incr/decr result not stored")
            } catch {
                switch error {
                case .keyNotFound: check(before == nil, "keyNotFound for a present key")
                case .notAnInteger:
                    check(before != nil && !(before is Int), "notAnInteger for \(String(describing: before))")
                case .overflow:
                    check(cache.get(key, as: Int.self) == before as? Int, "an overflow changed the value")
                default: fatalError("unexpected \(error)")
                }
            }
            // Two or three operations on the key, depending on the outcome: every one warns the same way.
            let reported = log.take()
            let rule = expectedWarnings(for: finalKey)
            let kinds = Set(reported.map(\.kind))
            var expectedKinds: Set<CacheKeyWarning.Kind> = []
            if let length = rule.tooLong { expectedKinds.insert(.tooLong(length: length)) }
            if rule.invalidCharacter { expectedKinds.insert(.invalidCharacter) }
            check(kinds == expectedKinds && reported.allSatisfy { $0.key == finalKey }, "warnings \(reported)")
        case 7:
            let isIncr = input.byte() % 2 == 0
            let delta = input.int()
            let before = cache.get(key, as: Int.self)
            let countBefore = cache.count
            let (target, overflow) = isIncr
                ? version.addingReportingOverflow(delta) : version.subtractingReportingOverflow(delta)
            do {
                let moved = isIncr ? try cache.incrVersion(key, by: delta) : try cache.decrVersion(key, by: delta)
                check(!overflow && moved == target, "moved to \(moved), expected \(target)")
                check(cache.get(key, as: Int.self, version: target) == before, "the value did not move")
                if target != version { check(!cache.hasKey(key), "the old version is still there") }
                check(cache.count <= countBefore, "a version move grew the store")
                log.warnings.withLock { $0.removeAll() }  // checked for single-key operations above
            } catch {
                if overflow {
                    check(error == .overflow(cache.makeKey(key, version: version)) || before == nil, "\(error)")
                }
                check(cache.get(key, as: Int.self) == before, "a failed version move changed the value")
                log.warnings.withLock { $0.removeAll() }
            }
        case 8:
            let keys = [key, input.key(), input.key()]
            let values = cache.getMany(keys, as: Int.self)
            for (manyKey, value) in values {
                check(keys.contains(manyKey), "getMany returned a key it was not asked for")
                check(cache.get(manyKey, as: Int.self) == value, "getMany disagrees with get")
            }
            log.warnings.withLock { $0.removeAll() }
        case 9:
            let batch = Dictionary([(key, input.int()), (input.key(), input.int())]) { _, last in last }
            let failed = cache.setMany(batch, timeout: .never)
            check(failed.isEmpty, "setMany reported failures \(failed)")
            log.warnings.withLock { $0.removeAll() }
        case 10:
            let value = input.int()
            let stored = cache.get(key, as: Int.self)
            let result = cache.getOrSet(key, timeout: input.timeout()) { value }
            check(result == (stored ?? value), "getOrSet returned \(result), stored \(String(describing: stored))")
            log.warnings.withLock { $0.removeAll() }
        case 11:
            clock.advance(by: Double(input.byte() % 4))
        case 12:
            cache.set(key, "not an int \(input.byte())", timeout: .never)
            log.warnings.withLock { $0.removeAll() }
        default:
            let other = input.int()
            let versioned = cache.makeKey(key, version: other)
            check(versioned == "\(prefix):\(other):\(key)", "makeKey(version: \(other)) = \(versioned)")
            if input.byte() % 16 == 0 { cache.clear() }
        }
        check(cache.count <= maxEntries, "count \(cache.count) > maxEntries \(maxEntries)")
    }
    return 0
}
