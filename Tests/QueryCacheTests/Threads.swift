import Foundation
import Synchronization

/// Runs `body(index)` on `count` threads at once and waits for all; rethrows the first error.
func runConcurrently(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws {
    let errors = Mutex<[any Error]>([])
    let group = DispatchGroup()
    for index in 0..<count {
        let thread = Thread {
            do { try body(index) } catch { errors.withLock { $0.append(error) } }
            group.leave()
        }
        group.enter()
        thread.start()
    }
    group.wait()
    if let first = errors.withLock({ $0.first }) {
        throw first
    }
}

/// Lets `count` threads start together: each blocks in `arriveAndWait()` until all have arrived.
final class DispatchGateForTests: Sendable {
    private let remaining: Mutex<Int>
    private let open = DispatchSemaphore(value: 0)
    private let count: Int

    init(count: Int) {
        self.count = count
        self.remaining = Mutex(count)
    }

    func arriveAndWait() {
        let last = remaining.withLock { remaining in
            remaining -= 1
            return remaining == 0
        }
        if last {
            for _ in 0..<count { open.signal() }
        }
        open.wait()
    }
}

/// Collected strings, appended from any thread.
final class WarningsForTests: Sendable {
    private let storage = Mutex<[String]>([])

    func append(_ text: String) {
        storage.withLock { $0.append(text) }
    }

    var all: [String] {
        storage.withLock { $0 }
    }
}
