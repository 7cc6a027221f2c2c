import HeraldCore
import Testing

@Suite struct EventValidationTests {
    static func event(source: String = "https://shop.example/orders", extensions: [String: String] = [:]) -> EventAttributes {
        EventAttributes(id: "e-1", source: source, type: "order.created", extensions: extensions)
    }

    static let validSources = [
        "https://shop.example/orders", "/accounts", "urn:billing:eu-1", "mailto:ops@example.com",
        "//cdn.example:8080/a?b=c#d", "http://[2001:db8::1]:80/x", "relative/path", "a%20b", "tag:x,2026:y",
        "http://user:pw@host/p;q=1", "?only-query", "#frag", "s3+x.y-z://bucket/k~e_y",
    ]

    @Test(arguments: validSources)
    func acceptsURIReferences(_ source: String) throws {
        try Self.event(source: source).validate()
    }

    static let invalidSources: [(String, String)] = [
        ("has space", "space at offset 3"),
        ("tab\there", "control character U+0009 at offset 3"),
        ("bad%2", "invalid percent-encoding at offset 3"),
        ("bad%zz", "invalid percent-encoding at offset 3"),
        ("ü/x", "non-ASCII character (percent-encode it) at offset 0"),
        ("a{b}", "'{' at offset 1"),
        ("1http://x", "\"1http\" before ':' is not a valid scheme"),
        ("x#a#b", "a second '#'"),
        ("http://[::1/x", "no closing ']'"),
        ("http://host:8o/", "'o' at offset 13 in the port"),
        ("http://a@b@c/", "a second '@'"),
        ("/p[0]", "'[' at offset 2 in the path"),
    ]

    @Test(arguments: invalidSources)
    func rejectsNonURIReferences(_ source: String, _ expected: String) {
        let error = #expect(throws: EventAttributeError.self) { try Self.event(source: source).validate() }
        #expect(error?.field == "event.source")
        #expect(error?.description.hasPrefix("event.source: not a URI-reference: ") == true)
        #expect(error?.reason.contains(expected) == true, "\(String(describing: error))")
    }

    @Test func requiredAttributesNamed() {
        for (event, field) in [
            (EventAttributes(id: "", source: "/s", type: "t"), "event.id"),
            (EventAttributes(id: "1", source: "", type: "t"), "event.source"),
            (EventAttributes(id: "1", source: "/s", type: ""), "event.type"),
            (EventAttributes(id: "1", source: "/s", type: "t", dataSchema: "not a uri"), "event.dataschema"),
            (EventAttributes(id: "1", source: "/s", type: "t", time: EventTimestamp(secondsSinceEpoch: 0, nanoseconds: 1_000_000_000)), "event.time"),
            (EventAttributes(id: "1", source: "/s", type: "t", time: EventTimestamp(secondsSinceEpoch: 253_402_300_800)), "event.time"),
        ] {
            #expect(throws: EventAttributeError.self) { try event.validate() }
            #expect((try? event.validate()) == nil)
            do { try event.validate() } catch { #expect(error.field == field) }
        }
    }

    @Test(arguments: ["traceparent", "region1", "a", "averyveryverylongextensionname"])
    func acceptsExtensionNames(_ name: String) throws {
        try Self.event(extensions: [name: "v"]).validate()
    }

    @Test(arguments: ["Region", "trace-id", "trace_id", "", "é", "id", "source", "specversion", "type", "datacontenttype", "dataschema", "subject", "time", "data"])
    func rejectsExtensionNames(_ name: String) {
        let error = #expect(throws: EventAttributeError.self) { try Self.event(extensions: ["ok": "1", name: "v"]).validate() }
        #expect(error?.field == "event.extensions[\"\(name)\"]")
    }
}

@Suite struct EventTimestampTests {
    static let cases: [(EventTimestamp, String)] = [
        (EventTimestamp(secondsSinceEpoch: 0), "1970-01-01T00:00:00Z"),
        (EventTimestamp(secondsSinceEpoch: 1_795_771_800, nanoseconds: 250_000_000), "2026-11-27T09:30:00.250Z"),
        (EventTimestamp(secondsSinceEpoch: 951_782_400, nanoseconds: 1_000), "2000-02-29T00:00:00.000001Z"),
        (EventTimestamp(secondsSinceEpoch: -1, nanoseconds: 123_456_789), "1969-12-31T23:59:59.123456789Z"),
        (.earliest, "0001-01-01T00:00:00Z"),
        (.latest, "9999-12-31T23:59:59.999999999Z"),
    ]

    @Test(arguments: cases)
    func formatsAndParses(_ time: EventTimestamp, _ text: String) {
        #expect(time.rfc3339 == text)
        #expect(EventTimestamp(rfc3339: text) == time)
    }

    @Test func parsesOffsetsAndVariants() {
        let utc = EventTimestamp(secondsSinceEpoch: 1_795_771_800, nanoseconds: 250_000_000)
        #expect(EventTimestamp(rfc3339: "2026-11-27T11:00:00.25+01:30") == utc)
        #expect(EventTimestamp(rfc3339: "2026-11-27t09:30:00.2500000000001z") == utc)
        #expect(EventTimestamp(rfc3339: "2016-12-31T23:59:60Z") == EventTimestamp(secondsSinceEpoch: 1_483_228_800))
    }

    @Test(arguments: ["", "2026-11-27", "2026-11-27T09:30:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
                      "2026-11-27T24:00:00Z", "2026-11-27T09:30:00.Z", "2026-11-27 09:30:00Z", "2026-11-27T09:30:00+0100", "0000-01-01T00:00:00Z"])
    func rejectsMalformed(_ text: String) {
        #expect(EventTimestamp(rfc3339: text) == nil)
    }
}
