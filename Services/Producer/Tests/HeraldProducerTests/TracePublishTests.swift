import GRPCCore
import HeraldCore
import HeraldKafka
import HeraldProtos
import SwiftProtobuf
import Testing

extension ProducerIntegration {
    /// A publish continues the caller's W3C trace context, unary and streamed alike, and writes it
    /// as `ce_traceparent`/`ce_tracestate`; a malformed `traceparent` extension is refused.
    @Suite struct TracePublishTests {
        static let caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

        @Test func recordsCarryTheCallersTraceWithThePublishAsParent() async throws {
            let stack = try await ProducerStack.start()
            _ = try await stack.registerOrderSchema()
            var metadata = Metadata()
            metadata.addString(Self.caller, forKey: "traceparent")
            metadata.addString("congo=t61rcWkgMzE", forKey: "tracestate")
            try await stack.withProducer { producer in
                _ = try await producer.publish(.with { $0.event = orderEvent(id: "unary") }, metadata: metadata)
                try await producer.publishStream(
                    metadata: metadata,
                    requestProducer: { try await $0.write(.with { $0.event = orderEvent(id: "streamed") }) },
                    onResponse: { response in for try await _ in response.messages {} })
                var malformed = orderEvent(id: "malformed")
                malformed.extensions["traceparent"] = "00-nope"
                let error = await #expect(throws: RPCError.self) { try await producer.publish(.with { $0.event = malformed }) }
                #expect(error?.code == .invalidArgument)
                #expect(error?.message.contains("traceparent") == true)
            }
            let records = try await stack.committedRecords()
            #expect(records.count == 2)
            for record in records {
                let headers = Dictionary(record.headers.map { ($0.name, String(decoding: $0.value ?? [], as: UTF8.self)) }, uniquingKeysWith: { a, _ in a })
                let context = try TraceContext(traceparent: try #require(headers["ce_traceparent"]))
                #expect(context.traceID == "4bf92f3577b34da6a3ce929d0e0e4736", "\(headers)")
                #expect(context.traceparent != Self.caller)
                #expect(headers["ce_tracestate"] == "congo=t61rcWkgMzE")
            }
            try await stack.stop()
        }
    }
}
