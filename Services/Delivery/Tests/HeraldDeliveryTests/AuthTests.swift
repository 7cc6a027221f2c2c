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
    }
}
