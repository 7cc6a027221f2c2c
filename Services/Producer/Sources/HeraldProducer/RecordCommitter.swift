public import GRPCCore
public import HeraldCore
public import HeraldKafka
import Synchronization

/// Where the Producer API hands the records of accepted events: `GroupCommitter` (Kafka
/// transactions shared by concurrent calls) in the service, `MemoryRecordCommitter` where its
/// handlers run without a broker.
protocol RecordCommitter: Sendable {
    /// Records, bytes and linger of one transaction.
    var configuration: GroupCommitBatcher<GroupCommitter.Submission>.Configuration { get }
    /// Queues `records` for a transaction (all of them in the same one) without waiting: `reply`
    /// gets their reports once it committed, or the error that failed it. Submissions are written
    /// in the order they are made.
    func submit(_ records: [ProducerRecord], reply: @escaping @Sendable (Result<[DeliveryReport], any Error>) -> Void)
}

extension RecordCommitter {
    /// Writes `records` in the next transaction; returns their reports once it committed.
    func publish(_ records: [ProducerRecord]) async throws -> [DeliveryReport] {
        try await withCheckedThrowingContinuation { continuation in
            submit(records) { continuation.resume(with: $0) }
        }
    }
}

/// Commits every submission at once, in memory: its records are kept in the order they were
/// submitted and each gets the next offset of its partition. For exercising the Producer API's
/// request handling (the fuzz targets) without a broker.
public final class MemoryRecordCommitter: RecordCommitter {
    let configuration: GroupCommitBatcher<GroupCommitter.Submission>.Configuration
    private let log = Mutex<[ProducerRecord]>([])

    public init(maxRecords: Int = 1000, maxBytes: Int = 4 << 20) {
        configuration = .init(maxCount: maxRecords, maxBytes: maxBytes, linger: .zero)
    }

    /// Every record committed so far, in order.
    public var committed: [ProducerRecord] { log.withLock { $0 } }

    public func clear() { log.withLock { $0 = [] } }

    func submit(_ records: [ProducerRecord], reply: @escaping @Sendable (Result<[DeliveryReport], any Error>) -> Void) {
        let reports = log.withLock { log in
            records.map { record in
                let offset = log.count(where: { $0.topic == record.topic && $0.partition == record.partition })
                log.append(record)
                return DeliveryReport(topic: record.topic, partition: record.partition ?? 0, offset: Int64(offset))
            }
        }
        reply(.success(reports))
    }
}

extension ProducerServer {
    /// `herald.v1.Producer` over `encoder`, committing into `committer`, partitioning over
    /// `partitions` with the default strategy: the service's handlers without a broker.
    public static func producerService(encoder: EventEncoder, committer: MemoryRecordCommitter, topic: String, partitions: Int) -> any RegistrableRPCService {
        ProducerGRPCService(
            encoder: encoder, committer: committer, topic: topic, partitionCount: partitions,
            partitioner: SharedPartitioner(Partitioner()), streamWindow: 64)
    }
}
