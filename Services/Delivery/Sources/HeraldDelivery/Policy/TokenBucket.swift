/// A token bucket rate limiter (pure): `rate` tokens per second, up to `burst` saved up.
/// `reserve` always grants the token, answering how long the caller must wait before using it,
/// so waiting callers queue in order instead of racing.
public struct TokenBucket: Sendable, Hashable {
    public let rate: Double
    public let burst: Double
    private var tokens: Double
    private var updated: ContinuousClock.Instant

    public init(rate: Double, burst: Double? = nil, now: ContinuousClock.Instant) {
        self.rate = rate
        self.burst = max(1, burst ?? rate)
        self.tokens = self.burst
        self.updated = now
    }

    /// Takes one token; returns how long to wait before it may be used (zero when one was available).
    public mutating func reserve(now: ContinuousClock.Instant) -> Duration {
        guard rate > 0 else { return .zero }
        let elapsed = now - updated
        if elapsed > .zero {
            tokens = min(burst, tokens + rate * Self.seconds(elapsed))
            updated = now
        }
        tokens -= 1
        return tokens >= 0 ? .zero : .nanoseconds(Int64((-tokens / rate) * 1e9))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
