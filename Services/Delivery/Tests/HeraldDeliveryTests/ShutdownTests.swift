import Foundation
import HeraldDelivery
import HeraldProtos
import HeraldTestSupport
import SwiftProtobuf
import Testing

extension DeliveryIntegration {
    @Suite struct ShutdownTests {
        /// A webhook send that never finishes holds the drain: SIGTERM must still end the process,
        /// with status 1, once `--shutdown-timeout` ran out.
        @Test func aStuckSendCannotHoldShutdownPastTheTimeout() async throws {
            let registry = try await TestRegistry.start()
            let names = DeliveryNames()
            let receiver = try await Receiver.start { _ in .blockThenOK }
            let delivery = try await DeliveryProcess.start(names: names, registryPort: registry.port, instance: "stuck-0", arguments: [
                "--request-timeout-ms", "3600000", "--shutdown-timeout", "3",
            ])
            _ = try await DeliveryStack.withDelivery(port: delivery.grpcPort) { client in
                try await client.putEndpoint(.with { $0.endpoint = .with { $0.id = "stuck"; $0.url = receiver.url; $0.enabled = true } })
            }
            try await Fixtures.produce([Fixtures.task(event: "stuck-1", endpoint: "stuck", schemaID: registry.schemaID)], topic: names.topics.deliveries)
            try await TestEnvironment.eventually("the send to reach the receiver") { receiver.received.count == 1 }
            kill(delivery.process.processIdentifier, SIGTERM)
            let status = try await delivery.exitStatus(within: .seconds(60))
            #expect(status == 1, "the process must give up on the stuck send and exit 1:\n\(delivery.log)")
            #expect(delivery.log.contains("Graceful shutdown did not finish within --shutdown-timeout"))
            if status == nil { delivery.kill() }
            try await receiver.stop()
            try await registry.stop()
        }
    }
}
