/// A per-endpoint circuit breaker (pure state machine): after `failureThreshold` consecutive
/// failures it opens for `openDuration`, refusing attempts; then one probe is let through
/// (half-open): its success closes the breaker, its failure opens it again.
public struct CircuitBreaker: Sendable, Hashable {
    public enum State: Sendable, Hashable {
        case closed(consecutiveFailures: Int)
        case open(until: ContinuousClock.Instant)
        case halfOpen(probing: Bool)
    }

    public let failureThreshold: Int
    public let openDuration: Duration
    public private(set) var state: State = .closed(consecutiveFailures: 0)

    public init(failureThreshold: Int = 5, openDuration: Duration = .seconds(30)) {
        self.failureThreshold = max(1, failureThreshold)
        self.openDuration = openDuration
    }

    public enum Permission: Sendable, Hashable {
        case allowed
        /// Not now: the breaker is open (or a probe is in flight) until about then.
        case refused(until: ContinuousClock.Instant)
    }

    /// Whether an attempt may go out now; a granted half-open attempt is the probe.
    public mutating func permit(now: ContinuousClock.Instant) -> Permission {
        switch state {
        case .closed:
            return .allowed
        case .open(let until):
            guard now >= until else { return .refused(until: until) }
            state = .halfOpen(probing: true)
            return .allowed
        case .halfOpen(let probing):
            if probing { return .refused(until: now + openDuration) }
            state = .halfOpen(probing: true)
            return .allowed
        }
    }

    public mutating func recordSuccess() {
        state = .closed(consecutiveFailures: 0)
    }

    public mutating func recordFailure(now: ContinuousClock.Instant) {
        switch state {
        case .closed(let failures):
            state = failures + 1 >= failureThreshold ? .open(until: now + openDuration) : .closed(consecutiveFailures: failures + 1)
        case .halfOpen, .open:
            state = .open(until: now + openDuration)
        }
    }

    public var isOpen: Bool {
        if case .open = state { return true }
        return false
    }
}
