import ArgumentParser

/// Placeholder until the CLI issue (#4) lands.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Play the read-through story (not built yet: issue #4).")

    func run() throws {
        print("locmem: the demo is not built yet (issue #4)")
    }
}
