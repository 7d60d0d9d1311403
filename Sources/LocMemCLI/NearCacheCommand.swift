import ArgumentParser
import Foundation
import LocMem
import LocMemBenchmarks
import LocMemRedis

/// `locmem near`: a `NearCache` shared by two processes through one Redis server.
///
/// `locmem near` (`demo`) starts a second `locmem` process that reads a key every few tenths of a
/// second while this one writes it: the reader's first read goes to Redis, the next are served by
/// its near level, and after the write its next read goes back to Redis by itself, because the
/// server invalidated its copy. `read` and `write` are the two halves, to run by hand in two
/// terminals.
struct NearCacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "near",
        abstract: "Two processes share a Redis server through NearCache: one writes, the other's next read "
            + "goes back to Redis.",
        discussion: """
            Needs a Redis server (6 or later): --redis, else LOCMEM_REDIS_URL, else redis://127.0.0.1:6379/0.
            """,
        subcommands: [Demo.self, Read.self, Write.self, Probe.self],
        defaultSubcommand: Demo.self
    )

    /// Where the server is and which keys are used.
    struct ServerOptions: ParsableArguments {
        @Option(help: "The Redis server (default: LOCMEM_REDIS_URL, else redis://127.0.0.1:6379/0).")
        var redis: String?

        @Option(help: "The cache's key prefix: processes share keys only under the same prefix.")
        var prefix = "near-demo"

        var url: String {
            redis ?? NearCacheBenchmarks.serverURL ?? "redis://127.0.0.1:6379/0"
        }

        func validate() throws {
            guard !prefix.isEmpty else { throw ValidationError("--prefix must not be empty") }
        }

        /// A near cache on the server, values kept until changed.
        func nearCache() async throws -> NearCache {
            try await NearCache(url: url, configuration: CacheConfiguration(timeout: nil, keyPrefix: prefix))
        }
    }

    // MARK: - demo

    /// `locmem near demo`: the writer here, a reader in a child `locmem near read`.
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "This process writes a key; a second locmem process reads it every --every seconds."
        )

        @OptionGroup var server: ServerOptions

        @Option(help: "The key written and read.")
        var key = "greeting"

        @Option(help: "Seconds between the reader's reads.")
        var every = 0.3

        func validate() throws {
            guard every > 0, every <= 10 else {
                throw ValidationError("--every must be above 0 and at most 10 seconds")
            }
        }

        /// Child output is read on this (main) thread and the cache is awaited through `runBlocking`:
        /// the CLI's tasks run on one event loop, which a blocking read would stall.
        func run() throws {
            let writer = try runBlocking { try await server.nearCache() }
            let me = "writer [pid \(getpid())]"
            print("NearCache demo: two processes share \(writer.redis.address), keys under '\(server.prefix):'")
            try write("hello", with: writer)
            print("\(me)  set \(key) = \"hello\"")

            // The reader: this same executable, `near read`, in a process of its own.
            let reader = Process()
            reader.executableURL = URL(fileURLWithPath: NearCacheCommand.executablePath)
            reader.arguments = [
                "near", "read", key, "--count", "6", "--every", String(every),
                "--redis", server.url, "--prefix", server.prefix,
            ]
            let output = Pipe()
            reader.standardOutput = output
            try reader.run()
            var lines = LineReader(output.fileHandleForReading)
            var reads = 0
            while let line = lines.next() {
                print(line)
                guard line.contains(" read ") else { continue }
                reads += 1
                if reads == 3 {
                    try write("bonjour", with: writer)
                    print("\(me)  set \(key) = \"bonjour\"   (Redis pushes an invalidation to every near cache)")
                }
            }
            reader.waitUntilExit()
            runBlocking { await writer.close() }
            guard reader.terminationStatus == 0 else { throw ExitCode(reader.terminationStatus) }
            print("The reader never asked to be told: its next read after the write went back to Redis by itself.")
        }

        private func write(_ value: String, with cache: NearCache) throws {
            try runBlocking { [key] () async throws(CacheError) in try await cache.set(key, value, timeout: .never) }
        }
    }

    // MARK: - read / write

    /// `locmem near read KEY`: reads a key again and again, saying where each read was served from.
    struct Read: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a key every --every seconds, saying whether the near level or Redis answered."
        )

        @OptionGroup var server: ServerOptions

        @Argument(help: "The key to read.")
        var key: String

        @Option(help: "How many reads.")
        var count = 10

        @Option(help: "Seconds between reads.")
        var every = 0.5

        func validate() throws {
            guard count >= 1 else { throw ValidationError("--count must be at least 1") }
            guard every >= 0, every <= 60 else { throw ValidationError("--every must be from 0 to 60 seconds") }
        }

        func run() throws {
            try runBlocking {
                let cache = try await server.nearCache()
                let me = "reader [pid \(getpid())]"
                var invalidations = cache.statistics.invalidations
                for number in 1...count {
                    if number > 1 { try await Task.sleep(for: .milliseconds(Int(every * 1000))) }
                    let wasNear = cache.isNear(key)
                    let value: String? = try await cache.get(key)
                    let now = cache.statistics.invalidations
                    let source = wasNear ? "from the near level (no round trip)"
                        : now > invalidations && number > 1 ? "from Redis: the server had invalidated the near copy"
                        : "from Redis, kept near"
                    invalidations = now
                    // Unbuffered: the demo's writer reacts to each line as it comes.
                    let line = "\(me)  read \(number): \(value.map { "\"\($0)\"" } ?? "(none)")  \(source)\n"
                    FileHandle.standardOutput.write(Data(line.utf8))
                }
                await cache.close()
            }
        }
    }

    /// `locmem near write KEY VALUE`: one write, as any process would make it.
    struct Write: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a key to a string (no expiry).")

        @OptionGroup var server: ServerOptions

        @Argument(help: "The key to write.")
        var key: String

        @Argument(help: "The value: a string.")
        var value: String

        func run() throws {
            try runBlocking {
                let cache = try await server.nearCache()
                try await cache.set(key, value, timeout: .never)
                print("writer [pid \(getpid())]  set \(key) = \"\(value)\"")
                await cache.close()
            }
        }
    }

    /// `locmem near probe`: the other process of the benchmark's invalidation-delay case.
    struct Probe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The benchmark's other process (driven through standard input).", shouldDisplay: false
        )

        @OptionGroup var server: ServerOptions

        func run() throws {
            try NearCacheBenchmarks.probe(url: server.url, prefix: server.prefix)
        }
    }

    /// This executable's path, to start another `locmem`: `/proc/self/exe` read as a link, which
    /// valgrind answers with the program's path (executing `/proc/self/exe` there would run valgrind's
    /// own tool).
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "/proc/self/exe"
    }

    // MARK: - bench

    /// The near cache's cases of `locmem bench`, when `--redis` or `LOCMEM_REDIS_URL` names a
    /// server and the filter lets them run: their table is printed after the main report (or, with `--json`, to
    /// standard error).
    static func bench(
        url: String?, options: BenchmarkOptions, json: Bool, progress: @escaping @Sendable (String) -> Void
    ) throws {
        guard let url = url ?? NearCacheBenchmarks.serverURL else {
            progress("near: skipped (give --redis URL, or set LOCMEM_REDIS_URL, to measure the near cache)")
            return
        }
        if let filter = options.filter, !options.includes("near/"), !"near/".contains(filter.lowercased()) {
            return
        }
        let result = try NearCacheBenchmarks.run(
            url: url, options: options, probe: (executable: executablePath, arguments: ["near", "probe"]),
            progress: progress
        )
        if json {
            FileHandle.standardError.write(Data((result.table() + "\n").utf8))
        } else {
            print("")
            print(result.table())
        }
    }
}

/// The lines of a child's output, as they come.
private struct LineReader {
    let handle: FileHandle
    var buffer = Data()

    init(_ handle: FileHandle) { self.handle = handle }

    mutating func next() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                return line
            }
            let data = handle.availableData
            if data.isEmpty { return buffer.isEmpty ? nil : String(decoding: buffer, as: UTF8.self) }
            buffer.append(data)
        }
    }
}
