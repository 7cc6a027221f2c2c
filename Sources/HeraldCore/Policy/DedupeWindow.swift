/// The (source, id) keys of one `herald.events` partition seen within the retention, with the time
/// each was first seen: the in-memory side of the `herald.router-dedupe` changelog.
///
/// Pure state: the router restores it from the changelog partition, asks `contains` for each
/// event, `insert`s the keys of a committed batch, and turns `expire(now:)` into tombstones.
public struct DedupeWindow: Sendable {
    public let retentionMilliseconds: Int64
    private var firstSeen: [String: Int64] = [:]
    /// Insertion order for pruning; an entry whose time no longer matches `firstSeen` is stale.
    private var order: [(key: String, time: Int64)] = []
    private var head = 0

    public init(retentionMilliseconds: Int64) {
        self.retentionMilliseconds = retentionMilliseconds
    }

    public var count: Int { firstSeen.count }

    public func contains(_ key: String) -> Bool { firstSeen[key] != nil }

    public func firstSeen(_ key: String) -> Int64? { firstSeen[key] }

    /// Records `key` as seen at `time` (milliseconds since the epoch).
    public mutating func insert(_ key: String, at time: Int64) {
        firstSeen[key] = time
        order.append((key, time))
    }

    /// Forgets `key` (a tombstone in the changelog).
    public mutating func remove(_ key: String) {
        firstSeen[key] = nil
    }

    /// Applies one changelog record: a value is the first-seen time, no value deletes the key.
    public mutating func apply(key: String, value: [UInt8]?) {
        guard let value else { return remove(key) }
        insert(key, at: DedupeRecord.time(from: value) ?? 0)
    }

    /// Removes and returns up to `limit` keys first seen at or before `now - retention`, oldest first.
    public mutating func expire(now: Int64, limit: Int = .max) -> [String] {
        let cutoff = now - retentionMilliseconds
        var expired: [String] = []
        while head < order.count, expired.count < limit, order[head].time <= cutoff {
            let (key, time) = order[head]
            head += 1
            if firstSeen[key] == time {
                firstSeen[key] = nil
                expired.append(key)
            }
        }
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
        return expired
    }
}

/// The changelog's record format: key `source|id`, value the first-seen time as decimal
/// milliseconds since the epoch (readable with any Kafka tool), tombstone to forget.
public enum DedupeRecord {
    public static func key(source: String, id: String) -> String { source + "|" + id }

    public static func value(time: Int64) -> [UInt8] { Array(String(time).utf8) }

    public static func time(from value: [UInt8]) -> Int64? {
        Int64(String(decoding: value, as: UTF8.self))
    }
}
