public import Foundation

/// Which audit records `herald audit` shows: those from `since` on, the newest `limit` of them,
/// oldest first.
public struct AuditQuery: Sendable, Hashable {
    public var since: Date?
    public var limit: Int

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public init(since: Date? = nil, limit: Int = 100) {
        self.since = since
        self.limit = limit
    }

    /// - Parameter since: an RFC 3339 time (`2026-03-01T12:00:00Z`, fractional seconds allowed)
    ///   or a span back from `now`: a positive whole number with `s`, `m`, `h` or `d` (`90s`, `7d`).
    public init(since: String?, limit: Int, now: Date) throws(Invalid) {
        guard limit > 0 else { throw Invalid(description: "--limit must be positive, got \(limit)") }
        self.limit = limit
        guard let since else { self.since = nil; return }
        if let span = Self.span(since) {
            self.since = now.addingTimeInterval(-span)
        } else if let date = (try? Date.ISO8601FormatStyle().parse(since)) ?? AuditRecord.parse(since) {
            self.since = date
        } else {
            throw Invalid(description: "--since '\(since)': give an RFC 3339 time (2026-03-01T12:00:00Z) or a span back from now (90s, 15m, 2h, 7d)")
        }
    }

    /// The records this query shows, oldest first.
    public func select(_ records: [AuditRecord]) -> [AuditRecord] {
        let chosen = records.filter { record in since.map { record.time >= $0 } ?? true }.sorted { $0.time < $1.time }
        return Array(chosen.suffix(limit))
    }

    private static func span(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let count = Int(text.dropLast()), count > 0 else { return nil }
        let seconds: Int? = switch unit {
        case "s": 1
        case "m": 60
        case "h": 3600
        case "d": 86400
        default: nil
        }
        return seconds.map { TimeInterval(count * $0) }
    }
}
