import Foundation
@testable import HeraldDelivery
import HeraldProtos
import HeraldRuntime
import HeraldTestSupport
import SwiftProtobuf
import Testing

extension DeliveryIntegration {
    /// Several instances of one consumer group sharing one PostgreSQL log (`--delivery-log
    /// postgres://…`): each instance sends only its own partitions' tasks, but each follows every
    /// partition of the status, attempts and dead-letter topics into the shared tables, all writing
    /// the same rows and the same offsets at once.
    @Suite struct SharedDeliveryLogTests {
        @Test(.enabled(if: LogBackend.postgresURL != nil, "needs a PostgreSQL server: HERALD_TEST_POSTGRES_URL (scripts/postgres.sh)"))
        func twoInstancesOnOnePostgresLogBothListEveryPartitionsDeliveriesAndKeepServing() async throws {
            let registry = try await TestRegistry.start()
            let names = DeliveryNames()
            let shared = try await LogBackend.postgres.freshLocation()
            let first = try await DeliveryStack.start(names: names, registry: registry, partitions: 6, maxAttempts: 10, deliveryLog: shared)
            let second = try await DeliveryStack.start(names: names, registry: registry, partitions: 6, maxAttempts: 10, deliveryLog: shared)
            let receiver = try await Receiver.start { $0 % 7 == 3 ? .status(503) : .status(200) }
            let endpoints = (0..<4).map { "shared-\($0)" }
            for endpoint in endpoints { _ = try await first.putEndpoint(endpoint, url: receiver.url) }
            let tasks = (0..<400).map { first.task(event: "s-\($0)", endpoint: endpoints[$0 % endpoints.count]) }
            try await first.produce(tasks)

            let ids = Set(tasks.map(\.deliveryID))
            for stack in [first, second] {
                try await TestEnvironment.eventually("instance \(stack.instanceID) lists all \(ids.count) deliveries succeeded", within: .seconds(120)) {
                    try await Self.listAll(stack, state: .succeeded) == ids
                }
            }
            for stack in [first, second] {
                #expect(stack.server.health.isServing, "a log write racing the other instance's must not stop an instance")
            }

            // The shared tables hold exactly what one follower alone makes of the same topics.
            let sharedLog = try await LogBackend.postgres.open(shared)
            let alone = try await LogBackend.postgres.open(try await LogBackend.postgres.freshLocation())
            let follower = DeliveryLogFollower(log: alone, topics: DeliveryLogTopics(names.topics), kafka: TestEnvironment.kafka(), logger: TestEnvironment.logger)
            let following = Task { try await follower.run() }
            try await follower.waitUntilReady()
            following.cancel()
            _ = await following.result
            try await TestEnvironment.eventually("the shared log to have applied every record") {
                try await sharedLog.dump() == alone.dump()
            }
            await alone.database.close()
            await sharedLog.database.close()
            try await receiver.stop()
            try await second.group.stop()
            try await first.stop()
        }

        static func listAll(_ stack: DeliveryStack, state: Herald_V1_DeliveryState) async throws -> Set<String> {
            var ids: Set<String> = []
            var token = ""
            repeat {
                let page = try await stack.withDelivery { client in
                    try await client.listDeliveries(.with { $0.state = state; $0.pageSize = 1000; $0.pageToken = token })
                }
                ids.formUnion(page.deliveries.map(\.deliveryID))
                token = page.nextPageToken
            } while !token.isEmpty
            return ids
        }
    }
}
