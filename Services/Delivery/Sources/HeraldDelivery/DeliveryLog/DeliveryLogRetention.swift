import Foundation
import Logging

/// `--delivery-retention` applied to the delivery log (a periodic delete) and to the topics it is
/// filled from (their configuration when this service creates them).
public struct DeliveryLogRetention: Sendable {
    let retention: Duration

    /// A duration written as a whole number and a unit: `30d`, `12h`, `90m` or `45s`.
    public static func parse(_ text: String) throws -> Duration {
        let units: [Character: Int64] = ["d": 86_400, "h": 3_600, "m": 60, "s": 1]
        guard let unit = text.last, let seconds = units[unit], let count = Int64(text.dropLast()), count > 0,
              count <= Int64.max / 1000 / seconds
        else {
            throw DeliveryLogError("--delivery-retention: '\(text)' is not a positive whole number and a unit (d, h, m or s), e.g. 30d")
        }
        return .seconds(count * seconds)
    }

    /// How often the log deletes what expired: a 24th of the retention, between a second and an hour.
    var interval: Duration { min(.seconds(3600), max(.seconds(1), retention / 24)) }

    var retentionMilliseconds: String {
        let (seconds, attoseconds) = retention.components
        return String(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    /// The configuration of each topic the log is filled from. Status and dead letters are
    /// compacted (a delivery's latest state; a dead letter until its redrive's tombstone) and
    /// expire after the retention, like the attempts; so the log rebuilt from them holds what the
    /// log kept, and a dead letter the log lists still has its task in the log when redriven.
    func topicConfigs(_ topics: DeliveryTopics) -> [(topic: String, configs: [String: String])] {
        let expiring = ["retention.ms": retentionMilliseconds]
        return [
            (topics.status, expiring.merging(["cleanup.policy": "compact,delete"]) { $1 }),
            (topics.deadLetters, expiring.merging(["cleanup.policy": "compact,delete"]) { $1 }),
            (topics.attempts, expiring.merging(["cleanup.policy": "delete"]) { $1 }),
        ]
    }

    /// The oldest time the log keeps, in µs since the epoch.
    func cutoff(now: Date) -> Int64 {
        DeliveryLogRows.micros(now) - Int64(retentionMilliseconds)! * 1000
    }

    /// Deletes what expired every `interval` until cancelled; a failed delete is logged and tried again next time.
    func run(_ log: DeliveryLog, logger: Logger) async throws {
        while !Task.isCancelled {
            do {
                try await log.prune(before: cutoff(now: Date()))
            } catch {
                logger.warning("Deleting expired rows from the delivery log failed; trying again later", metadata: ["error": "\(error)"])
            }
            try await Task.sleep(for: interval)
        }
    }
}
