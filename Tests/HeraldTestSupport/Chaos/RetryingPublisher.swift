public import HeraldProtos
import Synchronization

/// A client that publishes at a steady rate and retries every failed call with the same event
/// (same source and id) until it is acknowledged or `deadline` after its first attempt.
/// Like a real client it has a bounded number of calls in flight: when they are all waiting
/// (a restarting producer), later events start late and then catch up.
/// Every `repeatEvery`-th event is published once more after its acknowledgement, as a client
/// that timed out waiting for an answer the server had already sent would.
public struct RetryingPublisher: Sendable {
    public struct Outcome: Sendable {
        public let index: Int
        public let firstAttempt: ContinuousClock.Instant
        /// When the first acknowledgement arrived; nil when the event was never acknowledged.
        public var acknowledged: ContinuousClock.Instant?
        public var attempts = 0
        public var failedAttempts = 0
        public var lastError: String?
    }

    public var rate: Double
    public var attemptTimeout: Duration
    public var deadline: Duration
    public var repeatEvery: Int
    /// Calls in flight at most (below the server's HTTP/2 concurrent-stream limit, 100 by default).
    public var concurrency: Int

    public init(
        rate: Double, attemptTimeout: Duration = .seconds(30), deadline: Duration = .seconds(120), repeatEvery: Int = 20, concurrency: Int = 64
    ) {
        self.rate = rate
        self.attemptTimeout = attemptTimeout
        self.deadline = deadline
        self.repeatEvery = repeatEvery
        self.concurrency = concurrency
    }

    /// Publishes `events` (event `i` no earlier than `start + i / rate`); returns one outcome per event, in order.
    public func run(
        _ events: [Herald_V1_Event], to target: any ChaosTarget, start: ContinuousClock.Instant,
        onAcknowledged: @escaping @Sendable () -> Void = {}, onFailedAttempt: @escaping @Sendable (any Error) -> Void = { _ in }
    ) async -> [Outcome] {
        let next = NextIndex()
        return await withTaskGroup(of: [Outcome].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var outcomes: [Outcome] = []
                    while let index = next.take(below: events.count) {
                        try? await Task.sleep(until: start + .seconds(Double(index) / rate), clock: .continuous)
                        var outcome = await publishUntilAcknowledged(events[index], index: index, to: target, onFailedAttempt: onFailedAttempt)
                        if outcome.acknowledged != nil {
                            onAcknowledged()
                            if repeatEvery > 0, index % repeatEvery == 0 {
                                let repeated = await publishUntilAcknowledged(events[index], index: index, to: target, onFailedAttempt: onFailedAttempt)
                                outcome.attempts += repeated.attempts
                                outcome.failedAttempts += repeated.failedAttempts
                            }
                        }
                        outcomes.append(outcome)
                    }
                    return outcomes
                }
            }
            var outcomes: [Outcome] = []
            outcomes.reserveCapacity(events.count)
            for await batch in group { outcomes += batch }
            return outcomes.sorted { $0.index < $1.index }
        }
    }

    /// The next event a caller takes.
    private final class NextIndex: Sendable {
        private let value = Atomic(0)
        func take(below count: Int) -> Int? {
            let index = value.wrappingAdd(1, ordering: .relaxed).oldValue
            return index < count ? index : nil
        }
    }

    private func publishUntilAcknowledged(
        _ event: Herald_V1_Event, index: Int, to target: any ChaosTarget, onFailedAttempt: @Sendable (any Error) -> Void
    ) async -> Outcome {
        var outcome = Outcome(index: index, firstAttempt: .now)
        var backoff = Duration.milliseconds(100)
        while true {
            outcome.attempts += 1
            do {
                try await target.publish(event, timeout: attemptTimeout)
                outcome.acknowledged = .now
                return outcome
            } catch {
                outcome.failedAttempts += 1
                outcome.lastError = "\(error)"
                onFailedAttempt(error)
            }
            guard ContinuousClock.now + backoff < outcome.firstAttempt + deadline else { return outcome }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(1))
        }
    }
}
