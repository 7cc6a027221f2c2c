import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldKafka
import HeraldProtos
@testable import HeraldRegistry
import HeraldRuntime
import HeraldTestSupport
import NIOHTTP1
import ServiceLifecycle
import SwiftProtobuf
import Testing

extension RegistryIntegration {
    /// Values no 32-bit field can hold, and reads before the log is replayed: refused with a
    /// clear answer, never a trap or a wrong one.
    @Suite struct HostileInputTests {
        @Test func idsAndVersionsAbove32BitsAreRefusedAtTheEdge() async throws {
            let names = RegistryNames()
            let (leader, follower) = try await RegistryInstance.startLeaderAndFollower(names)
            defer { Task { try await follower.stop(); try await leader.stop() } }
            _ = try await REST.call(.POST, "\(leader.base)/subjects/x/versions", json: REST.schemaBody(Schemas.orderV1))
            _ = try await REST.call(.PUT, "\(leader.base)/mode/imported?force=true", json: #"{"mode":"IMPORT"}"#)
            try await TestEnvironment.eventually("the follower to see IMPORT mode") {
                try await REST.call(.GET, "\(follower.base)/mode/imported").object["mode"] as? String == "IMPORT"
            }
            let admin = try KafkaAdmin(configuration: TestEnvironment.kafka, logger: TestEnvironment.logger)
            let endBefore = try await admin.watermarks(topic: names.topic, partition: 0).high

            // A follower forwards deletes as 32-bit gRPC fields.
            let delete = try await REST.call(.DELETE, "\(follower.base)/subjects/x/versions/4294967296")
            #expect(delete.status == 422)
            #expect(delete.errorCode == 42202)

            for base in [leader.base, follower.base] {
                for extra in [["id": 4294967296, "version": 1], ["id": 5, "version": 4294967296]] as [[String: Any]] {
                    let imported = try await REST.call(.POST, "\(base)/subjects/imported/versions", json: REST.schemaBody(Schemas.customer, extra: extra))
                    #expect(imported.status == 400, "\(extra): \(imported.text)")
                }
                let reference: [[String: Any]] = [["name": "com.example.Order", "subject": "x", "version": 4294967297]]
                let referencing = try await REST.call(.POST, "\(base)/subjects/refs/versions", json: REST.schemaBody(Schemas.customer, extra: ["references": reference]))
                #expect(referencing.status == 400, "\(referencing.text)")
            }
            #expect(try await admin.watermarks(topic: names.topic, partition: 0).high == endBefore, "a refused request wrote to the log")
            await admin.close()
        }

        /// Found by `make fuzz-blackbox`: a subject of megabytes passed validation and the log
        /// write failed in Kafka (message too large), answered INTERNAL.
        @Test func aSubjectTooLargeForTheLogIsRefusedAtTheEdge() async throws {
            let names = RegistryNames()
            let registry = try await RegistryInstance.start(names)
            defer { Task { try await registry.stop() } }
            try await TestEnvironment.eventually("the registry to lead") { registry.server.registry.isLeader }
            let admin = try KafkaAdmin(configuration: TestEnvironment.kafka, logger: TestEnvironment.logger)
            let endBefore = try await admin.watermarks(topic: names.topic, partition: 0).high
            let subject = String(repeating: "s", count: 2 << 20)
            try await registry.withClient { client in
                let config = try await expectStatus(.invalidArgument) {
                    _ = try await client.setConfig(.with { $0.subject = subject; $0.compatibility = .full })
                }
                #expect(config.message.contains("more than the \(RegistryPlanner.maximumSubjectBytes) allowed"))
                _ = try await expectStatus(.invalidArgument) {
                    _ = try await client.setMode(.with { $0.subject = subject; $0.mode = .readonly })
                }
                _ = try await expectStatus(.invalidArgument) {
                    _ = try await client.registerSchema(.with { $0.subject = subject; $0.schema = #""string""# })
                }
            }
            #expect(try await admin.watermarks(topic: names.topic, partition: 0).high == endBefore, "a refused request wrote to the log")
            await admin.close()
        }

        @Test func aLoggedIDAbove32BitsIsRefusedOnReplayNotServed() async throws {
            let names = RegistryNames()
            let admin = try KafkaAdmin(configuration: TestEnvironment.kafka, logger: TestEnvironment.logger)
            try await admin.createTopic(names.topic, partitions: 1, configs: ["cleanup.policy": "compact"], ignoreIfExists: false)
            let producer = try KafkaProducer(configuration: TestEnvironment.kafka, logger: TestEnvironment.logger)
            for (subject, id) in [("huge", 4294967296), ("fine", 7)] {
                _ = try await producer.send(ProducerRecord(
                    topic: names.topic, partition: 0, key: #"{"keytype":"SCHEMA","subject":"\#(subject)","version":1,"magic":1}"#,
                    value: #"{"subject":"\#(subject)","version":1,"id":\#(id),"schema":"\"string\"","references":[],"deleted":false}"#))
            }
            await producer.close()
            await admin.close()

            let registry = try await RegistryInstance.start(names)
            defer { Task { try await registry.stop() } }
            #expect(try await REST.call(.GET, "\(registry.base)/subjects").strings == ["fine"])
            let fine = try await registry.withClient { try await $0.getVersion(.with { $0.subject = "fine"; $0.version = 1 }) }
            #expect(fine.id == 7)
            await #expect(throws: RPCError.self) {
                try await registry.withClient { try await $0.getVersion(.with { $0.subject = "huge"; $0.version = 1 }) }
            }
            // New ids continue from the largest id that was accepted.
            #expect(try await REST.call(.POST, "\(registry.base)/subjects/next/versions", json: REST.schemaBody(#""int""#)).object["id"] as? Int == 8)
        }

        @Test func answersNoReadBeforeTheLogIsReplayed() async throws {
            var configuration = RegistryServer.Configuration(kafka: TestEnvironment.kafka)
            configuration.grpcPort = 0
            configuration.httpPort = 0
            configuration.topic = RegistryNames().topic
            let server = try RegistryServer.build(configuration, logger: TestEnvironment.logger)
            // The servers run, the log is never replayed: every read must wait for it.
            let servers = server.services.filter { !($0 is RegistryCore) }
            let group = ServiceGroup(services: servers, logger: TestEnvironment.logger)
            let task = Task { try await group.run() }
            defer { Task { await group.triggerGracefulShutdown(); try await task.value } }
            let base = "http://127.0.0.1:\(await server.httpPort.value)"

            for path in ["/schemas/ids/1", "/subjects", "/subjects/s/versions/1", "/config", "/schemas"] {
                let response = try await REST.call(.GET, base + path)
                #expect(response.status == 503, "\(path): \(response.text)")
                #expect(response.errorCode == 503, "\(path)")
                #expect(!(response.object["message"] as? String ?? "").isEmpty, "\(path)")
            }
            let grpcPort = try await server.grpc.boundPort()
            let error = await #expect(throws: RPCError.self) {
                try await withGRPCClient(
                    transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: grpcPort), transportSecurity: .plaintext),
                    interceptors: TestKeys.interceptors
                ) { client in
                    try await Herald_V1_Registry.Client(wrapping: client).getSchema(.with { $0.id = 1 })
                }
            }
            #expect(error?.code == .unavailable)
        }
    }
}
