import ArgumentParser

/// Placeholder until the benchmark issue (#5) lands.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmark database reads against cached reads (not built yet: issue #5).")

    func run() throws {
        print("locmem bench: not built yet (issue #5)")
    }
}
