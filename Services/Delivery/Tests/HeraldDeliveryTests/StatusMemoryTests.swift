import Foundation
import HeraldDelivery
import HeraldProtos
import HeraldTestSupport
import Testing

extension DeliveryIntegration {
    /// Memory follows the deliveries in progress, not the history: a finished delivery's status is
    /// answered by the delivery log, including when a task of it is consumed again.
    @Suite struct StatusMemoryTests {
        @Test func finishedDeliveriesLeaveMemoryAndATaskOfOneConsumedAgainAfterARestartIsStillSkipped() async throws {
            let dataDirectory = TestEnvironment.temporaryDirectory("delivery-data")
            let first = try await DeliveryStack.start(dataDirectory: dataDirectory)
            let receiver = try await Receiver.start()
            _ = try await first.putEndpoint("hook", url: receiver.url)
            let events = (1...5).map { "e-\($0)" }
            let tasks = events.map { first.task(event: $0, endpoint: "hook") }
            try await first.produce(tasks)
            try await first.waitFor(.succeeded, events: events)
            try await TestEnvironment.eventually("finished deliveries out of memory", within: .seconds(30)) {
                first.server.deliveriesInMemory == 0
            }
            // Restarted: nothing of this instance's own statuses is remembered, so only the log knows.
            try await first.group.stop()
            let stack = try await DeliveryStack.start(names: first.names, registry: first.registry, instanceID: first.instanceID,
                                                      dataDirectory: dataDirectory)
            #expect(stack.server.deliveriesInMemory == 0)

            // The same task again (as after a send whose revocation was not acknowledged in time),
            // then a new one behind it on the same partition (tasks are keyed by endpoint).
            try await stack.produce([tasks[0], stack.task(event: "e-6", endpoint: "hook")])
            try await stack.waitFor(.succeeded, events: ["e-6"])
            let received = receiver.received.map(\.webhookID)
            #expect(received.count == 6, "the repeated task is skipped: \(received)")
            #expect(Set(received) == Set((tasks + [stack.task(event: "e-6", endpoint: "hook")]).map(\.deliveryID)))
            try await receiver.stop()
            try await stack.stop()
        }
    }
}
