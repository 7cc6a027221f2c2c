import HeraldCore
import HeraldRuntime
import Logging
import Testing

/// Every log line about an event names it and its trace.
@Suite struct EventLogMetadataTests {
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    @Test func namesTheEventAndItsTrace() {
        let metadata = EventLogMetadata.of(source: "/orders", id: "e-1", extensions: ["traceparent": traceparent])
        #expect(metadata == ["herald.event.source": "/orders", "herald.event.id": "e-1", "trace.id": "4bf92f3577b34da6a3ce929d0e0e4736"])
        #expect(EventLogMetadata.of(source: "/orders", id: "e-1", extensions: ["traceparent": "junk"])["trace.id"] == nil)
    }

    @Test func readsWhatItCanFromTheHeadersOfARecordThatIsNoEvent() {
        let headers = [RecordHeader(name: "ce_id", value: "e-1"), RecordHeader(name: "ce_traceparent", value: traceparent),
                       RecordHeader(name: "ce_source", value: [0xFF])]
        #expect(EventLogMetadata.of(headers: headers) == ["herald.event.id": "e-1", "trace.id": "4bf92f3577b34da6a3ce929d0e0e4736"])
    }
}
