import HeraldKafka
import Testing

/// `ReplayProgress` without a broker: when a replay of some partitions has caught up.
@Suite struct ReplayProgressTests {
    private let first = TopicPartition(topic: "table", partition: 0)
    private let second = TopicPartition(topic: "table", partition: 1)

    private func message(_ partition: TopicPartition, _ offset: Int64) -> KafkaConsumerEvent {
        .message(KafkaMessage(topic: partition.topic, partition: partition.partition, offset: offset, key: nil, value: nil))
    }

    /// Feeds `events` in order; returns which of them caught the replay up (`#expect` cannot
    /// call a mutating method itself).
    private func advance(_ progress: inout ReplayProgress, past events: KafkaConsumerEvent...) -> [Bool] {
        events.map { progress.advance(past: $0) }
    }

    private func end(_ partition: TopicPartition, _ offset: Int64) -> KafkaConsumerEvent {
        .endOfPartition(TopicPartitionOffset(partition, offset: offset))
    }

    @Test func partitionsWithNothingToReplayAreCaughtUpAtOnce() {
        #expect(ReplayProgress(ends: [:]).isCaughtUp)
        #expect(ReplayProgress(ends: [first: 0, second: 0]).isCaughtUp)
        // Reading resumes where an earlier run stopped: at (or past) the end, nothing is left.
        #expect(ReplayProgress(ends: [first: 5, second: 3], starts: [first: 5, second: 7]).isCaughtUp)
        #expect(ReplayProgress(ends: [first: 5], starts: [first: 4]).remaining == [first: 5])
    }

    @Test func theLastMessageBeforeTheEndCatchesUpOnlyTheLastPartition() {
        var progress = ReplayProgress(ends: [first: 3, second: 2])
        let firstPartition = advance(&progress, past: message(first, 1), message(first, 2), .partitionsAssigned([first, second]))
        #expect(firstPartition == [false, false, false])
        #expect(progress.remaining == [second: 2])
        let secondPartition = advance(&progress, past: message(second, 1))
        #expect(secondPartition == [true])
        #expect(progress.isCaughtUp)
        // Caught up once: later records do not report it again.
        let later = advance(&progress, past: message(second, 2))
        #expect(later == [false])
    }

    /// A transactional partition ends in a commit marker no consumer receives: only the
    /// end-of-partition offset reaches its end.
    @Test func anEndOfPartitionPastTheLastMessageCatchesUp() {
        var progress = ReplayProgress(ends: [first: 4])
        let caughtUp = advance(&progress, past: message(first, 2), end(first, 3), end(first, 4))
        #expect(caughtUp == [false, false, true])
    }

    @Test func otherPartitionsDoNotCount() {
        var progress = ReplayProgress(ends: [first: 1])
        let caughtUp = advance(&progress, past: message(second, 9), end(TopicPartition(topic: "other", partition: 0), 9))
        #expect(caughtUp == [false, false])
        #expect(progress.remaining == [first: 1])
    }
}
