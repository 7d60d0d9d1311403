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
        .library(name: "LocMemRedis", targets: ["LocMemRedis"]),
        .executable(name: "locmem", targets: ["LocMemCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
    ],
    targets: [
        // The in-process cache. No SQLite, no Foundation.
        .target(
            name: "LocMem",
            dependencies: ["CLocMemAtomics", .product(name: "Logging", package: "swift-log")]
        ),
        // C11 atomic loads and stores on memory LocMem lays out itself (inlined into Swift).
        .target(name: "CLocMemAtomics"),
        // libsqlite3 as the system provides it.
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(name: "SQLiteStore", dependencies: ["CSQLite"]),
        // Automatic read-through for any SQL: dependencies from SQLite's authorizer, invalidation at commit.
        .target(name: "QueryCache", dependencies: ["LocMem", "SQLiteStore"]),
        .target(
            name: "Bookstore",
            dependencies: ["LocMem", "SQLiteStore", "QueryCache", .product(name: "Logging", package: "swift-log")]
        ),
        // A focused Redis client on SwiftNIO (RESP2/RESP3, pipelining, a small pool); not a product.
        .target(
            name: "RedisClient",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // LocMem's API on a Redis server: `RedisCache`, shared by processes and machines.
        .target(
            name: "LocMemRedis",
            dependencies: ["LocMem", "RedisClient", .product(name: "Logging", package: "swift-log")]
        ),
        // Test helpers for users of the read-through pattern (`assertQueries`).
        .target(name: "LocMemTesting", dependencies: ["LocMem", "SQLiteStore"]),
        // Finds or starts a real redis-server for the tests (not a product).
        .target(name: "RedisTestSupport"),
        // What `locmem bench` measures: the cache, its peers and the repository, side by side.
        .target(
            name: "LocMemBenchmarks",
            dependencies: ["LocMem", "SQLiteStore", "QueryCache", "Bookstore", "LocMemRedis"]
        ),
        .executableTarget(
            name: "LocMemCLI",
            dependencies: [
                "LocMem", "SQLiteStore", "QueryCache", "Bookstore", "LocMemBenchmarks", "LocMemRedis",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The child processes of the near-cache tests: a NearCache driven by stdin, or a random workload.
        .executableTarget(name: "NearCacheWorker", dependencies: ["LocMemRedis", "LocMem"]),
        // The child process the crash-safety tests kill mid-write (no product: only the tests run it).
        .executableTarget(name: "CrashWriter", dependencies: ["Bookstore", "SQLiteStore", "LocMem"]),
        // The child process of the multi-process Redis tests (no product: only the tests run it).
        .executableTarget(name: "RedisCacheWorker", dependencies: ["LocMemRedis", "LocMem"]),
        .testTarget(name: "LocMemTests", dependencies: ["LocMem"]),
        .testTarget(name: "SQLiteStoreTests", dependencies: ["SQLiteStore", "LocMemTesting", "LocMem"]),
        .testTarget(
            name: "QueryCacheTests",
            dependencies: ["QueryCache", "LocMemTesting", "LocMem", "SQLiteStore", "Bookstore"]
        ),
        .testTarget(
            name: "BookstoreTests",
            dependencies: ["Bookstore", "LocMemTesting", "LocMem", "SQLiteStore", "LocMemRedis", "RedisTestSupport"]
        ),
        .testTarget(
            name: "LocMemRedisTests",
            dependencies: [
                "LocMemRedis", "RedisClient", "RedisTestSupport", "LocMem", "RedisCacheWorker", "NearCacheWorker",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "LocMemBenchmarksTests", dependencies: ["LocMemBenchmarks"]),
        .testTarget(name: "LocMemCLITests", dependencies: ["LocMemCLI", "RedisTestSupport"]),
        // Depends on CrashWriter so that `swift test` builds the executable it runs.
        .testTarget(name: "CrashSafetyTests", dependencies: ["CrashWriter", "Bookstore", "SQLiteStore"]),
    ]
)
