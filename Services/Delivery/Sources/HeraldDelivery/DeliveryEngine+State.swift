import Foundation
import GRPCCore
import HeraldCore
import HeraldKafka
import HeraldProtos
import Logging
import Metrics
import SwiftProtobuf

/// What the delivery engine tracks: jobs, transaction batches, held records, partitions and endpoint lanes.
extension DeliveryEngine {
    struct Job: Sendable {
        let task: Herald_V1_DeliveryTask
        let source: TopicPartition
        let offset: Int64
        /// The assignment of `source` the job was taken under (see `PartitionState.generation`).
        let generation: UInt64
    }

    /// What one transaction carries.
    struct Batch: Sendable {
        var records: [ProducerRecord] = []
        var offsets: [TopicPartitionOffset] = []
        var statuses: [Herald_V1_DeliveryRecord] = []
        var waiters: [CheckedContinuation<Void, any Error>] = []
        /// Revoked partitions whose last outcomes and final offsets this batch carries: handed on once it commits.
        var handsOn: [TopicPartition] = []
    }

    struct Held {
        let job: Job
        var waitingForLane: Bool
        var timer: Task<Void, Never>?
    }

    struct PartitionState {
        /// Tells this assignment of the partition from earlier ones, so that a send taken under an
        /// earlier one (whose revocation was not acknowledged in time) finishing late changes nothing here.
        let generation: UInt64
        var inFlight: Set<Int64> = []
        /// Offset after the last message taken.
        var next: Int64?
        var committed: Int64?
        var held: Held?
        /// Revoked: no more records are taken, and the partition is handed on once its sends in
        /// flight have finished and their outcomes and its final offset are committed.
        var revoked = false
        /// The lowest offset of a task dropped at revocation without an attempt: the committed
        /// offset stays at or below it, so the next owner reads the task again.
        var dropped: Int64?

        /// The lowest offset still in flight, held or dropped, else the offset after the last taken record.
        var committable: Int64? {
            switch (inFlight.min(), dropped) {
            case (let a?, let b?): min(a, b)
            case (let a?, nil): a
            case (nil, let b?): b
            case (nil, nil): next
            }
        }
    }

    struct Lane {
        var running = 0
        var queue: [Job] = []
        var head = 0
        var bucket: TokenBucket?
        var breaker: CircuitBreaker
        var disabled = false

        var queued: Int { queue.count - head }
        mutating func pop() -> Job? {
            guard head < queue.count else { return nil }
            defer {
                head += 1
                if head > 64 && head * 2 > queue.count { queue.removeFirst(head); head = 0 }
            }
            return queue[head]
        }
    }
}
