import HeraldKafka

/// Whether a delivery log may continue from the offsets it recorded, decided from those offsets
/// and where the followed partitions end now. The log is a copy of its topics: once they were
/// recreated (a fresh broker under an old `--data-dir`, a cluster rebuilt), its rows describe
/// deliveries that no longer exist, and the engine, which asks the log whether a delivery already
/// finished, would skip the new ones that reuse their ids. Such a log is emptied and rebuilt.
enum DeliveryLogRestorePlan: Equatable {
    /// Continue each partition from its recorded offset.
    case resume
    /// Empty the log and read every partition from its beginning.
    case rebuild(reason: String)

    /// - Parameters:
    ///   - recorded: the log's next offset per partition (of every topic it ever followed).
    ///   - ends: the offset after the last record of every partition of the followed topics now.
    static func decide(recorded: [TopicPartition: Int64], ends: [TopicPartition: Int64]) -> DeliveryLogRestorePlan {
        let followedTopics = Set(ends.keys.map(\.topic))
        let order = { (a: TopicPartition, b: TopicPartition) in (a.topic, a.partition) < (b.topic, b.partition) }
        for (partition, offset) in recorded.sorted(by: { order($0.key, $1.key) }) where followedTopics.contains(partition.topic) {
            guard let end = ends[partition] else {
                return .rebuild(reason: "\(partition) was applied to the log but no longer exists (the topic was recreated with fewer partitions)")
            }
            if offset > end {
                return .rebuild(reason: "\(partition) ends at \(end), before the log's offset \(offset) (the topic was recreated)")
            }
        }
        return .resume
    }
}
