/// Bounded exponential backoff for retrying one operation (pure): each wait doubles from `first`
/// up to `longest`, and after `maxRetries` waits there is none, so a retry loop can neither spin
/// nor run for ever.
public struct RetryBackoff: Sendable, Hashable {
    public let first: Duration
    public let longest: Duration
    public let maxRetries: Int
    public private(set) var retries = 0

    public init(first: Duration, longest: Duration, maxRetries: Int) {
        self.first = max(first, .zero)
        self.longest = max(longest, self.first)
        self.maxRetries = max(0, maxRetries)
    }

    /// How long to wait before the next retry, or `nil` when the retries are used up.
    public mutating func next() -> Duration? {
        guard retries < maxRetries else { return nil }
        defer { retries += 1 }
        return min(first * (1 << min(retries, 30)), longest)
    }
}
