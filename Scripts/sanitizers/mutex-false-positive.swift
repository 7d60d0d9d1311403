// Shows why Scripts/sanitizers/tsan-mutex-shim.c exists: ThreadSanitizer reports a race on data that is only touched
// under a Synchronization.Mutex, once the Mutex is contended (its slow path is a futex TSan cannot see).
//
//     swiftc -sanitize=thread -g Scripts/sanitizers/mutex-false-positive.swift -o /tmp/mutex-fp && /tmp/mutex-fp
//
// Prints 800000 (the Mutex works) and, on Swift 6.3 Linux, "WARNING: ThreadSanitizer: Swift access race";
// with LD_PRELOAD=<the shim built by Scripts/sanitizers.sh thread> it prints 800000 only.
import Foundation
import Synchronization

final class Box: @unchecked Sendable {  // unchecked: `count` is only touched under `lock`
    var count = 0
}

let box = Box()
let lock = Mutex<Void>(())
let group = DispatchGroup()
for _ in 0..<4 {
    group.enter()
    Thread {
        for _ in 0..<200_000 {
            lock.withLock { _ in box.count += 1 }
        }
        group.leave()
    }.start()
}
group.wait()
print(box.count)
