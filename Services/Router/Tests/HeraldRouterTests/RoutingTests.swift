import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldAvro
import HeraldCore
import HeraldKafka
import HeraldProtos
import HeraldRouter
import HeraldRuntime
import HeraldTestSupport
import SwiftProtobuf
import Synchronization
import Testing

extension RouterIntegration {
    @Suite struct RoutingTests {
        @Test func fansOutToEveryEndpointAndADuplicateYieldsNoSecondSet() async throws {
            let (topics, router) = try await RouterTopics.withRouter()
            try await router.withClient { client in
                _ = try await client.putRoute(.with { $0.route = route("orders", types: ["com.example.order.*"], endpoints: ["e1", "e2"]) })
                _ = try await client.putRoute(.with { $0.route = route("acme", extensions: ["tenant": "acme"], endpoints: ["e3"]) })
                _ = try await client.putRoute(.with { $0.route = route("off", endpoints: ["e9"], enabled: false) })
            }
            let writer = try EventWriter(topics: topics)
            let shipped = testEvent("a", subject: "order-1", extensions: ["tenant": "acme"])
            try await writer.publish(shipped)
            try await writer.publish(shipped)  // a retried publish: same source and id
            try await writer.publish(testEvent("b", type: "com.example.user.created", extensions: ["tenant": "globex"]))
            try await writer.publish(testEvent("c", type: "com.example.order.created"))
            await writer.close()
            try await RouterTestEnvironment.eventually("the router to commit every event") { try await topics.allEventsCommitted() }

            let tasks = try await topics.deliveredTasks()
            let byEvent = Dictionary(grouping: tasks, by: { $0.task.eventID })
            #expect(Set(byEvent.keys) == ["a", "c"])
            #expect(Set(byEvent["a", default: []].map { "\($0.task.routeID)/\($0.task.endpointID)" }) == ["orders/e1", "orders/e2", "acme/e3"])
            #expect(byEvent["a", default: []].count == 3)
            #expect(Set(byEvent["c", default: []].map { "\($0.task.routeID)/\($0.task.endpointID)" }) == ["orders/e1", "orders/e2"])
            #expect(Set(tasks.map(\.task.deliveryID)).count == tasks.count)

            let task = try #require(byEvent["a"]?.first { $0.task.endpointID == "e3" })
            #expect(task.key == "e3")
            #expect(task.partition == Murmur2.partition(forKey: "e3", partitionCount: topics.partitions))
            #expect(task.task.deliveryID == DeliveryID.make(source: "/shop/orders", id: "a", routeID: "acme", endpointID: "e3"))
            #expect(task.task.eventSource == "/shop/orders")
            #expect(task.task.eventType == "com.example.order.shipped")
            #expect(task.task.eventSubject == "order-1")
            #expect(task.task.eventTime.seconds == 1_700_000_000 && task.task.eventTime.nanos == 5_000_000)
            #expect(task.task.eventExtensions == ["tenant": "acme"])
            #expect(task.task.schemaID == EventWriter.schemaID)
            #expect([UInt8](task.task.payload) == EventWriter.payload(for: shipped))
            #expect(task.task.attempt == 0)
            #expect(task.task.hasCreatedAt && task.task.createdAt.seconds > 1_700_000_000)

            #expect(router.statistics.routedEvents == 2)
            #expect(router.statistics.duplicateEvents == 1)
            #expect(router.statistics.unmatchedEvents == 1)
            // One dedupe record per distinct event, in the events partition's dedupe partition.
            let dedupe = try await topics.committedRecords(topics.dedupe)
            #expect(dedupe.map { String(decoding: $0.key ?? [], as: UTF8.self) }.sorted() == ["/shop/orders|a", "/shop/orders|b", "/shop/orders|c"])
            let aPartition = Murmur2.partition(forKey: "com.example.order.shipped|/shop/orders", partitionCount: topics.partitions)
            #expect(dedupe.first { $0.key == Array("/shop/orders|a".utf8) }?.partition == aPartition)
            try await router.stop()
        }

