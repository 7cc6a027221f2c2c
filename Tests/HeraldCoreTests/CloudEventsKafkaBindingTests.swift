import HeraldCore
import Testing

@Suite struct CloudEventsKafkaBindingTests {
    static let full = EventAttributes(
        id: "e-1", source: "https://shop.example/orders", type: "order.created", subject: "order-42",
        time: EventTimestamp(secondsSinceEpoch: 1_795_771_800, nanoseconds: 250_000_000),
        dataSchema: "http://registry:8081/schemas/ids/7", extensions: ["traceparent": "00-ab-cd-01", "region": "eu"]
    )

    @Test func writesBinaryModeHeaders() {
        let headers = CloudEventsKafkaBinding.headers(for: Self.full).map { ($0.name, String(decoding: $0.value, as: UTF8.self)) }
        let expected = [
            ("ce_id", "e-1"), ("ce_source", "https://shop.example/orders"), ("ce_type", "order.created"),
            ("ce_specversion", "1.0"), ("ce_time", "2026-11-27T09:30:00.250Z"), ("ce_subject", "order-42"),
            ("ce_dataschema", "http://registry:8081/schemas/ids/7"), ("content-type", "application/avro"),
            ("ce_region", "eu"), ("ce_traceparent", "00-ab-cd-01"),
        ]
        #expect(headers.map(\.0) == expected.map(\.0))
        #expect(headers.map(\.1) == expected.map(\.1))
    }

    @Test func omitsAbsentOptionalAttributes() {
        let names = CloudEventsKafkaBinding.headers(for: EventAttributes(id: "1", source: "/s", type: "t")).map(\.name)
        #expect(names == ["ce_id", "ce_source", "ce_type", "ce_specversion", "content-type"])
    }

    @Test func roundTrips() throws {
        for event in [Self.full, EventAttributes(id: "1", source: "/s", type: "t")] {
            let headers = CloudEventsKafkaBinding.headers(for: event)
            #expect(try CloudEventsKafkaBinding.attributes(from: headers) == event)
            // Foreign headers are ignored.
            #expect(try CloudEventsKafkaBinding.attributes(from: headers + [RecordHeader(name: "traceparent", value: "x")]) == event)
        }
    }

    static let corruptions: [(String, @Sendable (inout [RecordHeader]) -> Void)] = [
        ("header ce_id", { $0.removeAll { $0.name == "ce_id" } }),
        ("header ce_source", { $0.removeAll { $0.name == "ce_source" } }),
        ("header ce_type", { $0.removeAll { $0.name == "ce_type" } }),
        ("header ce_specversion", { $0.removeAll { $0.name == "ce_specversion" } }),
        ("header ce_specversion", { $0[3].value = Array("0.3".utf8) }),
        ("header content-type", { $0.removeAll { $0.name == "content-type" } }),
        ("header content-type", { $0[7].value = Array("application/json".utf8) }),
        ("header ce_time", { $0[4].value = Array("yesterday".utf8) }),
        ("header ce_id", { $0.append(RecordHeader(name: "ce_id", value: "again")) }),
        ("header ce_subject", { $0[5].value = [0xff, 0xfe] }),
        ("header ce_Region", { $0.append(RecordHeader(name: "ce_Region", value: "eu")) }),
        ("event.source", { $0[1].value = Array("not a uri".utf8) }),
    ]

    @Test(arguments: 0..<corruptions.count)
    func rejectsBrokenHeadersNamingThem(_ index: Int) {
        let (field, corrupt) = Self.corruptions[index]
        var headers = CloudEventsKafkaBinding.headers(for: Self.full)
        corrupt(&headers)
        let error = #expect(throws: EventAttributeError.self) { try CloudEventsKafkaBinding.attributes(from: headers) }
        #expect(error?.field == field)
    }
}
