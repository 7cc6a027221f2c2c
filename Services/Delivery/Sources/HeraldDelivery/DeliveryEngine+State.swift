import Foundation
import GRPCCore
import HeraldKafka
import HeraldProtos
import SwiftProtobuf

/// What the delivery engine hands around: jobs, transaction batches and held records. Where each
/// partition stands is `PartitionProgress`, each endpoint's queue `EndpointLane`.
extension DeliveryEngine {
    /// One delivery task taken from its partition, on its way through its endpoint's lane.
    struct Job: Sendable {
        let task: Herald_V1_DeliveryTask
        let source: TopicPartition
        let offset: Int64
        /// The assignment of `source` the job was taken under (see `PartitionProgress.generation`).
        let generation: UInt64

        /// The task a consumed record carries, or why it is not one (it is dead-lettered).
        static func task(from message: KafkaMessage) throws -> Herald_V1_DeliveryTask {
            let task = try Herald_V1_DeliveryTask(serializedBytes: message.value ?? [])
            guard !task.deliveryID.isEmpty, !task.endpointID.isEmpty else { throw DeliveryAPIError(.invalidArgument, "task without delivery id or endpoint id") }
            return task
        }
    }

    /// What one transaction carries.
    struct Batch: Sendable {
        var records: [ProducerRecord] = []
        var offsets: [TopicPartitionOffset] = []
        var statuses: [Herald_V1_DeliveryRecord] = []
        var waiters: [CheckedContinuation<Void, any Error>] = []
        /// Revoked partitions whose last outcomes and final offsets this batch carries: handed on once it commits.
        var handsOn: [TopicPartition] = []

        /// Whether committing it changes anything (records, offsets) or answers anyone (waiters).
        var hasContent: Bool { !records.isEmpty || !offsets.isEmpty || !waiters.isEmpty }

        /// Adds every partition's committable offset that moved since the last batch (the lowest
        /// offset still in flight, held or dropped, else the offset after the last taken record),
        /// and takes revoked partitions with nothing in flight out of `partitions`, to be handed
        /// on once this batch commits.
        mutating func collectProgress(of partitions: inout [TopicPartition: PartitionProgress]) {
            for partition in partitions.keys {
                if let committable = partitions[partition]!.takeCommittable() {
                    offsets.append(TopicPartitionOffset(partition, offset: committable))
                }
                if partitions[partition]!.isHandedOn {
                    handsOn.append(partition)
                    partitions[partition] = nil
                }
            }
        }
    }

    enum Permit: Sendable, Hashable {
        /// Go ahead after waiting this long (the rate limit).
        case go(after: Duration)
        /// The circuit breaker is open: try again in this long.
        case refused(retryIn: Duration)
    }

    /// A record taken but not admitted yet: its partition is paused until the task is due or its
    /// endpoint's queue has room.
    struct Held {
        let job: Job
        var waitingForLane: Bool
        var timer: Task<Void, Never>?
    }
}
