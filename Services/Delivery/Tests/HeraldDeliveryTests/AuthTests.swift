import HeraldDelivery
import HeraldProtos
import HeraldRuntime
import HeraldTestSupport
import Testing

extension DeliveryIntegration {
    /// API keys on the delivery service's real socket: every RPC refuses a missing, unknown or
    /// revoked key and a key without its scope, and lets a key with it through.
    @Suite struct AuthTests {
        @Test func everyRPCIsRefusedWithoutTheRightKey() async throws {
            let probe = AuthProbe()
            let stack = try await DeliveryStack.start(authentication: probe.authentication)
            defer { Task { try await stack.stop() } }
            let rows = try await probe.probeGRPC(port: stack.grpcPort, methods: Herald_V1_Delivery.Method.descriptors, table: .delivery)
            print(AuthProbeRow.table(rows))
            #expect(AuthProbeRow.violations(rows).isEmpty, "\(AuthProbeRow.violations(rows))")
            #expect(rows.count == Herald_V1_Delivery.Method.descriptors.count)
        }

        /// Until `herald.api-keys` is replayed only bootstrap keys authenticate: not SERVING yet.
        @Test func saysServingOnlyOnceItsKeysAreReplayed() async throws {
            let names = DeliveryNames()
            var configuration = DeliveryServer.Configuration(kafka: TestEnvironment.kafka())
            configuration.grpcPort = 0
            configuration.httpPort = 0
            configuration.instanceID = TestEnvironment.unique("keys-replay")
            configuration.consumerGroup = names.group
            configuration.topics = names.topics
            configuration.secretKey = .inline(DeliveryStack.secretKey)
            configuration.dataDirectory = TestEnvironment.temporaryDirectory("delivery-log")
            configuration.keysTopic = TestEnvironment.unique("api-keys")
            let delivery = try await DeliveryServer.build(configuration, logger: TestEnvironment.logger)
            let servingEarly = try await KeyReplayHold.servingBeforeReplay(delivery, logger: TestEnvironment.logger)
            #expect(!servingEarly, "SERVING before its keys topic was replayed")
        }
    }
}
