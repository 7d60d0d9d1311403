// RedisCacheWorker: a child process of the multi-process tests (Tests/LocMemRedisTests).
//
//     RedisCacheWorker <url> <key-prefix> incr <key> <times>    incr the key <times> times; prints `done`
//     RedisCacheWorker <url> <key-prefix> add <key> <value>     prints `added` or `not-added`
//     RedisCacheWorker <url> <key-prefix> set <key> <value>     prints `stored`
//     RedisCacheWorker <url> <key-prefix> get <key>             prints the String value, or `miss`
//     RedisCacheWorker <url> <key-prefix> get-or-set <key> <value>  prints the value returned, then `loads=<n>`
//
// Each run is one process with its own `RedisCache` (its own connections), as a server worker is.
// Exit codes: 0 done, 2 bad arguments, 3 a cache error (printed on stderr).

import Foundation
import LocMem
import LocMemRedis
import Synchronization

let arguments = CommandLine.arguments
guard arguments.count >= 5 else {
    FileHandle.standardError.write(Data("usage: RedisCacheWorker <url> <prefix> <operation> <key> [value]\n".utf8))
    exit(2)
}
let (url, prefix, operation, key) = (arguments[1], arguments[2], arguments[3], arguments[4])
let value = arguments.count > 5 ? arguments[5] : ""

do {
    let cache = try await RedisCache(url: url, configuration: CacheConfiguration(keyPrefix: prefix))
    switch operation {
    case "incr":
        for _ in 0..<(Int(value) ?? 1) {
            try await cache.incr(key)
        }
        print("done")
    case "add":
        print(try await cache.add(key, value, timeout: .never) ? "added" : "not-added")
    case "set":
        try await cache.set(key, value, timeout: .never)
        print("stored")
    case "get":
        print(try await cache.get(key, as: String.self) ?? "miss")
    case "get-or-set":
        let loads = Atomic<Int>(0)
        let result = try await cache.getOrSet(key, timeout: .never) { () async throws -> String in
            loads.add(1, ordering: .relaxed)
            return value
        }
        print(result)
        print("loads=\(loads.load(ordering: .relaxed))")
    default:
        FileHandle.standardError.write(Data("unknown operation \(operation)\n".utf8))
        exit(2)
    }
    await cache.close()
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(3)
}
