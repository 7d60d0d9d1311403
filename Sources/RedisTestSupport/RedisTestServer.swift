import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real `redis-server` for the package's tests, on a free loopback port.
///
/// Tests call ``sharedURL()``: the URL in `LOCMEM_REDIS_URL` when set (`.ci/run` starts a server and
/// exports it), else one server started on first use for this test process and stopped when it
/// exits. Without a `redis-server` binary the Redis suites are disabled (``isAvailable`` is false,
/// and ``unavailableReason`` says `apt-get install redis-server`), except when `CI` is set: there
/// they run and fail, so that a CI machine never passes by skipping them.
///
/// Tests that stop and restart a server (the failure tests) start one of their own with ``start()``.
public final class RedisTestServer: Sendable {
    /// The environment variable naming the server tests use.
    public static let urlVariable = "LOCMEM_REDIS_URL"

    /// Where `redis-server` is, if anywhere on the `PATH` (or the usual Debian place).
    public static let binary: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let candidates = path.split(separator: ":").map { "\($0)/redis-server" } + ["/usr/bin/redis-server"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Whether the Redis suites run: a URL is given, a binary exists, or `CI` is set (then a missing
    /// server fails the tests instead of skipping them).
    public static var isAvailable: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment[urlVariable] != nil || binary != nil || environment["CI"] != nil
    }

    /// Why the Redis suites are disabled, for the test report.
    public static let unavailableReason: Comment =
        "no Redis server: set \(urlVariable)=redis://127.0.0.1:PORT/0, or install one (apt-get install redis-server)"

    private static let shared = Mutex<Result<RedisTestServer, RedisTestServerError>?>(nil)

    /// The URL of the server the tests share: `LOCMEM_REDIS_URL`, or a server started now for this process.
    public static func sharedURL() throws(RedisTestServerError) -> String {
        if let url = ProcessInfo.processInfo.environment[urlVariable], !url.isEmpty { return url }
        let result = shared.withLock { shared in
            if let shared { return shared }
            let started = Result { () throws(RedisTestServerError) in try RedisTestServer.start() }
            shared = started
            return started
        }
        return try result.get().url
    }

    /// Starts a server of its own on a free loopback port, with persistence off, and waits until it answers.
    ///
    /// - Parameter arguments: more `redis-server` options, such as `["--requirepass", "secret"]`.
    public static func start(arguments: [String] = []) throws(RedisTestServerError) -> RedisTestServer {
        guard let binary else { throw .noBinary }
        var lastError = RedisTestServerError.notReady("never started")
        for _ in 0..<5 {
            let port = try freePort()
            do {
                return try RedisTestServer(binary: binary, port: port, arguments: arguments)
            } catch {
                lastError = error  // most likely the port was taken in between; try another
            }
        }
        throw lastError
    }

    /// The port it listens on, on 127.0.0.1.
    public let port: Int
    /// `redis://127.0.0.1:<port>/0`.
    public var url: String { "redis://127.0.0.1:\(port)/0" }

    private let binary: String
    private let arguments: [String]
    private let process: Mutex<pid_t>

    private init(binary: String, port: Int, arguments: [String]) throws(RedisTestServerError) {
        self.binary = binary
        self.port = port
        self.arguments = arguments
        self.process = Mutex(0)
        try launch()
    }

    deinit {
        stop()
    }

    private func launch() throws(RedisTestServerError) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--loglevel", "warning", "--dir", FileManager.default.temporaryDirectory.path,
        ] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .notReady("cannot run \(binary): \(error)")
        }
        let pid = process.processIdentifier
        self.process.withLock { $0 = pid }
        Self.watch(server: pid)
        // Ready when it accepts a connection and answers PING.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if !process.isRunning { throw .notReady("redis-server exited at once (port \(port) taken?)") }
            if Self.answers(port: port) { return }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        throw .notReady("redis-server on port \(port) did not answer within 10 s")
    }

    /// Starts a watchdog that stops the server once this (test) process is gone, however it ends:
    /// a crashed or killed test run must not leave servers behind.
    private static func watch(server: pid_t) {
        let watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
        watchdog.arguments = [
            "-c", "while kill -0 \(getpid()) 2>/dev/null && kill -0 \(server) 2>/dev/null; do sleep 1; done; "
                + "kill -9 \(server) 2>/dev/null",
        ]
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        try? watchdog.run()
    }

    /// Stops the server abruptly (SIGKILL, as a crash would; SIGTERM may be blocked in a child of
    /// the test process), then waits for it to exit. Calls fail until ``restart()``.
    public func stop() {
        let pid = process.withLock { pid in
            defer { pid = 0 }
            return pid
        }
        guard pid > 0 else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// Starts the server again on the same port.
    public func restart() throws(RedisTestServerError) {
        stop()
        try launch()
    }

    // MARK: - Sockets

    /// A loopback port that was free a moment ago (bound to port 0, then released).
    public static func freePort() throws(RedisTestServerError) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .notReady("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard bound else { throw .notReady("cannot bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether a server on `port` answers `PING` (with `+PONG`, or `-NOAUTH` when it wants a password).
    static func answers(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { return false }
        let ping = Array("PING\r\n".utf8)
        guard write(fd, ping, ping.count) == ping.count else { return false }
        var reply = [UInt8](repeating: 0, count: 16)
        let count = read(fd, &reply, reply.count)
        return count >= 5 && ["+PONG", "-NOAU"].contains(String(decoding: reply[0..<5], as: UTF8.self))
    }
}

/// Why no test server could be had.
public enum RedisTestServerError: Error, CustomStringConvertible {
    case noBinary
    case notReady(String)

    public var description: String {
        switch self {
        case .noBinary:
            "no redis-server binary: apt-get install redis-server, or set \(RedisTestServer.urlVariable)"
        case .notReady(let reason):
            "test redis-server not ready: \(reason)"
        }
    }
}
