import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldCore
import HeraldKafka
import HeraldProducer
import HeraldProtos
import HeraldRuntime
import HeraldTestSupport
import SwiftProtobuf
import Testing

extension ProducerIntegration {
    /// API keys on the producer's real socket: the RPC table, the producer's own key on its calls
    /// to a registry that checks keys too, and publish narrowing per event.
    @Suite struct AuthTests {
        /// What the producer itself sends the registry: reading schemas is all it needs.
        static let ownKey = APIKey.generate()
        /// A team's key: billing events from billing sources only.
        static let billing = APIKey.generate()

        static func probe() -> AuthProbe {
            AuthProbe(extra: [
                KeyRecord(key: ownKey, name: "producer", scopes: [.schemasRead], createdAt: .now),
                KeyRecord(key: billing, name: "billing", scopes: [.eventsPublish], eventTypes: ["com.example.order.*"], sources: ["/orders"], createdAt: .now),
            ])
        }

        @Test func everyRPCIsRefusedWithoutTheRightKey() async throws {
            let probe = Self.probe()
            let stack = try await ProducerStack.start(authentication: probe.authentication, registryKey: Self.ownKey.presented)
            defer { Task { try await stack.stop() } }
            let rows = try await probe.probeGRPC(port: stack.producerPort, methods: Herald_V1_Producer.Method.descriptors, table: .producer)
            print(AuthProbeRow.table(rows))
            #expect(AuthProbeRow.violations(rows).isEmpty, "\(AuthProbeRow.violations(rows))")
            #expect(rows.count == 3)
        }

        /// The producer reaches a registry that checks keys with its own `registryKey`; without
        /// one, the schema lookup is refused and nothing is published.
        @Test func theProducerSendsItsOwnKeyToTheRegistry() async throws {
            let probe = Self.probe()
            let stack = try await ProducerStack.start(authentication: probe.authentication, registryKey: Self.ownKey.presented)
            defer { Task { try await stack.stop() } }
            _ = try await stack.registerOrderSchema()
            let published = try await stack.withProducer { try await $0.publish(.with { $0.event = orderEvent(id: "own-key-1") }) }
            #expect(published.id == "own-key-1")

            let keyless = try await ProducerStack.start(authentication: probe.authentication, registryKey: nil)
            defer { Task { try await keyless.stop() } }
            _ = try await keyless.registerOrderSchema()
            let refused = await #expect(throws: RPCError.self) {
                _ = try await keyless.withProducer { try await $0.publish(.with { $0.event = orderEvent(id: "keyless-1") }) }
            }
            #expect(refused?.message.contains("the schema registry refused this service's API key") == true, "\(String(describing: refused))")
            #expect(try await keyless.committedRecords().isEmpty)
        }

        @Test func aNarrowedKeyPublishesOnlyItsTypesAndSources() async throws {
            let probe = Self.probe()
            let stack = try await ProducerStack.start(authentication: probe.authentication, registryKey: Self.ownKey.presented)
            defer { Task { try await stack.stop() } }
            _ = try await stack.registerOrderSchema()
            let outside = orderEvent(id: "n-2", source: "/shop")
            try await withGRPCClient(
                transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: stack.producerPort), transportSecurity: .plaintext),
                interceptors: APIKeyClientInterceptor.sending(Self.billing.presented)
            ) { client in
                let producer = Herald_V1_Producer.Client(wrapping: client)
                #expect(try await producer.publish(.with { $0.event = orderEvent(id: "n-1") }).id == "n-1")

                let refused = await #expect(throws: RPCError.self) { try await producer.publish(.with { $0.event = outside }) }
                #expect(refused?.code == .permissionDenied)
                #expect(refused?.message.contains("type 'com.example.order.shipped' from source '/shop'") == true, "\(String(describing: refused))")

                let batch = await #expect(throws: RPCError.self) {
                    try await producer.publishBatch(.with { $0.events = [orderEvent(id: "n-3"), outside] })
                }
                #expect(batch?.code == .permissionDenied)
                #expect(batch?.message.hasPrefix("events[1]: ") == true, "\(String(describing: batch))")

                let answers = try await producer.publishStream(
                    request: StreamingClientRequest(of: Herald_V1_PublishRequest.self) { writer in
                        for event in [orderEvent(id: "n-4"), outside, orderEvent(id: "n-5")] { try await writer.write(.with { $0.event = event }) }
                    }
                ) { response in
                    var answers: [Herald_V1_PublishResponse] = []
                    for try await message in response.messages { answers.append(message) }
                    return answers
                }
                #expect(answers.map(\.errorCode) == [0, Int32(RPCError.Code.permissionDenied.rawValue), 0])
                #expect(answers[1].errorMessage.contains("source '/shop'"))
            }
            let ids = try await stack.committedRecords().compactMap { $0.header("ce_id").map { String(decoding: $0, as: UTF8.self) } }
            #expect(Set(ids) == ["n-1", "n-4", "n-5"])
        }

        /// Until `herald.api-keys` is replayed only bootstrap keys authenticate: not SERVING yet.
        @Test func saysServingOnlyOnceItsKeysAreReplayed() async throws {
            let env = ProducerTestEnvironment.self
            var configuration = ProducerServer.Configuration(kafka: env.kafka())
            configuration.grpcPort = 0
            configuration.httpPort = 0
            configuration.topic = env.unique("events")
            configuration.instanceID = env.unique("producer")
            configuration.keysTopic = env.unique("api-keys")
            let producer = try await ProducerServer.build(configuration, logger: env.logger)
            let servingEarly = try await KeyReplayHold.servingBeforeReplay(producer, logger: env.logger)
            #expect(!servingEarly, "SERVING before its keys topic was replayed")
        }
    }
}