        @Test func routesAPIStoresReadsListsAndDeletesWithStatusCodes() async throws {
            let topics = RouterTopics()
            let router = try await RunningRouter.start(topics.configuration(instance: RouterTestEnvironment.unique("r")))
            let stored = route("r1", types: ["com.example.*"], sources: ["/shop/*"], subjectPrefix: "order-",
                               extensions: ["tenant": "acme"], endpoints: ["e1"])
            let put = try await router.withClient { try await $0.putRoute(.with { $0.route = stored }) }
            #expect(put.route == stored)
            let got = try await router.withClient { try await $0.getRoute(.with { $0.id = "r1" }) }
            #expect(got.route == stored)
            _ = try await router.withClient { try await $0.putRoute(.with { $0.route = route("r0", endpoints: ["e2"]) }) }
            let listed = try await router.withClient { try await $0.listRoutes(.init()) }
            #expect(listed.routes.map(\.id) == ["r0", "r1"])
            _ = try await router.withClient { try await $0.deleteRoute(.with { $0.id = "r1" }) }
            let remaining = try await router.withClient { try await $0.listRoutes(.init()) }
            #expect(remaining.routes.map(\.id) == ["r0"])

            let missing = await failure(router) { _ = try await $0.getRoute(.with { $0.id = "r1" }) }
            #expect(missing?.code == .notFound)
            let missingDelete = await failure(router) { _ = try await $0.deleteRoute(.with { $0.id = "nobody" }) }
            #expect(missingDelete?.code == .notFound)
            let invalid: [(Herald_V1_Route, String)] = [
                (route("", endpoints: ["e"]), "route.id"),
                (route("x", types: ["a*b"], endpoints: ["e"]), "route.filter.types[0]"),
                (route("x", endpoints: []), "route.endpoint_ids"),
            ]
            for (bad, field) in invalid {
                let error = await failure(router) { _ = try await $0.putRoute(.with { $0.route = bad }) }
                #expect(error?.code == .invalidArgument)
                #expect(error?.message.contains(field) == true, "\(String(describing: error))")
            }
            // Another instance replays the topic: it sees the same routes.
            let second = try await RunningRouter.start(topics.configuration(instance: RouterTestEnvironment.unique("r")))
            #expect(try await second.withClient { try await $0.listRoutes(.init()).routes.map(\.id) } == ["r0"])
            try await second.stop()
            try await router.stop()
        }

        /// A write returns once this instance's catalog shows it, although the catalog's consumer
        /// rests the caught-up routes topic between fetches: the write wakes it.
        @Test func aRouteWriteIsReadableAtOnceThoughTheCatalogRests() async throws {
            let topics = RouterTopics()
            var configuration = topics.configuration(instance: RouterTestEnvironment.unique("r"))
            // An hour's rest: without the wake a write gives up waiting after its apply timeout and the read misses it.
            configuration.kafka.idleFetchBackoff = .seconds(3600)
            let router = try await RunningRouter.start(configuration)
            _ = try await router.withClient { try await $0.putRoute(.with { $0.route = route("r1", endpoints: ["e1"]) }) }
            let got = try await router.withClient { try await $0.getRoute(.with { $0.id = "r1" }) }
            #expect(got.route.endpointIds == ["e1"])
            _ = try await router.withClient { try await $0.deleteRoute(.with { $0.id = "r1" }) }
            let deleted = await failure(router) { _ = try await $0.getRoute(.with { $0.id = "r1" }) }
            #expect(deleted?.code == .notFound)
            try await router.stop()
        }

        @Test func malformedRecordsAreDeadLetteredAndRoutingGoesOn() async throws {
            let (topics, router) = try await RouterTopics.withRouter()
            _ = try await router.withClient { try await $0.putRoute(.with { $0.route = route("all", endpoints: ["e1"]) }) }
            let writer = try EventWriter(topics: topics)
            // No ce_ headers at all.
            try await writer.publishRaw(ProducerRecord(topic: topics.events, partition: 0, key: "k", value: "plain text"))
            // Valid headers, but the value is not Confluent-framed.
            let event = testEvent("framing")
            try await writer.publishRaw(ProducerRecord(
                topic: topics.events, partition: 0, key: Array("k".utf8), value: [0x7F, 1, 2],
                headers: CloudEventsKafkaBinding.headers(for: event).map { KafkaHeader(name: $0.name, value: $0.value) }))
            // ce_specversion missing.
            try await writer.publishRaw(ProducerRecord(
                topic: topics.events, partition: 0, key: Array("k".utf8), value: ConfluentWireFormat.frame(schemaID: 1, payload: [1]),
                headers: [KafkaHeader(name: "ce_id", value: "x"), KafkaHeader(name: "ce_source", value: "/s"), KafkaHeader(name: "ce_type", value: "t")]))
            try await writer.publish(testEvent("good"))
            await writer.close()
            try await RouterTestEnvironment.eventually("the router to commit every event") { try await topics.allEventsCommitted() }
            #expect(router.statistics.malformedEvents == 3)
            #expect(try await topics.deliveredTasks().map(\.task.eventID) == ["good"])
            // Each is parked in the dead-letter topic with its reason and origin, not skipped in silence.
            let letters = try await topics.committedRecords(topics.deadLetters)
            #expect(letters.map(\.offset).count == 3)
            #expect(letters.compactMap { $0.header(DeadLetter.originHeader).map { String(decoding: $0, as: UTF8.self) } }
                    == ["\(topics.events)/0/0", "\(topics.events)/0/1", "\(topics.events)/0/2"])
            #expect(letters.allSatisfy { String(decoding: $0.header(DeadLetter.reasonHeader) ?? [], as: UTF8.self).hasPrefix("not a Herald event") })
            #expect(letters.first?.value == Array("plain text".utf8))
            #expect(router.server.health.isServing)
            try await router.stop()
        }

