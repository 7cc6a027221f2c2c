@testable import HeraldDelivery
import HeraldKafka
import Testing

@Suite struct DeliveryLogRestorePlanTests {
    let status0 = TopicPartition(topic: "herald.delivery-status", partition: 0)
    let status1 = TopicPartition(topic: "herald.delivery-status", partition: 1)
    let attempts0 = TopicPartition(topic: "herald.delivery-attempts", partition: 0)

    @Test func aLogBehindOrAtItsTopicsResumes() {
        #expect(DeliveryLogRestorePlan.decide(recorded: [:], ends: [status0: 10]) == .resume)
        #expect(DeliveryLogRestorePlan.decide(recorded: [status0: 4, attempts0: 9], ends: [status0: 10, attempts0: 9]) == .resume)
    }

    @Test func anOffsetPastItsPartitionsEndRebuilds() {
        let plan = DeliveryLogRestorePlan.decide(recorded: [status0: 4, attempts0: 12], ends: [status0: 10, attempts0: 3])
        #expect(plan == .rebuild(reason: "herald.delivery-attempts[0] ends at 3, before the log's offset 12 (the topic was recreated)"))
    }

    @Test func aPartitionThatNoLongerExistsRebuilds() {
        guard case .rebuild(let reason) = DeliveryLogRestorePlan.decide(recorded: [status0: 1, status1: 2], ends: [status0: 5]) else {
            Issue.record("expected a rebuild")
            return
        }
        #expect(reason.contains("herald.delivery-status[1]"))
    }

    @Test func offsetsOfTopicsNoLongerFollowedAreIgnored() {
        let other = TopicPartition(topic: "old.delivery-status", partition: 0)
        #expect(DeliveryLogRestorePlan.decide(recorded: [other: 500, status0: 1], ends: [status0: 5]) == .resume)
    }
}
