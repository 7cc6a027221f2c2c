import Foundation
import GRPCCore
import HeraldProtos
import HeraldTestSupport
import SwiftProtobuf
import Testing

/// The W3C trace context of a publish reaches the webhook through every real executable: the
/// caller's `traceparent` metadata, the `ce_traceparent` header on Kafka, the delivery task, and
/// the webhook's `traceparent` header, which stays in the caller's trace with a span of its own.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct TraceEndToEndTests {
    static let callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let callerSpan = "00f067aa0ba902b7"

    @Test func webhookTraceparentContinuesTheCallersTraceOrOneStartedAtPublish() async throws {
        try await RoutedStack.run(endpointID: "traced") { _, receiver, producer in
            var caller = Metadata()
            caller.addString("00-\(Self.callerTrace)-\(Self.callerSpan)-01", forKey: "traceparent")
            caller.addString("congo=t61rcWkgMzE", forKey: "tracestate")
            _ = try await producer.publish(.with { $0.event = EndToEndTests.event(0, carrier: nil) }, metadata: caller)
            _ = try await producer.publish(.with { $0.event = EndToEndTests.event(1, carrier: nil) })
            let received = try await EndToEndTests.eventually("both events to be delivered") {
                receiver.received.count >= 2 ? receiver.received : nil
            }
            let byEvent = try Dictionary(uniqueKeysWithValues: received.map { webhook in
                let body = try #require(try JSONSerialization.jsonObject(with: Data(webhook.body)) as? [String: Any])
                return (try #require(body["id"] as? String), (webhook.headers, body))
            })

            // The caller's trace: the webhook's parent is the delivery attempt, not the caller's span.
            let (tracedHeaders, tracedBody) = try #require(byEvent["e-0"])
            let traced = try #require(tracedHeaders["traceparent"]).split(separator: "-").map(String.init)
            #expect(traced.count == 4 && traced[0] == "00" && traced[1] == Self.callerTrace && traced[3] == "01")
            #expect(traced[2] != Self.callerSpan)
            #expect(tracedHeaders["tracestate"] == "congo=t61rcWkgMzE")
            let carried = try #require(tracedBody["traceparent"] as? String).split(separator: "-").map(String.init)
            #expect(carried[1] == Self.callerTrace && carried[2] != traced[2] && carried[2] != Self.callerSpan)

            // No caller context: the publish started a trace, which the webhook continues.
            let (startedHeaders, startedBody) = try #require(byEvent["e-1"])
            let started = try #require(startedHeaders["traceparent"]).split(separator: "-").map(String.init)
            #expect(started.count == 4 && started[1] != Self.callerTrace && started[1] != String(repeating: "0", count: 32))
            #expect((startedBody["traceparent"] as? String)?.split(separator: "-").map(String.init)[1] == started[1])
            #expect(startedHeaders["tracestate"] == nil)
        }
    }
}
