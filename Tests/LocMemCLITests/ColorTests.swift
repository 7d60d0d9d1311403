import Foundation
import Testing

/// Colour only on a terminal, and never with `--no-color` or `NO_COLOR`.
///
/// util-linux `script` gives the CLI a pseudo-terminal as stdout, as a user's terminal would.
@Suite(.enabled(if: PseudoTerminal.script != nil, "needs util-linux script for a pseudo-terminal"))
struct ColorTests {
    private static let escape = "\u{1B}["

    /// Runs `locmem arguments` on a pseudo-terminal and returns what it printed there.
    private func onTerminal(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let script = try #require(PseudoTerminal.script)
        let executable = try #require(LocMemExecutable.url)
        let command = ([executable.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let run = try LocMemExecutable.runProcess(
            script, ["-q", "-e", "-c", command, "/dev/null"], environment: environment
        )
        #expect(run.exitCode == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("book(id: 1)"))
        return run.stdout
    }

    @Test func aTerminalGetsColour() throws {
        #expect(try onTerminal(["book", "1"]).contains(Self.escape))
    }

    @Test func noColorFlagTurnsItOff() throws {
        #expect(!(try onTerminal(["book", "1", "--no-color"]).contains(Self.escape)))
    }

    @Test func noColorVariableTurnsItOff() throws {
        #expect(!(try onTerminal(["book", "1"], environment: ["NO_COLOR": "1"]).contains(Self.escape)))
    }

    @Test func aPipeGetsNone() throws {
        let run = try LocMemExecutable.run(["book", "1"])
        #expect(run.exitCode == 0)
        #expect(!run.stdout.contains(Self.escape))
    }
}

/// util-linux `script`, which runs a command with a pseudo-terminal as its stdout.
enum PseudoTerminal {
    static let script: URL? = ["/usr/bin/script", "/bin/script"]
        .map { URL(fileURLWithPath: $0) }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }
}
