import Foundation
import HeraldCore
import HeraldDelivery
import HeraldKafka
import HeraldProtos
import HeraldTestSupport
import SwiftProtobuf
import Testing

/// How long a retry task may hold its partition, decided without I/O.
@Suite struct RetryHoldTests {
    @Test func aTaskDueWithinItsTierIsHeldUntilDue() {
        #expect(RetryHold.consumed(remaining: .zero, horizon: .seconds(5)) == .attempt)
        #expect(RetryHold.consumed(remaining: .milliseconds(1), horizon: .seconds(5)) == .attempt)
        #expect(RetryHold.consumed(remaining: .seconds(3), horizon: .seconds(5)) == .hold(.seconds(3)))
        #expect(RetryHold.consumed(remaining: .seconds(5), horizon: .seconds(5)) == .hold(.seconds(5)))
    }

    @Test func aTaskDueBeyondItsTierHoldsThePartitionForTheTiersDelayOnly() {
        // A retry-after of an hour read from a 5 s tier: every task behind it is due within 5 s of being written.
        #expect(RetryHold.consumed(remaining: .seconds(3600), horizon: .seconds(5)) == .holdThenRequeue(.seconds(5)))
        // Beyond the longest tier (8 h), as a 24 h retry-after is.
        #expect(RetryHold.consumed(remaining: .seconds(86_400), horizon: .seconds(28_800)) == .holdThenRequeue(.seconds(28_800)))
        // A topic that is no tier (a first attempt with a not_before) holds until due.
        #expect(RetryHold.consumed(remaining: .seconds(3600), horizon: nil) == .hold(.seconds(3600)))
    }

    @Test func afterItsHoldATaskNotDueGoesToTheTierOfItsRemainingWait() {
        let tiers = RetryTiers()
        #expect(RetryHold.expired(remaining: .zero, tiers: tiers) == .attempt)
        #expect(RetryHold.expired(remaining: .seconds(3595), tiers: tiers) == .requeue(tier: tiers.tier(for: .seconds(1800))))
        #expect(RetryHold.expired(remaining: .seconds(2), tiers: tiers) == .requeue(tier: 0))
        #expect(RetryHold.expired(remaining: .seconds(57_600), tiers: tiers) == .requeue(tier: tiers.delays.count - 1))
    }

    @Test func remainingIsRoundedUpAndNeverNegative() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(RetryHold.remaining(until: now.addingTimeInterval(-5), now: now) == .zero)
        #expect(RetryHold.remaining(until: now.addingTimeInterval(1.0004), now: now) == .milliseconds(1001))
    }

    @Test func eachTierTopicHasItsDelayAsHorizon() {
        let tiers = RetryTiers(delays: [.seconds(30), .seconds(5)], topicPrefix: "p")
        #expect(tiers.horizon(ofTopic: "p.5s") == .seconds(5))
        #expect(tiers.horizon(ofTopic: "p.30s") == .seconds(30))
        #expect(tiers.horizon(ofTopic: "herald.deliveries") == nil)
    }

    @Test func theBacklogCountsTheTasksHeldBesideTheLag() {
        let tiers = RetryTiers(delays: [.seconds(5), .seconds(30)], topicPrefix: "p")
        let lags = [PartitionLag(TopicPartition(topic: "p.5s", partition: 0), records: 2),
                    PartitionLag(TopicPartition(topic: "p.5s", partition: 1), records: 1),
                    PartitionLag(TopicPartition(topic: "other", partition: 0), records: 9)]
        let held: Set = [TopicPartition(topic: "p.5s", partition: 1), TopicPartition(topic: "p.30s", partition: 2),
                         TopicPartition(topic: "other", partition: 0)]
        #expect(tiers.backlog(lags: lags, held: held) == [4, 1])
    }
}

extension DeliveryIntegration {
    @Suite struct RetryHoldIntegrationTests {
        /// One tier of 1 s on one partition, so both endpoints' retries share a partition: endpoint A
        /// answers 503 with `Retry-After: 3600` first, endpoint B 503 then 200 on a 1 s schedule. B's
        /// retry lies behind A's, which must not hold the partition for the hour it asked for.
        @Test func aLongRetryAfterDoesNotDelayAnotherEndpointsRetry() async throws {
            let stack = try await DeliveryStack.start(names: DeliveryNames(retrySchedule: [.seconds(1)]), partitions: 1, maxAttempts: 5)
            let patient = try await Receiver.start { _ in .status(503, retryAfter: "3600") }
            let flaky = try await Receiver.start { $0 == 0 ? .status(503) : .status(200) }
            _ = try await stack.putEndpoint("a", url: patient.url)
            _ = try await stack.putEndpoint("b", url: flaky.url)
            try await stack.produce([stack.task(event: "a-1", endpoint: "a")])
            try await stack.waitFor(.retrying, events: ["a-1"])
            try await stack.produce([stack.task(event: "b-1", endpoint: "b")])

            try await stack.waitFor(.succeeded, events: ["b-1"], within: .seconds(60))
            #expect(flaky.received.count == 2)
            // A is parked, not attempted before its hour is up.
            #expect(patient.received.count == 1)
            let a = try #require(try await stack.deliveries(id: "a-1").first)
            #expect(a.state == .retrying && a.attempts == 1)
            #expect(a.nextAttemptAt.date.timeIntervalSince(a.updatedAt.date) >= 3599)
            try await patient.stop()
            try await flaky.stop()
            try await stack.stop()
        }
    }
}
