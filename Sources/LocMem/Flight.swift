import Dispatch
import Synchronization

/// A `getOrSet` load in progress: one caller (the leader) runs the loader; callers that miss on
/// the same key meanwhile wait for its outcome instead of loading again.
///
/// Waiting threads block on a semaphore of their own; waiting tasks suspend on a continuation,
/// so an async waiter never blocks a thread of the cooperative pool.
final class Flight: Sendable {
    typealias Outcome = Result<any Sendable, any Error>

    private enum Waiter: @unchecked Sendable {
        // `@unchecked`: DispatchSemaphore is thread-safe but not yet declared Sendable on Linux.
        case thread(DispatchSemaphore)
        case task(UnsafeContinuation<Outcome, Never>)
    }

    private struct State {
        var outcome: Outcome?
        var waiters: [Waiter] = []
    }

    private let state = Mutex(State())

    /// Publishes the loader's outcome and wakes every waiter.
    func complete(_ outcome: Outcome) {
        let waiters = state.withLock { state in
            state.outcome = outcome
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters {
            switch waiter {
            case .thread(let semaphore): semaphore.signal()
            case .task(let continuation): continuation.resume(returning: outcome)
            }
        }
    }

    /// Blocks the calling thread until the outcome is known.
    func wait() -> Outcome {
        let semaphore = DispatchSemaphore(value: 0)
        let ready = state.withLock { state -> Outcome? in
            if let outcome = state.outcome { return outcome }
            state.waiters.append(.thread(semaphore))
            return nil
        }
        if let ready { return ready }
        semaphore.wait()
        return state.withLock { state in
            guard let outcome = state.outcome else { preconditionFailure("a flight signalled before completing") }
            return outcome
        }
    }

    /// Suspends the calling task until the outcome is known.
    func outcome() async -> Outcome {
        await withUnsafeContinuation { continuation in
            let ready = state.withLock { state -> Outcome? in
                if let outcome = state.outcome { return outcome }
                state.waiters.append(.task(continuation))
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

/// A final key in one store: what identifies a flight.
struct FlightKey: Hashable, Sendable {
    let store: ObjectIdentifier
    let key: String
}

extension Store {
    enum FlightRole {
        case leader(Flight)
        case follower(Flight)
    }

    /// Joins the flight for `key`, starting it (as its leader) if none is under way.
    func joinFlight(_ key: String) -> FlightRole {
        flights.withLock { flights in
            if let flight = flights[key] { return .follower(flight) }
            let flight = Flight()
            flights[key] = flight
            return .leader(flight)
        }
    }

    /// Ends the flight for `key`: later misses start a new one. Called after the value is stored,
    /// so a caller that misses after this finds the value.
    func land(_ flight: Flight, key: String, outcome: Flight.Outcome) {
        flights.withLock { _ = $0.removeValue(forKey: key) }
        flight.complete(outcome)
    }
}
