/// Why a Redis call failed. Each names the server's address (`host:port`).
package enum RedisClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The server could not be reached, or stopped answering: refused, connect or command timeout,
    /// the connection closed with replies outstanding, or the pool was closed.
    case connectionFailed(address: String, reason: String)
    /// The server sent bytes that are not RESP, or a reply the command cannot have.
    case protocolError(address: String, reason: String)
    /// The server refused the command with an error reply (`-ERR ...`).
    case serverError(address: String, message: String)

    package var description: String {
        switch self {
        case .connectionFailed(let address, let reason): "\(address): \(reason)"
        case .protocolError(let address, let reason): "\(address): \(reason)"
        case .serverError(let address, let message): "\(address): \(message)"
        }
    }
}
