import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A running `NearCacheWorker` (Sources/NearCacheWorker/main.swift): another process with a
/// `NearCache` of its own, driven through its standard input; its output is read line by line on a
/// thread of its own (so the child never blocks on a full pipe).
final class NearCacheWorkerProcess: Sendable {
    /// Where `swift build` put the worker: next to the test bundle, which is this process's executable.
    static var executable: URL {
        get throws {
            let me = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            let worker = me.deletingLastPathComponent().appendingPathComponent("NearCacheWorker")
            try #require(FileManager.default.isExecutableFile(atPath: worker.path),
                         "no NearCacheWorker next to the test bundle: \(worker.path)")
            return worker
        }
    }

    private struct Output {
        var lines: [String] = []
        var partial = ""
        var read = 0
        var finished = false
    }

    /// What the worker printed, filled by the reading thread (a class, so the thread can capture it).
    private final class OutputBuffer: Sendable {
        let state = Mutex(Output())
        func withLock<T>(_ body: (inout Output) -> T) -> T { state.withLock { body(&$0) } }
    }

    private let output = OutputBuffer()
    // Process and FileHandle are not Sendable; they are used under this lock only.
    private let process: Mutex<(process: Process, input: FileHandle)>
    private let name = Mutex("")

    /// Starts a worker on `url` with `prefix` and `mode` arguments, and waits for its `ready` line.
    init(url: String, prefix: String, _ mode: [String] = ["serve"]) async throws {
        let process = Process()
        process.executableURL = try Self.executable
        process.arguments = [url, prefix] + mode
        let input = Pipe()
        let outputPipe = Pipe()
        process.standardInput = input
        process.standardOutput = outputPipe
        try process.run()
        self.process = Mutex((process, input.fileHandleForWriting))
        let reading = outputPipe.fileHandleForReading
        let thread = Thread { [output] in
            while true {
                let data = reading.availableData
                if data.isEmpty { break }
                output.withLock { output in
                    output.partial += String(decoding: data, as: UTF8.self)
                    let parts = output.partial.split(separator: "\n", omittingEmptySubsequences: false)
                    output.lines += parts.dropLast().map(String.init)
                    output.partial = String(parts.last ?? "")
                }
            }
            output.withLock { $0.finished = true }
        }
        thread.start()
        let ready = try await nextLine(seconds: 60)  // a sanitizer build starts slowly on a busy machine
        try #require(ready.hasPrefix("ready "), "the worker did not start: \(ready)")
        name.withLock { $0 = String(ready.dropFirst("ready ".count)) }
    }

    /// The name of the worker's invalidation connection on the server (`CLIENT LIST`), from its `ready` line.
    var clientName: String { name.withLock { $0 } }

    /// The next line the worker prints (at most `seconds` from now).
    func nextLine(seconds: Double = 10) async throws -> String {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        // Looked at once more after the deadline: on a loaded machine this task itself can wake late.
        while true {
            let (line, finished): (String?, Bool) = output.withLock { output in
                guard output.read < output.lines.count else { return (nil, output.finished) }
                output.read += 1
                return (output.lines[output.read - 1], false)
            }
            if let line { return line }
            try #require(!finished, "the worker exited")
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(1))
        }
        Issue.record("no line from the worker within \(seconds) s")
        throw CancellationError()
    }

    /// Sends one command and returns the worker's (first) answer.
    @discardableResult
    func send(_ command: String) async throws -> String {
        process.withLock { $0.input.write(Data((command + "\n").utf8)) }
        return try await nextLine()
    }

    /// Every line printed until the worker exits (at most `seconds`); its exit status.
    func waitForExit(seconds: Double = 60) async throws -> (lines: [String], status: Int32) {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while process.withLock({ $0.process.isRunning }) || !output.withLock({ $0.finished }) {
            guard ContinuousClock.now < deadline else {
                stop()
                Issue.record("the worker did not exit within \(seconds) s")
                break
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        let status = process.withLock { process in
            process.process.waitUntilExit()
            return process.process.terminationStatus
        }
        return (output.withLock { $0.lines }, status)
    }

    /// Ends the worker (`quit`, then SIGKILL if it is still running).
    func stop() {
        process.withLock { process in
            try? process.input.write(contentsOf: Data("quit\n".utf8))
            try? process.input.close()
            let deadline = Date().addingTimeInterval(5)
            while process.process.isRunning && Date() < deadline { usleep(2_000) }
            if process.process.isRunning { kill(process.process.processIdentifier, SIGKILL) }
            process.process.waitUntilExit()
        }
    }
}
