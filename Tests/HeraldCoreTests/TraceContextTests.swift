import HeraldCore
import Testing

/// W3C trace context parsing and how each step of Herald carries it on.
@Suite struct TraceContextTests {
    let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    @Test func parsesAndPrintsTheW3CExample() throws {
        let context = try TraceContext(traceparent: parent, tracestate: "congo=t61rcWkgMzE")
        #expect(context.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(context.spanID == 0x00F0_67AA_0BA9_02B7)
        #expect(context.isSampled)
        #expect(context.traceparent == parent)
        #expect(context.state == "congo=t61rcWkgMzE")
    }

    @Test(arguments: [
        ("", "expected version-traceid-parentid-flags"),
        ("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "version ff is invalid"),
        ("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "trace id"),
        ("00-00000000000000000000000000000000-00f067aa0ba902b7-01", "trace id is all zeros"),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "parent id is all zeros"),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01", "parent id"),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1", "flags"),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", "version 00 has exactly four fields"),
    ])
    func rejectsMalformedTraceparentNamingWhy(traceparent: String, reason: String) {
        #expect {
            try TraceContext(traceparent: traceparent)
        } throws: { error in
            (error as? TraceContext.ParseError)?.reason.contains(reason) == true
        }
    }

    @Test func aVersion00HeaderWithAnyByteOutOfPlaceIsRefused() {
        let bytes = Array(parent.utf8)
        for index in bytes.indices {
            // Not hex, upper-case hex, a field separator: each makes the header malformed wherever it lands.
            for replacement in [UInt8(ascii: "G"), UInt8(ascii: "A"), UInt8(ascii: "-")] where bytes[index] != replacement {
                var changed = bytes
                changed[index] = replacement
                let text = String(decoding: changed, as: UTF8.self)
                #expect(throws: TraceContext.ParseError.self, "\(text)") { try TraceContext(traceparent: text) }
            }
        }
    }

    @Test func everyValidVersion00HeaderReadsBackAsItWasWritten() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let written = TraceContext(
                traceIDHigh: generator.next(), traceIDLow: generator.next() | 1, spanID: generator.next() | 1, flags: UInt8.random(in: 0...255))
            let read = try TraceContext(traceparent: written.traceparent)
            #expect(read == written)
            #expect(written.traceparent == "00-\(written.traceID)-\(TraceSteps.hex(spanID: written.spanID))-"
                + String(repeating: "0", count: written.flags < 16 ? 1 : 0) + String(written.flags, radix: 16))
        }
    }

    @Test func laterVersionsAreReadByTheirFirstFourFields() throws {
        let context = try TraceContext(traceparent: "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-ever")
        #expect(context.traceparent == parent)
    }

    @Test func publishContinuesTheEventsOwnContextFirstThenTheCallers() throws {
        let caller = try TraceContext(traceparent: "00-11111111111111111111111111111111-2222222222222222-01")
        let own = try TracePropagation.published(
            ["traceparent": parent, "tenant": "acme"], caller: caller, spanID: 0xAB, newTraceID: (1, 2))
        #expect(own == ["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00000000000000ab-01", "tenant": "acme"])

        let fromCaller = try TracePropagation.published([:], caller: caller.child(spanID: 7), spanID: 0xAB, newTraceID: (1, 2))
        #expect(fromCaller["traceparent"] == "00-11111111111111111111111111111111-00000000000000ab-01")

        let started = try TracePropagation.published([:], caller: nil, spanID: 0xAB, newTraceID: (1, 2))
        #expect(started == ["traceparent": "00-00000000000000010000000000000002-00000000000000ab-01"])
    }

    @Test func publishRefusesAnEventWhoseTraceparentDoesNotParse() {
        #expect(throws: TraceContext.ParseError.self) {
            try TracePropagation.published(["traceparent": "nope"], caller: nil, spanID: 1, newTraceID: (1, 2))
        }
    }

    @Test func routingAndDeliveryKeepTheTraceAndTheState() {
        let extensions = ["traceparent": parent, "tracestate": "congo=t61rcWkgMzE"]
        let routed = TracePropagation.continued(extensions, spanID: 0x42)
        #expect(routed["traceparent"] == "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000042-01")
        #expect(routed["tracestate"] == "congo=t61rcWkgMzE")

        let headers = TracePropagation.headers(for: routed, spanID: 0x43)
        #expect(headers.map(\.name) == ["traceparent", "tracestate"])
        #expect(headers.map(\.value) == ["00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000043-01", "congo=t61rcWkgMzE"])
    }

    @Test func eventsWithoutAReadableContextPassUnchangedAndGetNoHeaders() {
        #expect(TracePropagation.continued(["tenant": "acme"], spanID: 1) == ["tenant": "acme"])
        #expect(TracePropagation.continued(["traceparent": "junk"], spanID: 1) == ["traceparent": "junk"])
        #expect(TracePropagation.headers(for: ["traceparent": "junk"], spanID: 1).isEmpty)
    }

    @Test func derivedSpanIDsAreStableAndDistinct() {
        #expect(TraceContext.spanID(derivedFrom: "deliver|d-1|0") == TraceContext.spanID(derivedFrom: "deliver|d-1|0"))
        #expect(TraceContext.spanID(derivedFrom: "deliver|d-1|0") != TraceContext.spanID(derivedFrom: "deliver|d-1|1"))
    }
}
