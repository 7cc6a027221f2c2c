import Foundation
import Synchronization

/// Runs `body` on Swift's concurrency pool and waits for it: libFuzzer calls a target
/// synchronously, while the handlers under test are async. The fuzzer's thread is not one of the
/// pool's, so blocking it leaves the pool free to run `body`.
public func blocking<Result: Sendable>(_ body: @escaping @Sendable () async -> Result) -> Result {
    let done = DispatchSemaphore(value: 0)
    let box = Mutex<Result?>(nil)
    Task {
        let result = await body()
        box.withLock { $0 = result }
        done.signal()
    }
    done.wait()
    return box.withLock { $0! }
}
