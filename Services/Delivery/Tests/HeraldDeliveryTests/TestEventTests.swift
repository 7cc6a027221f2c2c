import Foundation
import GRPCCore
import HeraldCore
import HeraldDelivery
import HeraldKafka
import HeraldProtos
import HeraldTestSupport
import SwiftProtobuf
import Testing

extension DeliveryIntegration {
    /// `SendTestEvent` over the delivery service's real gRPC socket to a real HTTP receiver.
    @Suite struct TestEventTests {
        /// The receiver gets one CloudEvent marked as a test, signed with the endpoint's secret and
        /// carrying its headers; the caller gets the status, the duration and the body's start; the
        /// delivery topics get nothing, the audit topic one record per test.
        @Test func aTestEventIsSignedSentAndAnsweredWithoutADelivery() async throws {
            let stack = try await DeliveryStack.start()
            let receiver = try await Receiver.start { index in
                index == 0 ? .status(200) : .endlessBody(status: 503, chunkBytes: 8192, interval: .milliseconds(1))
            }
            let secret = WebhookSecret.generate()
            _ = try await stack.putEndpoint("tested", url: receiver.url, secret: secret) { $0.headers = ["x-team": "billing"] }

            let accepted = try await stack.withDelivery { try await $0.sendTestEvent(.with { $0.endpointID = "tested" }) }
            #expect(accepted.succeeded && accepted.statusCode == 200 && accepted.error.isEmpty && accepted.hasDuration, "\(accepted)")
            let request = try #require(receiver.received.first)
            #expect(accepted.deliveryID.hasPrefix("test_") && request.webhookID == accepted.deliveryID)
            let timestamp = try #require(Int64(request.timestamp))
            #expect(try WebhookSecret(secret).verify(signatureHeader: request.signature, id: request.webhookID, timestamp: timestamp, body: request.body))
            #expect(try !WebhookSecret(WebhookSecret.generate()).verify(signatureHeader: request.signature, id: request.webhookID, timestamp: timestamp, body: request.body))
            let event = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
            #expect(event["type"] as? String == TestEvent.type && event[TestEvent.marker] as? String == "true" && event["id"] as? String == accepted.deliveryID)
            #expect(request.headers["x-team"] == "billing" && request.contentType == "application/cloudevents+json")

            let refused = try await stack.withDelivery { try await $0.sendTestEvent(.with { $0.endpointID = "tested" }) }
            #expect(!refused.succeeded && refused.statusCode == 503 && refused.error.hasPrefix("HTTP 503: xxx"), "\(refused.error)")
            #expect(refused.responseBody.count == 1024 && refused.responseBody.allSatisfy { $0 == UInt8(ascii: "x") })

            // Nobody listens on port 9: no answer is an answer, not an error of the call.
            _ = try await stack.putEndpoint("closed", url: "http://127.0.0.1:9/hook")
            let unreachable = try await stack.withDelivery { try await $0.sendTestEvent(.with { $0.endpointID = "closed" }) }
            #expect(!unreachable.succeeded && unreachable.statusCode == 0 && unreachable.error.hasPrefix("request failed"), "\(unreachable)")

            _ = try await stack.putEndpoint("off", url: receiver.url) { $0.enabled = false }
            try await stack.withDelivery { client in
                for (id, code) in [("off", RPCError.Code.failedPrecondition), ("nobody", .notFound), ("", .invalidArgument)] {
                    do {
                        _ = try await client.sendTestEvent(.with { $0.endpointID = id })
                        Issue.record("a test event to '\(id)' was sent")
                    } catch let error as RPCError {
                        #expect(error.code == code, "\(id): \(error)")
                    }
                }
            }
            #expect(receiver.received.count == 2, "only the two tests of the enabled endpoint reached the receiver")
            try await stack.stop()
            try await receiver.stop()

            for topic in [stack.names.topics.deliveries, stack.names.topics.status, stack.names.topics.deadLetters, stack.names.topics.attempts] {
                #expect(try await Fixtures.readAll(topic: topic).isEmpty, "\(topic) holds a record of a test event")
            }
            let audit = try await Fixtures.readAll(topic: stack.names.topics.audit).map { try AuditRecord(decoding: $0.value ?? []) }
            let tests = audit.filter { $0.action == "endpoint.test" }
            #expect(tests.map(\.target) == ["tested", "tested", "closed"])
            #expect(tests.first?.detail == "id=\(accepted.deliveryID) status=200")
        }
    }
}
