import Foundation
import GRPCCore
import HeraldKafka
import HeraldProtos
import Logging
import Metrics
import SwiftProtobuf

/// Handing outcomes and offsets to the committer, and shutting down.
extension DeliveryEngine {
    // MARK: Committer

    func markDirty() {
        offsetsDirty = true
        wakeCommitter()
    }

    func wakeCommitter() {
        guard let waiter = committerWaiter, let batch = takeBatch() else { return }
        committerWaiter = nil
        waiter.resume(returning: batch)
    }

    /// The next transaction's content: pending outcomes and every partition's committable offset
    /// (the lowest offset still in flight, held or dropped, else the offset after the last taken
    /// record). A revoked partition with nothing in flight leaves the engine here: the batch hands
    /// it on once committed, or, when there is nothing to commit, it is handed on at once. Called
    /// only while no batch is committing, so every earlier outcome of it is committed by then.
    func takeBatch() -> Batch? {
        var batch = pending
        batch.collectProgress(of: &partitions)
        guard batch.hasContent else {
            offsetsDirty = false
            handOn(batch.handsOn)
            return nil
        }
        pending = Batch()
        offsetsDirty = false
        // Known from now on, ahead of the commit and of the status table: a record this batch writes
        // (e.g. a redriven task) may be consumed the moment the commit lands. A failed commit stops
        // the engine, so nothing acts on a status that never committed.
        recent.remember(batch.statuses) { status[$0] }
        return batch
    }

    /// Waits for work; `nil` once draining is over and everything is committed.
    func nextBatch() async -> Batch? {
        if let batch = takeBatch() { return batch }
        if draining && jobsFinished { return nil }
        return await withCheckedContinuation { continuation in
            committerWaiter = continuation
        }
    }

    func committed(_ batch: Batch) {
        for waiter in batch.waiters { waiter.resume() }
        handOn(batch.handsOn)
    }

    func failed(_ batch: Batch, error: any Error) {
        for waiter in batch.waiters { waiter.resume(throwing: DeliveryAPIError(.unavailable, "the transaction failed: \(error)")) }
        // The engine stops: what was not committed is dropped, and the next owners read it again.
        handOn(Array(revoking))
        draining = true
        jobs.finish()
        jobsFinished = true
        for waiter in pending.waiters { waiter.resume(throwing: DeliveryAPIError(.unavailable, "the delivery service stopped")) }
        pending = Batch()
    }

    // MARK: Shutdown

    /// Stops intake: held records are dropped (their offsets stay uncommitted), queued tasks still run.
    func stopIntake() {
        draining = true
        for partition in partitions.keys {
            partitions[partition]!.held?.timer?.cancel()
            release(partition)
        }
        finishJobsIfIdle()
    }

    func finishJobsIfIdle() {
        guard draining, !jobsFinished, lanes.values.allSatisfy({ $0.running == 0 && $0.queued == 0 }) else { return }
        jobsFinished = true
        jobs.finish()
        if let waiter = committerWaiter {
            committerWaiter = nil
            waiter.resume(returning: takeBatch())
        }
    }
}
