import Foundation
import HeraldDelivery
import HeraldProtos
import HeraldTestSupport
import SwiftProtobuf
import Testing

extension DeliveryIntegration {
    @Suite struct StartUpTests {
        /// Started with another key than the stored secrets were sealed with, the service would
        /// fail every send for those endpoints: it refuses to start instead, naming the endpoint.
        @Test func storedSecretsThatDoNotOpenStopTheStart() async throws {
            let registry = try await TestRegistry.start()
            let names = DeliveryNames()
            let first = try await DeliveryProcess.start(names: names, registryPort: registry.port, instance: "keys-0")
            _ = try await DeliveryStack.withDelivery(port: first.grpcPort) { client in
                try await client.putEndpoint(.with { $0.endpoint = .with { $0.id = "sealed"; $0.url = "http://127.0.0.1:9/hook"; $0.enabled = true } })
            }
            #expect(first.terminate() == 0)
            let otherKey = Data((0..<32).map { UInt8(truncatingIfNeeded: $0 * 11 + 5) }).base64EncodedString()
            // Its servers bind before the endpoints are replayed; the check comes right after the replay.
            let second = try await DeliveryProcess.start(names: names, registryPort: registry.port, instance: "keys-0", secretKey: otherKey)
            let status = try await second.exitStatus(within: .seconds(60))
            #expect(status != nil && status != 0, "started with a key that does not open the stored secrets:\n\(second.log)")
            #expect(second.log.contains("do not open with this instance's master keys") && second.log.contains("sealed"), "\(second.log)")
            if status == nil { second.kill() }
            try await registry.stop()
        }
    }
}