        /// An event whose delivery task cannot be written (over the record limit) is dead-lettered
        /// with its reason; the partition does not stall behind it.
        @Test func anEventTooLargeToRouteIsDeadLetteredAndThePartitionGoesOn() async throws {
            let topics = RouterTopics()
            try await topics.createEvents()
            // The router's record limit is below the writer's: its task for the big event cannot be
            // written, as a near-limit event once could not (the task wraps the event).
            var configuration = topics.configuration(instance: RouterTestEnvironment.unique("r"))
            configuration.kafka.maxMessageBytes = 200_000
            let router = try await RunningRouter.start(configuration)
            _ = try await router.withClient { try await $0.putRoute(.with { $0.route = route("all", endpoints: ["e1"]) }) }
            let writer = try EventWriter(topics: topics)
            let big = testEvent("big")
            let key = Array((big.type + "|" + big.source).utf8)
            try await writer.publishRaw(ProducerRecord(
                topic: topics.events, partition: 0, key: key,
                value: ConfluentWireFormat.frame(schemaID: 7, payload: [UInt8](repeating: 1, count: 300_000)),
                headers: CloudEventsKafkaBinding.headers(for: big).map { KafkaHeader(name: $0.name, value: $0.value) }))
            try await writer.publishRaw(ProducerRecord(
                topic: topics.events, partition: 0, key: key, value: ConfluentWireFormat.frame(schemaID: 7, payload: [1]),
                headers: CloudEventsKafkaBinding.headers(for: testEvent("after")).map { KafkaHeader(name: $0.name, value: $0.value) }))
            await writer.close()
            try await RouterTestEnvironment.eventually("the router to commit every event", timeout: .seconds(60)) { try await topics.allEventsCommitted() }
            #expect(try await topics.deliveredTasks().map(\.task.eventID) == ["after"])
            #expect(router.statistics.oversizedEvents == 1)
            let letters = try await topics.committedRecords(topics.deadLetters)
            #expect(letters.count == 1)
            let reason = String(decoding: letters.first?.header(DeadLetter.reasonHeader) ?? [], as: UTF8.self)
            #expect(reason.contains("over the record limit"), "\(reason)")
            #expect(letters.first?.header("ce_id") == Array("big".utf8))
            #expect(letters.first?.value == nil && letters.first?.header(DeadLetter.omittedHeader) != nil, "the dead letter must fit the limit too")
            try await router.stop()
        }

