import Foundation
import HeraldCore
import HeraldProtos
import HeraldRouter
import HeraldTestSupport
import SwiftProtobuf
import Testing

extension RouterIntegration {
    /// The router's on-disk de-duplication stores across restarts, against the real broker.
    @Suite struct DedupeStoreRestartTests {
        static func events(_ range: Range<Int>) -> [EventAttributes] { range.map { testEvent("evt-\($0)") } }

        /// Runs a router on `topics` that routes `events` (to one endpoint) and stops gracefully.
        static func routeAndStop(_ topics: RouterTopics, instance: String, events: [EventAttributes]) async throws {
            let router = try await RunningRouter.start(topics.configuration(instance: instance, maxBatch: 50))
            _ = try await router.withClient { try await $0.putRoute(.with { $0.route = route("all", endpoints: ["e1"]) }) }
            let writer = try EventWriter(topics: topics)
            try await writer.publishAll(events)
            await writer.close()
            try await RouterTestEnvironment.eventually("the first router to route everything") { try await topics.allEventsCommitted() }
            #expect(router.statistics.routedEvents == events.count)
            try await router.stop()
        }

        /// Repeats `repeated` and adds `fresh` for a second router; checks one task per distinct event.
        static func repeatAndAdd(_ topics: RouterTopics, instance: String, repeated: [EventAttributes], fresh: [EventAttributes]) async throws -> RouterStatistics {
            let router = try await RunningRouter.start(topics.configuration(instance: instance, maxBatch: 50))
            let writer = try EventWriter(topics: topics)
            try await writer.publishAll(repeated + fresh)
            await writer.close()
            try await RouterTestEnvironment.eventually("the second router to route everything") { try await topics.allEventsCommitted() }
            try await router.stop()
            #expect(router.statistics.duplicateEvents == repeated.count)
            #expect(router.statistics.routedEvents == fresh.count)
            let tasks = try await topics.deliveredTasks()
            #expect(tasks.count == repeated.count + fresh.count)
            #expect(Set(tasks.map(\.task.eventID)) == Set((repeated + fresh).map(\.id)))
            return router.statistics
        }

        @Test func aRestartKeepsItsStoreAndReadsOnlyWhatCameAfterItsCheckpoint() async throws {
            let topics = RouterTopics()
            try await topics.createEvents()
            let instance = RouterTestEnvironment.unique("r")
            try await Self.routeAndStop(topics, instance: instance, events: Self.events(0..<300))

            let statistics = try await Self.repeatAndAdd(topics, instance: instance, repeated: Self.events(0..<300), fresh: Self.events(300..<400))
            // The graceful stop recorded every store at the changelog's end: nothing to read again.
            #expect(statistics.restoredRecords == 0)
            #expect(statistics.rebuiltStores == 0)
        }

        @Test func aDeletedStoreIsRebuiltFromTheChangelog() async throws {
            let topics = RouterTopics()
            try await topics.createEvents()
            let instance = RouterTestEnvironment.unique("r")
            try await Self.routeAndStop(topics, instance: instance, events: Self.events(0..<300))
            try FileManager.default.removeItem(atPath: topics.dataDirectory)

            let statistics = try await Self.repeatAndAdd(topics, instance: instance, repeated: Self.events(0..<300), fresh: Self.events(300..<400))
            #expect(statistics.restoredRecords == 300)
            #expect(statistics.rebuiltStores == topics.partitions)
        }
    }
}
