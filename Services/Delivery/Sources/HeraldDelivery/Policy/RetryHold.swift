public import Foundation
public import HeraldCore

/// How long a consumed retry task may hold its partition (pure, no I/O).
///
/// A partition holds one task at a time (it is paused until the task is due), so every task behind
/// it waits as long. Tasks in a tier were written with a delay of at least the tier's, so a hold of
/// at most the tier's delay never makes one of them late. A task due later than that (a long
/// `retry-after`, a schedule entry far above its tier, a delay beyond the longest tier) is held for
/// the tier's delay only and then written again, to the tier of the time it still has to wait, and
/// the partition moves on.
public enum RetryHold {
    /// A task due within this is attempted at once.
    public static let tolerance: Duration = .milliseconds(1)

    /// What to do with a task just consumed.
    public enum OnConsume: Sendable, Hashable {
        case attempt
        /// Hold the partition until the task is due, this long.
        case hold(Duration)
        /// Hold the partition this long (the tier's delay), then decide `OnExpiry`.
        case holdThenRequeue(Duration)
    }

    /// What to do with a held task once its hold is over.
    public enum OnExpiry: Sendable, Hashable {
        case attempt
        /// Write the task again to this tier and let the partition go on.
        case requeue(tier: Int)
    }

    /// The time left until `notBefore`, zero when it is past.
    public static func remaining(until notBefore: Date, now: Date) -> Duration {
        let seconds = notBefore.timeIntervalSince(now)
        guard seconds > 0 else { return .zero }
        return .milliseconds(Int64((seconds * 1000).rounded(.up)))
    }

    /// - Parameter horizon: the delay of the tier the task was read from; `nil` for a topic that is
    ///   not a retry tier, whose tasks are held until due.
    public static func consumed(remaining: Duration, horizon: Duration?) -> OnConsume {
        guard remaining > tolerance else { return .attempt }
        guard let horizon, remaining > horizon else { return .hold(remaining) }
        return .holdThenRequeue(horizon)
    }

    public static func expired(remaining: Duration, tiers: RetryTiers) -> OnExpiry {
        guard remaining > tolerance, !tiers.delays.isEmpty else { return .attempt }
        return .requeue(tier: tiers.tier(for: remaining))
    }
}
