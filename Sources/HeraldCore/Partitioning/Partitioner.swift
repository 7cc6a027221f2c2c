/// Chooses the partition of each event according to a `PartitionStrategy`. A value type with no
/// I/O: the same sequence of events and partition counts always yields the same partitions.
///
/// Ordering: `type-source` keeps every (type, source) in one partition. `adaptive` does the same for
/// keys that are not hot; a hot key's events go to `(base + h mod k) mod n`, where `base` is the key's
/// `type-source` partition and `h` the murmur2 of `type|source|subject`, so each subject stays on one
/// partition. The trade-off: when a key turns hot (or cold again) its subjects move, and an event
/// published just after the switch may be consumed before one published just before it. Order per
/// subject holds again from the switch on; order across subjects of a hot key is given up. Callers
/// that need strict (type, source) order must use `type-source`.
public struct Partitioner: Sendable {
    public let strategy: PartitionStrategy
    private var window: TrafficWindow?

    public init(strategy: PartitionStrategy = .typeSource) {
        self.strategy = strategy
        if case .adaptive(let configuration) = strategy.kind {
            window = TrafficWindow(capacity: configuration.windowSize)
        }
    }

    /// The Kafka record key: `type|source` (docs/ARCHITECTURE.md §2), or `type|source|subject` under
    /// `type-source-subject`, so a Java or librdkafka producer using the same key agrees on the
    /// partition. Adaptive keeps `type|source` and sets the partition explicitly.
    public func recordKey(for event: EventAttributes) -> String {
        switch strategy.kind {
        case .typeSource, .adaptive: Self.typeSourceKey(event)
        case .typeSourceSubject: Self.typeSourceKey(event) + "|" + event.subject
        }
    }

    /// The partition for `event` in a topic of `partitionCount` partitions. `mutating` because the
    /// adaptive strategy counts the event in its traffic window.
    public mutating func partition(for event: EventAttributes, partitionCount: Int) -> Int32 {
        precondition(partitionCount > 0, "partition count must be positive")
        switch strategy.kind {
        case .typeSource, .typeSourceSubject:
            return Murmur2.partition(forKey: recordKey(for: event), partitionCount: partitionCount)
        case .adaptive(let configuration):
            let key = Self.typeSourceKey(event)
            let enterCount = max(1, Int((configuration.hotThreshold * Double(configuration.windowSize) / Double(partitionCount)).rounded(.up)))
            let isHot = window!.record(key, enterCount: enterCount)
            let base = Murmur2.partition(forKey: key, partitionCount: partitionCount)
            guard isHot else { return base }
            let width = min(configuration.spreadWidth ?? partitionCount, partitionCount)
            let offset = Murmur2.partition(forKey: key + "|" + event.subject, partitionCount: width)
            return Int32((Int(base) + Int(offset)) % partitionCount)
        }
    }

    /// `type|source` keys the adaptive strategy currently spreads (empty for the other strategies).
    public var hotKeys: Set<String> { window?.hotKeys ?? [] }

    private static func typeSourceKey(_ event: EventAttributes) -> String {
        event.type + "|" + event.source
    }
}
