/// A token bucket rate limiter (pure): `rate` tokens per second, up to `burst` saved up.
/// `reserve` always grants the token, answering how long the caller must wait before using it,
/// so waiting callers queue in order instead of racing.
public struct TokenBucket: Sendable, Hashable {
    public let rate: Double
    public let burst: Double
    private var tokens: Double
    private var updated: ContinuousClock.Instant

    /// The slowest pace a limited endpoint gets: the API refuses slower ones, and a slower one
    /// stored by an older version is raised to it, so no wait can overflow a `Duration`.
    public static let minimumRate = 0.01

    /// The rate a bucket runs at for a configured `rate`: 0 (unlimited) for zero, negative or
    /// not-a-number; at least `minimumRate` otherwise.
    public static func effectiveRate(_ rate: Double) -> Double {
        guard rate > 0 else { return 0 }
        return max(rate, minimumRate)
    }

    public init(rate: Double, burst: Double? = nil, now: ContinuousClock.Instant) {
        self.rate = Self.effectiveRate(rate)
        self.burst = min(max(1, burst ?? self.rate), Double(Int32.max))
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
        guard tokens < 0 else { return .zero }
        // A queue this long waits for over a year, so the cap never changes a real wait.
        return .nanoseconds(Int64(min(-tokens / rate, Self.longestWaitSeconds) * 1e9))
    }

    private static let longestWaitSeconds = 1e8

    public static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
