import Foundation
import GRPCCore
import HeraldCore
import HeraldDelivery
import HeraldKafka
import HeraldProtos
import SwiftProtobuf
import Testing

extension DeliveryIntegration {
    @Suite struct AuditTests {
        /// Creating, updating, rotating the secret of and deleting an endpoint each leave one audit
        /// record; refused calls leave none.
        @Test func endpointChangesAreAuditedAndRefusalsAreNot() async throws {
            let stack = try await DeliveryStack.start()
            let secret = WebhookSecret.generate()
            _ = try await stack.putEndpoint("audited", url: "http://127.0.0.1:9/hook", secret: secret)
            _ = try await stack.putEndpoint("audited", url: "http://127.0.0.1:10/hook", secret: secret)
            _ = try await stack.putEndpoint("audited", url: "http://127.0.0.1:10/hook", secret: WebhookSecret.generate())
            try await stack.withDelivery { client in
                _ = try await client.deleteEndpoint(.with { $0.id = "audited" })
                for call in [
                    { _ = try await client.putEndpoint(.with { $0.endpoint = .with { $0.id = "bad"; $0.url = "not a url" } }) },
                    { _ = try await client.deleteEndpoint(.with { $0.id = "nobody" }) },
                ] as [() async throws -> Void] {
                    await #expect(throws: RPCError.self) { try await call() }
                }
            }
            try await stack.stop()

            let records = try await Fixtures.readAll(topic: stack.names.topics.audit).map { try AuditRecord(decoding: $0.value ?? []) }
            #expect(records.map(\.action) == ["endpoint.create", "endpoint.update", "endpoint.rotate_secret", "endpoint.delete"])
            #expect(records.allSatisfy {
                $0.service == "delivery" && $0.target == "audited" && $0.outcome == .succeeded && $0.keyID == AuditRecord.authenticationOff
            })
        }
    }
}
