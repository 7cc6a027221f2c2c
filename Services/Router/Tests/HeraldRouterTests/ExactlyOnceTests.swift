import Foundation
import HeraldCore
import HeraldKafka
import HeraldProtos
import HeraldRouter
import SwiftProtobuf
import HeraldTestSupport
import Testing

extension RouterIntegration {
    @Suite struct ExactlyOnceTests {
        /// `count` events with ids `prefix-n`, spread over several sources (so over partitions).
        static func events(_ prefix: String, _ range: Range<Int>) -> [EventAttributes] {
            range.map { testEvent("\(prefix)-\($0)", source: "/src/\($0 % 7)") }
        }

        /// The delivery ids every unique event should yield, once each.
        static func expectedIDs(_ events: [EventAttributes], routeID: String, endpoints: [String]) -> Set<String> {
            Set(events.flatMap { event in
                endpoints.map { DeliveryID.make(source: event.source, id: event.id, routeID: routeID, endpointID: $0) }
            })
        }

        static func checkExactlyOnce(_ tasks: [DeliveredTask], expected: Set<String>, sourceLocation: SourceLocation = #_sourceLocation) {
            let counts = Dictionary(tasks.map { ($0.task.deliveryID, 1) }, uniquingKeysWith: +)
            let repeated = counts.filter { $0.value > 1 }
            let missing = expected.subtracting(counts.keys)
            let unexpected = Set(counts.keys).subtracting(expected)
            #expect(repeated.isEmpty, "\(repeated.count) delivery ids written more than once", sourceLocation: sourceLocation)
            #expect(missing.isEmpty, "\(missing.count) of \(expected.count) expected tasks missing", sourceLocation: sourceLocation)
            #expect(unexpected.isEmpty, "\(unexpected.count) unexpected tasks", sourceLocation: sourceLocation)
            #expect(tasks.count == expected.count, sourceLocation: sourceLocation)
        }

        @Test func sigkillMidStreamThenRestartLosesNothingAndRepeatsNothing() async throws {
            let topics = RouterTopics()
            try await topics.createEvents()
            let arguments = topics.arguments(instance: RouterTestEnvironment.unique("killed"), maxBatch: 5)
            let first = try await RouterProcess.start(arguments)
            _ = try await withRouterClient(port: first.grpcPort) {
                try await $0.putRoute(.with { $0.route = route("all", endpoints: ["e1", "e2"]) })
            }
            let writer = try EventWriter(topics: topics)
            // Phase 1 is fully routed, so its keys are in the dedupe changelog before the kill.
            let phase1 = Self.events("p1", 0..<400)
            try await writer.publishAll(phase1)
            try await RouterTestEnvironment.eventually("phase 1 to be routed") { try await topics.allEventsCommitted() }
            let phase1Committed = try await topics.committedTotal()

            // Phase 2: new events interleaved with repeats of phase 1; the router dies in the middle.
            let phase2 = Self.events("p2", 0..<1500)
            var mixed: [EventAttributes] = []
            for (index, event) in phase2.enumerated() {
                mixed.append(event)
                if index < phase1.count { mixed.append(phase1[index]) }
            }
            try await writer.publishAll(mixed)
            let total = phase1Committed + Int64(mixed.count)
            try await RouterTestEnvironment.eventually("phase 2 to start") { try await topics.committedTotal() > phase1Committed }
            first.kill()
            let committedAtKill = try await topics.committedTotal()
            #expect(committedAtKill < total, "the router finished before it could be killed")

            // Same instance id: fences the dead one's transaction and takes its partitions back.
            let second = try await RouterProcess.start(arguments)
            try await RouterTestEnvironment.eventually("the restarted router to route everything") { try await topics.allEventsCommitted() }
            await writer.close()

            let tasks = try await topics.deliveredTasks()
            Self.checkExactlyOnce(tasks, expected: Self.expectedIDs(phase1 + phase2, routeID: "all", endpoints: ["e1", "e2"]))
            #expect(second.terminate() == 0, "SIGTERM ends the router with status 0")
        }

        @Test func twoInstancesShareThePartitionsAndTogetherWriteEachTaskOnce() async throws {
            var topics = RouterTopics()
            topics.partitions = 6
            try await topics.createEvents()
            let a = try await RunningRouter.start(topics.configuration(instance: RouterTestEnvironment.unique("a"), maxBatch: 50))
            let b = try await RunningRouter.start(topics.configuration(instance: RouterTestEnvironment.unique("b"), maxBatch: 50))
            _ = try await a.withClient { try await $0.putRoute(.with { $0.route = route("all", endpoints: ["e1", "e2", "e3"]) }) }
            try await RouterTestEnvironment.eventually("b to see the route") { try await b.withClient { try await $0.listRoutes(.init()).routes.count == 1 } }
            // b joined the group after a took every partition: publish once the group gave b its share.
            try await RouterTestEnvironment.eventually("b to be assigned partitions") { b.statistics.restoredAssignments > 0 }

            let writer = try EventWriter(topics: topics)
            let wave1 = Self.events("w1", 0..<1000)
            try await writer.publishAll(wave1)
            try await RouterTestEnvironment.eventually("wave 1 to be routed") { try await topics.allEventsCommitted() }
            // Wave 2 repeats half of wave 1: each repeat is dropped by whichever instance owns it.
            let wave2 = Self.events("w2", 0..<1000)
            try await writer.publishAll(wave2 + Array(wave1.prefix(500)))
            try await RouterTestEnvironment.eventually("wave 2 to be routed") { try await topics.allEventsCommitted() }
            await writer.close()

            let tasks = try await topics.deliveredTasks()
            Self.checkExactlyOnce(tasks, expected: Self.expectedIDs(wave1 + wave2, routeID: "all", endpoints: ["e1", "e2", "e3"]))
            // Every event was handled in exactly one committed transaction, by one instance or the other.
            #expect(a.statistics.handledEvents + b.statistics.handledEvents == 2500)
            #expect(a.statistics.duplicateEvents + b.statistics.duplicateEvents == 500)
            #expect(a.statistics.handledEvents > 0 && b.statistics.handledEvents > 0,
                    "a handled \(a.statistics.handledEvents), b \(b.statistics.handledEvents)")
            try await b.stop()
            try await a.stop()
        }
    }
}
