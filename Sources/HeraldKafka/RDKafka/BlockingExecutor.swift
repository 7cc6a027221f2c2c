import Dispatch
import Foundation
import Synchronization

/// Runs librdkafka's blocking calls (flush, commits, transaction calls, metadata) off Swift's
/// cooperative pool, which has only as many threads as cores: one blocked call there stalls
/// every task in the process. Calls on one executor run one at a time, in order.
struct BlockingExecutor: Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }
}

/// A dedicated OS thread that serves one client's queues until asked to stop.
final class ServiceThread: Sendable {
    private struct State {
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let stopFlag = Atomic<Bool>(false)
    private let state = Mutex(State())

    /// Starts `body` on a new thread; `body` should return soon after `isStopRequested` turns true.
    init(name: String, body: @escaping @Sendable (ServiceThread) -> Void) {
        let thread = Thread { [self] in
            body(self)
            let waiters = state.withLock { state in
                state.finished = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
        thread.name = name
        thread.start()
    }

    var isStopRequested: Bool { stopFlag.load(ordering: .acquiring) }

    func requestStop() { stopFlag.store(true, ordering: .releasing) }

    /// Waits (without blocking a thread) until the body has returned.
    func join() async {
        await withCheckedContinuation { continuation in
            let finished = state.withLock { state in
                if !state.finished { state.waiters.append(continuation) }
                return state.finished
            }
            if finished { continuation.resume() }
        }
    }
}
