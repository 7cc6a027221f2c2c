import Foundation
import HeraldCore
import HeraldKafka
import HeraldProtos
import SwiftProtobuf
import Testing
@testable import HeraldDelivery

/// Per-partition progress (the lowest committable offset) and per-endpoint lanes, without a broker.
@Suite struct DeliveryLanesTests {
    static let source = TopicPartition(topic: "herald.deliveries", partition: 0)

    static func job(_ offset: Int64, partition: Int32 = 0) -> DeliveryEngine.Job {
        DeliveryEngine.Job(task: .with { $0.endpointID = "ep" }, source: TopicPartition(topic: "herald.deliveries", partition: partition),
                           offset: offset, generation: 1)
    }

    @Test func theCommittableOffsetIsTheLowestInFlightOrDroppedElseTheNextToTake() {
        var progress = PartitionProgress(generation: 1)
        #expect(progress.committable == nil)
        progress.next = 13
        #expect(progress.committable == 13)
        progress.inFlight = [11, 12]
        #expect(progress.committable == 11)
        progress.drop(12)
        #expect(progress.committable == 11)
        progress.inFlight.remove(11)
        #expect(progress.committable == 12, "a dropped task is read again by the next owner")
    }

    @Test func anOffsetIsCommittedOnceUntilItMoves() {
        var progress = PartitionProgress(generation: 1)
        progress.next = 5
        let first = progress.takeCommittable(), again = progress.takeCommittable()
        progress.next = 6
        let moved = progress.takeCommittable()
        #expect(first == 5 && again == nil && moved == 6)
    }

    @Test func aRevokedPartitionIsHandedOnOnceNothingIsInFlight() {
        var progress = PartitionProgress(generation: 1)
        progress.inFlight = [3]
        progress.revoked = true
        #expect(!progress.isHandedOn)
        progress.inFlight.remove(3)
        #expect(progress.isHandedOn)
    }

    @Test func aLaneHandsOutJobsInArrivalOrderAcrossCompaction() {
        var lane = EndpointLane(breaker: CircuitBreaker())
        for offset in 0..<200 { _ = lane.enqueue(Self.job(Int64(offset)), capacity: .max) }
        var popped: [Int64] = []
        for _ in 0..<150 { popped.append(lane.pop()!.offset) }
        for offset in 200..<210 { _ = lane.enqueue(Self.job(Int64(offset)), capacity: .max) }
        while let job = lane.pop() { popped.append(job.offset) }
        #expect(popped == (0..<210).map(Int64.init))
        #expect(lane.queued == 0)
    }

    @Test func revokedPartitionsLeaveTheQueueAndTheRestKeepTheirOrder() {
        var lane = EndpointLane(breaker: CircuitBreaker())
        for offset in 0..<6 { _ = lane.enqueue(Self.job(Int64(offset), partition: Int32(offset % 2)), capacity: .max) }
        _ = lane.pop()
        let removed = lane.removeQueued { $0.source.partition == 1 }
        #expect(removed.map(\.offset) == [1, 3, 5])
        #expect(lane.queued == 2)
        let next = [lane.pop()?.offset, lane.pop()?.offset]
        #expect(next == [2, 4])
    }

