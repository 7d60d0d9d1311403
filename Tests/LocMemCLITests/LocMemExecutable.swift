import Foundation
import Testing

/// The built `locmem` executable, run as a child process the way a user runs it.
///
/// `swift test` builds it (the test target depends on the executable target) into the same
/// folder as the test bundle, so it is found next to `CommandLine.arguments[0]` or
/// `Bundle.main.bundleURL`.
enum LocMemExecutable {
    /// What one run printed and how it exited.
    struct Run {
        var exitCode: Int32
        var stdout: String
        var stderr: String
        /// How long the process ran, in seconds.
        var seconds: Double

        var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        /// stderr's lines, without the empty one after the final newline.
        var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
    }

    /// The executable's URL, or `nil` when it is not where `swift build` puts it.
    static let url: URL? = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(),
            Bundle.main.bundleURL,
            // <root>/Tests/LocMemCLITests/LocMemExecutable.swift -> <root>/.build/debug
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug"),
        ]
        return candidates.map { $0.appendingPathComponent("locmem") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// Runs `locmem` with `arguments` in `directory`, with `environment` added to this process's
    /// own (minus `NO_COLOR`, unless given), and waits for it to exit.
    static func run(
        _ arguments: [String],
        in directory: URL? = nil,
        environment: [String: String] = [:]
    ) throws -> Run {
        let executable = try #require(url, "the locmem executable was not built next to the tests")
        return try runProcess(executable, arguments, in: directory, environment: environment)
    }

    /// Runs any executable; stdout and stderr go to files, so neither pipe can fill up and block.
    static func runProcess(
        _ executable: URL,
        _ arguments: [String],
        in directory: URL? = nil,
        environment: [String: String] = [:]
    ) throws -> Run {
        let scratch = try TemporaryFolder()
        let outURL = scratch.url.appendingPathComponent("stdout")
        let errURL = scratch.url.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var fullEnvironment = ProcessInfo.processInfo.environment
        fullEnvironment["NO_COLOR"] = nil
        fullEnvironment.merge(environment) { _, new in new }
        process.environment = fullEnvironment
        if let directory {
            process.currentDirectoryURL = directory
        }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice

        let start = Date()
        try process.run()
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        try out.close()
        try err.close()
        return Run(
            exitCode: process.terminationStatus,
            stdout: try String(contentsOf: outURL, encoding: .utf8),
            stderr: try String(contentsOf: errURL, encoding: .utf8),
            seconds: seconds
        )
    }
}

/// A fresh folder under the system's temporary directory, removed when the value is released.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("locmem-cli-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL {
        url.appendingPathComponent(name)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}
