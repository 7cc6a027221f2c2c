/// Per-endpoint isolation limits.
public struct EndpointLimits: Sendable, Hashable {
    /// Requests in flight per endpoint. Default 8.
    public var concurrency = 8
    /// Tasks waiting per endpoint beyond those in flight; when full, the partition the next task
    /// came from is paused until there is room. Default 256.
    public var queueCapacity = 256
    /// Consecutive failures that open an endpoint's circuit breaker. Default 5.
    public var breakerFailureThreshold = 5
    /// How long an open breaker refuses attempts before one probe. Default 30 s.
    public var breakerOpenDuration = Duration.seconds(30)

    public init() {}
}
