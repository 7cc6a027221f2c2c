public import HeraldCore

/// Who a failed attempt is charged to, and what follows from it (pure, no I/O).
///
/// A failure of the endpoint — its answer, a timeout, a refused connection, a payload that cannot
/// be rendered for it — uses up one of its attempts. A failure that says nothing about the
/// endpoint — its open circuit breaker refusing the request, the registry unreachable, a stored
/// secret this instance cannot open — does not: an outage of that kind must keep the backlog
/// retrying for as long as it lasts, not dead-letter it once `max_attempts` quick retries ran out.
public struct AttemptAccounting: Sendable, Hashable {
    public enum Charge: Sendable, Hashable {
        /// The endpoint failed: the attempt counts.
        case endpoint
        /// Herald could not make the attempt: it does not count.
        case herald
    }

    public let policy: RetryPolicy
    /// Attempts the task had used before this one.
    public let attemptsBefore: Int32

    public init(policy: RetryPolicy, attemptsBefore: Int32) {
        self.policy = policy
        self.attemptsBefore = max(0, attemptsBefore)
    }

    /// The attempts to record once this one ended.
    public func attempts(charged charge: Charge) -> Int32 {
        charge == .endpoint ? attemptsBefore + 1 : attemptsBefore
    }

    /// After a failed attempt: the endpoint's failures follow its retry policy up to dead-lettering;
    /// Herald's own never dead-letter and wait `retryAfter` (an open breaker's wait) or the delay
    /// the schedule gives after the attempts used so far.
    public func afterFailure(charged charge: Charge, retryAfter: Duration?, random: Double = Double.random(in: 0...1)) -> RetryPolicy.Decision {
        switch charge {
        case .endpoint:
            policy.decide(attemptsMade: Int(attempts(charged: .endpoint)), retryAfter: retryAfter, random: random)
        case .herald:
            .retry(after: policy.delay(afterAttempts: max(1, Int(attemptsBefore)), retryAfter: retryAfter, random: random))
        }
    }
}
