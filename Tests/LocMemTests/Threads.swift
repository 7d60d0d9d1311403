import Dispatch
import Foundation

/// Runs `body` on `count` dedicated threads at once and waits for all of them.
///
/// Unlike `DispatchQueue.concurrentPerform`, which runs on as many workers as there are cores,
/// every call really overlaps, so a test can make 64 callers meet inside one `getOrSet`.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        let thread = Thread {
            body(index)
            group.leave()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    group.wait()
}