    @Test func anOpenBreakerRefusesBeforeTheRateLimitIsAsked() {
        let start = ContinuousClock.now
        var lane = EndpointLane(breaker: CircuitBreaker(failureThreshold: 1, openDuration: .seconds(10)))
        var permits = (0..<3).map { _ in lane.permit(ratePerSecond: 2, now: start) }
        lane.breaker.recordFailure(now: start)
        permits.append(lane.permit(ratePerSecond: 2, now: start + .seconds(4)))
        permits.append(lane.permit(ratePerSecond: 0, now: start + .seconds(10)))
        #expect(permits == [.go(after: .zero), .go(after: .zero), .go(after: .milliseconds(500)),
                            .refused(retryIn: .seconds(6)), .go(after: .zero)], "the last is the probe, unlimited")
    }

    @Test func aFullLaneRefusesAndAtMostConcurrencyJobsRun() {
        var lane = EndpointLane(breaker: CircuitBreaker())
        let accepted = (0..<4).map { lane.enqueue(Self.job(Int64($0)), capacity: 3) }
        #expect(accepted == [true, true, true, false])
        let started = lane.start(upTo: 2)
        #expect(started.map(\.offset) == [0, 1] && lane.running == 2 && lane.queued == 1)
        let none = lane.start(upTo: 2)
        lane.running -= 1
        let next = lane.start(upTo: 2)
        #expect(none.isEmpty && next.map(\.offset) == [2])
    }

    @Test func aBatchCommitsOnlyMovedOffsetsAndHandsOnIdleRevokedPartitions() {
        let other = TopicPartition(topic: "herald.deliveries", partition: 1)
        var partitions = [Self.source: PartitionProgress(generation: 1), other: PartitionProgress(generation: 2)]
        partitions[Self.source]!.next = 8
        partitions[Self.source]!.inFlight = [6]
        partitions[other]!.next = 3
        partitions[other]!.revoked = true
        var batch = DeliveryEngine.Batch()
        batch.collectProgress(of: &partitions)
        #expect(Set(batch.offsets) == [TopicPartitionOffset(Self.source, offset: 6), TopicPartitionOffset(other, offset: 3)])
        #expect(batch.handsOn == [other] && partitions.keys.sorted { $0.partition < $1.partition } == [Self.source])
        #expect(batch.hasContent)
        var again = DeliveryEngine.Batch()
        again.collectProgress(of: &partitions)
        #expect(again.offsets.isEmpty && !again.hasContent)
    }

    @Test func anUndecodableRecordIsNotATask() throws {
        let message = KafkaMessage(topic: "t", partition: 0, offset: 0, key: nil, value: [0xff, 0xff])
        #expect(throws: (any Error).self) { try DeliveryEngine.Job.task(from: message) }
        let noEndpoint = KafkaMessage(topic: "t", partition: 0, offset: 0, key: nil, value: try Herald_V1_DeliveryTask.with { $0.deliveryID = "d" }.serializedBytes())
        #expect(throws: DeliveryAPIError.self) { try DeliveryEngine.Job.task(from: noEndpoint) }
    }

    @Test func recentStatusesAnswerUntilTheTableShowsTheSame() {
        var recent = RecentStatuses()
        let mine = Herald_V1_DeliveryRecord.with { $0.deliveryID = "d"; $0.state = .retrying; $0.attempts = 1 }
        let older = Herald_V1_DeliveryRecord.with { $0.deliveryID = "d"; $0.state = .pending }
        recent.remember([mine]) { _ in nil }
        let beforeTable = recent.latest("d", stored: older)
        let once = recent.latest("d", stored: mine)
        #expect(beforeTable == mine && once == mine && recent.count == 0)
        let task = Herald_V1_DeliveryTask.with { $0.attempt = 0 }
        #expect(RecentStatuses.alreadyProcessed(task, latest: mine) == .retrying, "attempt 1's outcome is committed")
        #expect(RecentStatuses.alreadyProcessed(Herald_V1_DeliveryTask.with { $0.attempt = 1 }, latest: mine) == nil)
        #expect(RecentStatuses.alreadyProcessed(task, latest: older) == nil)
        #expect(RecentStatuses.alreadyProcessed(task, latest: .with { $0.state = .succeeded }) == .succeeded)
    }

    @Test func onlyDeliveriesInProgressAreKeptInMemory() {
        let states: [Herald_V1_DeliveryState: Bool] = [.pending: true, .retrying: true, .succeeded: false, .dead: false]
        for (state, kept) in states {
            #expect(RecentStatuses.inProgress(.with { $0.state = state }) == kept, "\(state)")
        }
    }

    @Test func pastTheThresholdRecentStatusesForgetFinishedAndStoredOnesButNotTheNewestBatch() {
        var recent = RecentStatuses()
        func record(_ id: String, _ state: Herald_V1_DeliveryState) -> Herald_V1_DeliveryRecord {
            .with { $0.deliveryID = id; $0.state = state; $0.attempts = 1 }
        }
        let finished = (0..<5_000).map { record("done-\($0)", .succeeded) }
        let inTable = (0..<4_000).map { record("shown-\($0)", .retrying) }
        let notYetInTable = (0..<1_000).map { record("ahead-\($0)", .retrying) }
        let table = Dictionary(uniqueKeysWithValues: inTable.map { ($0.deliveryID, $0) })
        recent.remember(finished + inTable + notYetInTable) { table[$0] }
        #expect(recent.count == 10_000, "at the threshold nothing is forgotten")
        let newest = [record("done-new", .dead), record("ahead-new", .pending)]
        recent.remember(newest) { table[$0] }
        #expect(recent.count == 1_002, "the ones ahead of the table, and the newest batch")
        #expect(recent.latest("done-new", stored: nil) == newest[0])
        #expect(recent.latest("ahead-7", stored: nil) == notYetInTable[7])
        #expect(recent.latest("done-7", stored: nil) == nil)
    }
}
