public import Foundation

/// When the next attempt of a failed delivery is due, and whether there is one (pure, no I/O).
public struct RetryPolicy: Sendable, Hashable {
    /// Delays before retry 1, 2, …; the last one repeats if `maxAttempts` asks for more.
    public var schedule: [Duration]
    /// Attempts in all, the first included, before a delivery is dead-lettered.
    public var maxAttempts: Int
    /// Each delay is multiplied by a random factor in `1 ± jitter`. Default 0.2.
    public var jitter: Double
    /// Upper bound on a `retry-after` the endpoint asks for. Default 24 h.
    public var maxRetryAfter: Duration

    /// The longest delay a schedule entry may ask for: the API refuses longer ones, and a longer
    /// one stored by an older version is shortened to it, so no delay arithmetic can overflow.
    public static let longestDelay: Duration = .seconds(86_400)
    /// The shortest delay a schedule entry is given (a stored zero or negative one is raised to it).
    public static let shortestDelay: Duration = .milliseconds(1)

    /// 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h.
    public static let defaultSchedule: [Duration] = [
        .seconds(5), .seconds(30), .seconds(120), .seconds(600), .seconds(1800),
        .seconds(3600), .seconds(7200), .seconds(14_400), .seconds(28_800),
    ]

    /// Schedule entries and `maxRetryAfter` outside `shortestDelay…longestDelay` are clamped into it.
    public init(schedule: [Duration] = RetryPolicy.defaultSchedule, maxAttempts: Int? = nil, jitter: Double = 0.2, maxRetryAfter: Duration = RetryPolicy.longestDelay) {
        self.schedule = (schedule.isEmpty ? RetryPolicy.defaultSchedule : schedule).map(Self.clamped)
        self.maxAttempts = max(1, maxAttempts ?? (self.schedule.count + 1))
        self.jitter = jitter.isNaN ? 0 : max(0, min(jitter, 1))
        self.maxRetryAfter = Self.clamped(maxRetryAfter)
    }

    /// A delay moved into `shortestDelay…longestDelay`.
    public static func clamped(_ delay: Duration) -> Duration {
        min(max(delay, shortestDelay), longestDelay)
    }

    /// Why a schedule entry of `seconds` + `nanos` (as the API carries it) is out of range, or `nil`.
    public static func problem(seconds: Int64, nanos: Int32) -> String? {
        guard seconds >= 0, (0..<1_000_000_000).contains(nanos), seconds > 0 || nanos > 0 else { return "must be positive" }
        guard Duration.seconds(seconds) + .nanoseconds(Int64(nanos)) <= longestDelay else {
            return "must be at most \(longestDelay.components.seconds) s"
        }
        return nil
    }

    public enum Decision: Sendable, Hashable {
        case retry(after: Duration)
        case deadLetter
    }

    /// After `attemptsMade` attempts (≥ 1) failed: retry after the scheduled delay (with jitter),
    /// or the endpoint's `retry-after` when it gave one (no jitter), or give up.
    public func decide(attemptsMade: Int, retryAfter: Duration? = nil, random: Double = Double.random(in: 0...1)) -> Decision {
        guard attemptsMade < maxAttempts else { return .deadLetter }
        return .retry(after: delay(afterAttempts: attemptsMade, retryAfter: retryAfter, random: random))
    }

    /// The wait after `attemptsMade` attempts, whether or not another is allowed: the endpoint's
    /// `retry-after` when it gave one (no jitter), else the scheduled delay with jitter.
    public func delay(afterAttempts attemptsMade: Int, retryAfter: Duration? = nil, random: Double = Double.random(in: 0...1)) -> Duration {
        if let retryAfter { return min(max(retryAfter, .zero), maxRetryAfter) }
        let base = schedule[min(max(attemptsMade - 1, 0), schedule.count - 1)]
        let factor = 1 - jitter + 2 * jitter * min(max(random, 0), 1)
        let milliseconds = Double(base.components.seconds) * 1000 + Double(base.components.attoseconds) / 1e15
        return .milliseconds(Int64((milliseconds * factor).rounded()))
    }

    /// A `retry-after` header value: delay-seconds, or an HTTP date relative to `now`.
    public static func parseRetryAfter(_ value: String, now: Date) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed) { return seconds >= 0 ? .seconds(seconds) : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return .milliseconds(max(0, Int64((date.timeIntervalSince(now) * 1000).rounded())))
    }
}

/// What one attempt's HTTP outcome means (docs/API.md, "The webhook request").
public enum AttemptOutcome: Sendable, Hashable {
    case succeeded
    /// 410 Gone: the endpoint is disabled and the delivery is dead.
    case gone
    case failed(retryAfter: Duration?)

    /// 2xx succeeds; 410 disables; 429, 5xx and every other status are retried (honouring `retry-after`).
    public static func classify(status: Int, retryAfter: Duration?) -> AttemptOutcome {
        switch status {
        case 200..<300: .succeeded
        case 410: .gone
        default: .failed(retryAfter: retryAfter)
        }
    }
}

/// The retry topics: one per delay tier, each holding tasks whose delay is at least the tier's,
/// so a tier partition's head is never due much later than the records behind it.
public struct RetryTiers: Sendable, Hashable {
    public let delays: [Duration]
    public let topicPrefix: String

    /// - Parameter delays: ascending, distinct, positive.
    public init(delays: [Duration] = RetryPolicy.defaultSchedule, topicPrefix: String = "herald.deliveries.retry") {
        self.delays = Array(Set(delays.filter { $0 > .zero })).sorted()
        self.topicPrefix = topicPrefix
    }

    /// The tier for a delay: the longest tier delay not above it (the shortest tier for shorter delays).
    public func tier(for delay: Duration) -> Int {
        delays.lastIndex { $0 <= delay } ?? 0
    }

    public func topic(tier: Int) -> String { "\(topicPrefix).\(Self.label(delays[tier]))" }

    public var topics: [String] { delays.indices.map(topic(tier:)) }

    /// The delay of the tier `topic` is, `nil` when it is none of them: the longest a task read
    /// from it may hold its partition (see `RetryHold`).
    public func horizon(ofTopic topic: String) -> Duration? {
        topics.firstIndex(of: topic).map { delays[$0] }
    }

    /// `5s`, `2m`, `1h`, `250ms`.
    public static func label(_ delay: Duration) -> String {
        let milliseconds = delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000
        if milliseconds % 3_600_000 == 0 { return "\(milliseconds / 3_600_000)h" }
        if milliseconds % 60_000 == 0 { return "\(milliseconds / 60_000)m" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds)ms"
    }
}
