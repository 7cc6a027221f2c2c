import HeraldKafka
import Logging

/// Applies pauses and resumes to the consumer in the order the engine asked for them. Each call
/// leaves the engine's actor while it waits, so without the chain a resume decided during a
/// pause's wait could reach the consumer first and leave the partition paused for good.
struct PartitionControlChain {
    /// The last pause or resume handed to the consumer.
    private var last: Task<Void, Never>?

    /// Runs `operation` once every earlier one has finished; a failure is logged, not thrown.
    mutating func append(_ action: String, _ source: TopicPartition, on consumer: KafkaConsumer, logger: Logger,
                         _ operation: @escaping @Sendable (KafkaConsumer) async throws -> Void) -> Task<Void, Never> {
        let previous = last
        let next = Task {
            await previous?.value
            do { try await operation(consumer) } catch {
                logger.error("\(action) a partition failed", metadata: ["kafka.partition": "\(source)", "error": "\(error)"])
            }
        }
        last = next
        return next
    }
}
