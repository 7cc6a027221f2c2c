import Synchronization

/// Whether a replay has caught up, for those who wait for it: ready once, or failed with the
/// error that ended the replay before it caught up.
public final class ReplayReadiness: Sendable {
    private struct State {
        var isReady = false
        var failure: (any Error)?
        var waiters: [CheckedContinuation<Void, any Error>] = []
    }

    private let state = Mutex(State())

    public init() {}

    public var isReady: Bool { state.withLock { $0.isReady } }

    /// Runs the replay until it ends. Its error (or, when it returns because it was cancelled,
    /// a `CancellationError`) is what waiting throws from then on unless it caught up before.
    public func run(_ replay: () async throws -> Void) async throws {
        do {
            try await replay()
        } catch {
            fail(error)
            throw error
        }
        fail(CancellationError())
    }

    public func markReady() {
        let waiters = state.withLock { state in
            state.isReady = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the replay has caught up; throws if it ended before that.
    public func waitUntilReady() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome: Result<Void, any Error>? = state.withLock { state in
                if state.isReady { return .success(()) }
                if let failure = state.failure { return .failure(failure) }
                state.waiters.append(continuation)
                return nil
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }

    private func fail(_ error: any Error) {
        let waiters = state.withLock { state in
            state.failure = state.failure ?? error
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(throwing: error) }
    }
}
