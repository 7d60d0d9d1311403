import Synchronization

/// The `getOrSet` loads in progress in this process, by final key: one task loads, the others
/// that miss on the same key meanwhile suspend until its outcome is known.
final class RedisFlights: Sendable {
    typealias Outcome = Result<any Sendable, any Error>

    enum Role {
        case leader
        case follower(Outcome)
    }

    private let flights = Mutex<[String: [CheckedContinuation<Outcome?, Never>]]>([:])

    /// Leads the flight of `key` if there is none, else waits for the leader's outcome.
    func join(_ key: String) async -> Role {
        while true {
            let isLeader = flights.withLock { flights -> Bool in
                guard flights[key] == nil else { return false }
                flights[key] = []
                return true
            }
            if isLeader { return .leader }
            let outcome: Outcome? = await withCheckedContinuation { continuation in
                let joined = flights.withLock { flights -> Bool in
                    guard flights[key] != nil else { return false }
                    flights[key]!.append(continuation)
                    return true
                }
                // The leader landed in between: try again, perhaps as the leader.
                if !joined { continuation.resume(returning: nil) }
            }
            if let outcome { return .follower(outcome) }
        }
    }

    /// Ends the flight of `key`, handing `outcome` to every waiter.
    func land(_ key: String, _ outcome: Outcome) {
        let waiters = flights.withLock { $0.removeValue(forKey: key) } ?? []
        for waiter in waiters {
            waiter.resume(returning: outcome)
        }
    }
}
