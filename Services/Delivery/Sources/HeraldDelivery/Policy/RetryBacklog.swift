public import HeraldKafka
public import HeraldCore
import Synchronization

extension RetryTiers {
    /// Tasks waiting in each tier, in `delays` order: those after this instance's consumer position
    /// (`lags`) and the one each paused partition holds (`held`), read but not attempted yet.
    public func backlog(lags: [PartitionLag], held: Set<TopicPartition>) -> [Int64] {
        topics.map { topic in
            lags.lazy.filter { $0.topicPartition.topic == topic }.reduce(0) { $0 + $1.records }
                + Int64(held.lazy.filter { $0.topic == topic }.count)
        }
    }
}

/// The partitions whose consumed task the delivery engine holds, shared with the lag reporting
/// (which runs on the consumer's poll thread) so the retry backlog counts the held tasks too.
public final class HeldPartitions: Sendable {
    private let partitions = Mutex<Set<TopicPartition>>([])

    public init() {}

    public var current: Set<TopicPartition> { partitions.withLock { $0 } }

    func set(_ partition: TopicPartition, held: Bool) {
        _ = partitions.withLock { held ? $0.insert(partition).inserted : $0.remove(partition) != nil }
    }
}
