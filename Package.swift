// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "LocMem",
    products: [
        .library(name: "LocMem", targets: ["LocMem"]),
        .library(name: "SQLiteStore", targets: ["SQLiteStore"]),
        .library(name: "QueryCache", targets: ["QueryCache"]),
        .library(name: "Bookstore", targets: ["Bookstore"]),
        .library(name: "LocMemTesting", targets: ["LocMemTesting"]),
        .executable(name: "locmem", targets: ["LocMemCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // The in-process cache. No SQLite, no Foundation.
        .target(
            name: "LocMem",
            dependencies: [.product(name: "Logging", package: "swift-log")]
        ),
        // libsqlite3 as the system provides it.
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(name: "SQLiteStore", dependencies: ["CSQLite"]),
        // Automatic read-through for any SQL: dependencies from SQLite's authorizer, invalidation at commit.
        .target(name: "QueryCache", dependencies: ["LocMem", "SQLiteStore"]),
        .target(name: "Bookstore", dependencies: ["LocMem", "SQLiteStore", "QueryCache"]),
        // Test helpers for users of the read-through pattern (`assertQueries`).
        .target(name: "LocMemTesting", dependencies: ["LocMem", "SQLiteStore"]),
        // What `locmem bench` measures: the cache, its peers and the repository, side by side.
        .target(name: "LocMemBenchmarks", dependencies: ["LocMem", "SQLiteStore", "QueryCache", "Bookstore"]),
        .executableTarget(
            name: "LocMemCLI",
            dependencies: [
                "LocMem", "SQLiteStore", "QueryCache", "Bookstore", "LocMemBenchmarks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The child process the crash-safety tests kill mid-write (no product: only the tests run it).
        .executableTarget(name: "CrashWriter", dependencies: ["Bookstore", "SQLiteStore", "LocMem"]),
        .testTarget(name: "LocMemTests", dependencies: ["LocMem"]),
        .testTarget(name: "SQLiteStoreTests", dependencies: ["SQLiteStore", "LocMemTesting", "LocMem"]),
        .testTarget(
            name: "QueryCacheTests",
            dependencies: ["QueryCache", "LocMemTesting", "LocMem", "SQLiteStore", "Bookstore"]
        ),
        .testTarget(name: "BookstoreTests", dependencies: ["Bookstore", "LocMemTesting", "LocMem", "SQLiteStore"]),
        .testTarget(name: "LocMemBenchmarksTests", dependencies: ["LocMemBenchmarks"]),
        .testTarget(name: "LocMemCLITests", dependencies: ["LocMemCLI"]),
        // Depends on CrashWriter so that `swift test` builds the executable it runs.
        .testTarget(name: "CrashSafetyTests", dependencies: ["CrashWriter", "Bookstore", "SQLiteStore"]),
    ]
)