        @Test func routeAddedChangedAndDeletedWhileEventsFlow() async throws {
            let (topics, router) = try await RouterTopics.withRouter(maxBatch: 20)
            let writer = try EventWriter(topics: topics)
            // Background traffic throughout, on another source so markers are easy to tell apart.
            let background = Task {
                var n = 0
                while !Task.isCancelled {
                    try await writer.publish(testEvent("bg-\(n)", source: "/background"))
                    n += 1
                    try? await Task.sleep(for: .milliseconds(5))
                }
                return n
            }
            // A marker is published after a change returned, and the next change waits until the
            // router committed it: so it was processed after the one change and before the next.
            func marker(_ id: String) async throws {
                let report = try await writer.publish(testEvent(id))
                try await RouterTestEnvironment.eventually("marker \(id) to be committed") {
                    try await topics.committedOffset(partition: report.partition) > report.offset
                }
            }
            try await marker("before")
            try await router.withClient { client in
                _ = try await client.putRoute(.with { $0.route = route("r", types: ["com.example.*"], endpoints: ["e1"]) })
                try await marker("added")
                _ = try await client.putRoute(.with { $0.route = route("r", types: ["com.example.*"], endpoints: ["e2", "e3"]) })
                try await marker("changed")
                _ = try await client.putRoute(.with { $0.route = route("r", types: ["com.example.*"], endpoints: ["e2", "e3"], enabled: false) })
                try await marker("disabled")
                _ = try await client.putRoute(.with { $0.route = route("r", types: ["com.example.*"], endpoints: ["e4"]) })
                try await marker("enabled")
                _ = try await client.deleteRoute(.with { $0.id = "r" })
                try await marker("deleted")
            }
            background.cancel()
            let backgroundCount = try await background.value
            await writer.close()
            try await RouterTestEnvironment.eventually("the router to commit every event") { try await topics.allEventsCommitted() }

            let tasks = try await topics.deliveredTasks()
            func endpoints(_ id: String) -> [String] {
                tasks.filter { $0.task.eventID == id }.map(\.task.endpointID).sorted()
            }
            #expect(endpoints("before") == [])
            #expect(endpoints("added") == ["e1"])
            #expect(endpoints("changed") == ["e2", "e3"])
            #expect(endpoints("disabled") == [])
            #expect(endpoints("enabled") == ["e4"])
            #expect(endpoints("deleted") == [])
            // Each background event saw one version of the route or none, never a mix.
            let allowed: Set<[String]> = [[], ["e1"], ["e2", "e3"], ["e4"]]
            for n in 0..<backgroundCount {
                let seen = endpoints("bg-\(n)")
                #expect(allowed.contains(seen), "bg-\(n) went to \(seen)")
            }
            #expect(router.statistics.handledEvents == backgroundCount + 6)
            try await router.stop()
        }

        @Test func expiredKeysArePrunedWithTombstonesAndTheEventIsNewAgain() async throws {
            let topics = RouterTopics()
            try await topics.createEvents()
            let clock = Clock()
            var configuration = topics.configuration(instance: RouterTestEnvironment.unique("r"))
            configuration.dedupeRetention = .seconds(60)
            configuration.now = { clock.now }
            let router = try await RunningRouter.start(configuration)
            _ = try await router.withClient { try await $0.putRoute(.with { $0.route = route("all", endpoints: ["e1"]) }) }
            let writer = try EventWriter(topics: topics)
            try await writer.publish(testEvent("once"))
            try await RouterTestEnvironment.eventually("the first event") { try await topics.allEventsCommitted() }
            try await writer.publish(testEvent("once"))
            try await RouterTestEnvironment.eventually("the duplicate") { try await topics.allEventsCommitted() }
            #expect(router.statistics.duplicateEvents == 1)

            clock.advance(by: 61_000)
            // Any event of the partition lets the router prune: here the same event a third time.
            try await writer.publish(testEvent("once"))
            try await RouterTestEnvironment.eventually("the third copy") { try await topics.allEventsCommitted() }
            await writer.close()
            #expect(router.statistics.prunedKeys == 1)
            #expect(router.statistics.duplicateEvents == 1)
            #expect(try await topics.deliveredTasks().count == 2)
            // The changelog: first-seen, tombstone, first-seen again.
            let changelog = try await topics.committedRecords(topics.dedupe)
            #expect(changelog.map { $0.value.map { String(decoding: $0, as: UTF8.self) } ?? "tombstone" }
                == [String(Clock.start), "tombstone", String(Clock.start + 61_000)])
            try await router.stop()
        }

        @Test func brokerDownAtStartFailsWithAClearError() async throws {
            var configuration = RouterTopics().configuration(instance: "down")
            configuration.kafka = RouterTestEnvironment.kafka(brokers: "127.0.0.1:1", timeout: .seconds(3))
            await #expect {
                _ = try await RouterServer.build(configuration, logger: RouterTestEnvironment.logger)
            } throws: { error in
                "\(error)".contains("127.0.0.1:1")
            }
        }
    }
}

/// A settable clock for the router's first-seen times.
final class Clock: Sendable {
    static let start: Int64 = 1_800_000_000_000
    private let value = Atomic<Int64>(Clock.start)
    var now: Int64 { value.load(ordering: .relaxed) }
    func advance(by milliseconds: Int64) { value.add(milliseconds, ordering: .relaxed) }
}

/// The gRPC error a call to the router failed with, or nil if it succeeded.
func failure(_ router: RunningRouter, _ call: @Sendable (Herald_V1_Router.Client<HTTP2ClientTransport.Posix>) async throws -> Void) async -> RPCError? {
    do {
        try await router.withClient { try await call($0) }
        return nil
    } catch let error as RPCError {
        return error
    } catch {
        return RPCError(code: .unknown, message: "\(error)")
    }
}
