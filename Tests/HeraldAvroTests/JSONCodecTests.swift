import HeraldAvro
import Testing

@Suite struct JSONCodecTests {
    static let order = try! AvroSchema(parsing: """
        {"type": "record", "name": "Order", "namespace": "shop", "fields": [
          {"name": "id", "type": "string"},
          {"name": "items", "type": {"type": "array", "items": {"type": "record", "name": "Item", "fields": [
            {"name": "sku", "type": "string"}, {"name": "qty", "type": "int", "default": 1}]}}},
          {"name": "note", "type": ["null", "string"], "default": null},
          {"name": "total", "type": "double"},
          {"name": "digest", "type": ["null", {"type": "fixed", "name": "Digest", "size": 2}], "default": null},
          {"name": "meta", "type": {"type": "map", "values": ["long", "string"]}, "default": {}}
        ]}
        """)

    static let strictJSON = #"{"id":"o-1","items":[{"sku":"a","qty":2}],"note":{"string":"hi"},"total":9.5,"digest":{"shop.Digest":"\u0000ÿ"},"meta":{"n":{"long":5},"s":{"string":"x"}}}"#

    static let expected = AvroValue.record([
        .init("id", .string("o-1")),
        .init("items", .array([.record([.init("sku", .string("a")), .init("qty", .int(2))])])),
        .init("note", .union(branch: 1, .string("hi"))),
        .init("total", .double(9.5)),
        .init("digest", .union(branch: 1, .fixed([0, 255]))),
        .init("meta", .map([.init("n", .union(branch: 0, .long(5))), .init("s", .union(branch: 1, .string("x")))])),
    ])

    @Test func strictAvroJSONDecodesAndEncodesBackIdentically() throws {
        let value = try Self.order.decodeJSON(Self.strictJSON)
        #expect(value == Self.expected)
        #expect(try Self.order.jsonText(for: value, style: .avro) == Self.strictJSON)
    }

    @Test func jsonToBinaryEqualsEncodingTheValue() throws {
        #expect(try Self.order.encodeJSON(Self.strictJSON) == Self.order.encode(Self.expected))
        #expect(try Self.order.encodeJSON(Array(Self.strictJSON.utf8)) == Self.order.encode(Self.expected))
    }

    @Test func lenientTakesBareUnionValuesAndDefaults() throws {
        let lenient = #"{"id":"o-1","items":[{"sku":"a","qty":2.0}],"note":"hi","total":9.5,"digest":"\u0000ÿ","meta":{"n":5,"s":"x"}}"#
        #expect(try Self.order.decodeJSON(lenient, mode: .lenient) == Self.expected)
        let minimal = try Self.order.decodeJSON(#"{"id":"o-2","items":[{"sku":"b"}],"total":1}"#, mode: .lenient)
        #expect(minimal == .record([
            .init("id", .string("o-2")),
            .init("items", .array([.record([.init("sku", .string("b")), .init("qty", .int(1))])])),
            .init("note", .union(branch: 0, .null)),
            .init("total", .double(1)),
            .init("digest", .union(branch: 0, .null)),
            .init("meta", .map([])),
        ]))
        // The wrapped form stays accepted in lenient mode.
        #expect(try Self.order.decodeJSON(Self.strictJSON, mode: .lenient) == Self.expected)
    }

    @Test func naturalStyleUnwrapsUnions() throws {
        let text = try Self.order.jsonText(for: Self.expected, style: .natural)
        #expect(text == #"{"id":"o-1","items":[{"sku":"a","qty":2}],"note":"hi","total":9.5,"digest":"\u0000ÿ","meta":{"n":5,"s":"x"}}"#)
        #expect(try Self.order.decodeJSON(text, mode: .lenient) == Self.expected)
    }

    @Test func binaryToJSONForWebhooks() throws {
        let binary = try Self.order.encode(Self.expected)
        let json = try Self.order.json(fromBinary: binary, style: .natural)
        #expect(String(decoding: json, as: UTF8.self).hasPrefix(#"{"id":"o-1","items""#))
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        let json: String
        let mode: AvroJSONMode
        let path: String
        let message: String
        var testDescription: String { "\(path): \(message)" }
    }

    static let invalid: [Invalid] = [
        Invalid(json: #"{"id":"o","items":[{"sku":"a"},{"sku":"b"},{"sku":"c"},{"sku":7}],"total":1}"#, mode: .lenient,
                path: "items[3].sku", message: "expected string, got number"),
        Invalid(json: #"{"id":"o","items":[],"total":1}"#, mode: .strict, path: "note", message: "missing field"),
        Invalid(json: #"{"items":[],"total":1}"#, mode: .lenient, path: "id", message: "missing field without a default"),
        Invalid(json: #"{"id":"o","items":[],"total":1,"extra":true}"#, mode: .lenient, path: "", message: "has no field \"extra\""),
        Invalid(json: #"{"id":"o","items":[],"total":1,"id":"p"}"#, mode: .lenient, path: "id", message: "more than once"),
        Invalid(json: #"{"id":"o","items":[],"total":"1"}"#, mode: .lenient, path: "total", message: "expected double, got string"),
        Invalid(json: #"{"id":"o","items":[{"sku":"a","qty":1.5}],"total":1}"#, mode: .lenient, path: "items[0].qty", message: "not an integer"),
        Invalid(json: #"{"id":"o","items":[{"sku":"a","qty":3000000000}],"total":1}"#, mode: .lenient, path: "items[0].qty", message: "out of range for int"),
        Invalid(json: #"{"id":"o","items":[{"sku":"a","qty":2.0}],"total":1,"note":null,"digest":null,"meta":{}}"#, mode: .strict,
                path: "items[0].qty", message: "non-integer number"),
        Invalid(json: #"{"id":"o","items":[],"total":1,"note":"hi","digest":null,"meta":{}}"#, mode: .strict, path: "note", message: "expected a union value"),
        Invalid(json: #"{"id":"o","items":[],"total":1,"digest":"ĀĀ"}"#, mode: .lenient, path: "digest", message: "code points U+0000–U+00FF"),
        Invalid(json: #"{"id":"o","items":[],"total":1,"digest":"abc"}"#, mode: .lenient, path: "digest", message: "expected 2 bytes"),
        Invalid(json: #"{"id":"o","items":[],"total":1,"meta":{"k":true}}"#, mode: .lenient, path: #"meta["k"]"#, message: "expected one of [long, string], got boolean"),
        Invalid(json: #"{"id":"o","items":[],"total":1"#, mode: .lenient, path: "", message: "unterminated object"),
        Invalid(json: #"{"id":"\ud800","items":[],"total":1}"#, mode: .lenient, path: "", message: "unpaired surrogate"),
        Invalid(json: #"[1]"#, mode: .lenient, path: "", message: "expected record shop.Order, got array"),
    ]

    @Test(arguments: invalid)
    func validationErrorsNameTheFieldPath(_ invalid: Invalid) {
        do {
            _ = try Self.order.encodeJSON(invalid.json, mode: invalid.mode)
            Issue.record("accepted \(invalid.json)")
        } catch {
            #expect(error.path == invalid.path, "\(error)")
            #expect(error.message.contains(invalid.message), "\(error)")
        }
    }

    @Test func errorDescriptionReadsAsPathThenProblem() {
        #expect {
            try Self.order.encodeJSON(#"{"id":"o","items":[{"sku":"a"},{"sku":"b"},{"sku":"c"},{"sku":7}],"total":1}"#, mode: .lenient)
        } throws: { "\($0)" == "invalid value: items[3].sku: expected string, got number" }
    }

    @Test func outputIsValidJSONForHostileStrings() throws {
        let schema = try AvroSchema(parsing: #"{"type":"map","values":"string"}"#)
        let nasty = "quote\" backslash\\ newline\n tab\t nul\u{0} bell\u{7} del\u{7F} emoji😀 sep\u{2028}"
        let value = AvroValue.map([.init("k\"\n", .string(nasty))])
        let json = try schema.json(for: value)
        // Our own strict parser accepts it and gets the same strings back.
        #expect(try JSONValue(parsing: json) == .object([JSONValue.Member("k\"\n", .string(nasty))]))
        #expect(!json.contains(0x0A) && !json.contains(0x00))
    }

    @Test func nonFiniteNumbersRoundTripAsStrings() throws {
        let schema = try AvroSchema(parsing: #"{"type":"array","items":"double"}"#)
        let value = AvroValue.array([.double(.infinity), .double(-.infinity), .double(1e-7)])
        let text = try schema.jsonText(for: value)
        #expect(text == #"["Infinity","-Infinity",1e-07]"#)
        #expect(try schema.decodeJSON(text) == value)
        guard case .array(let items) = try schema.decodeJSON(#"["NaN"]"#), case .double(let nan) = items[0] else {
            Issue.record("NaN did not decode")
            return
        }
        #expect(nan.isNaN)
    }

    @Test func enumsAndLongsAtTheLimits() throws {
        let schema = try AvroSchema(parsing: #"{"type":"record","name":"R","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}},{"name":"l","type":"long"}]}"#)
        let value = try schema.decodeJSON(#"{"e":"B","l":-9223372036854775808}"#)
        #expect(value == .record([.init("e", .enum("B")), .init("l", .long(.min))]))
        #expect(throws: AvroError.self) { try schema.decodeJSON(#"{"e":"C","l":1}"#) }
        #expect(throws: AvroError.self) { try schema.decodeJSON(#"{"e":"A","l":9223372036854775808}"#) }
    }

    @Test func deeplyNestedJSONIsRejectedNotACrash() throws {
        let schema = try AvroSchema(parsing: #"{"type":"map","values":"int"}"#)
        let deep = String(repeating: "[", count: 100_000)
        #expect { try schema.encodeJSON(deep) } throws: { ($0 as? AvroError)?.code == .tooDeep }
    }
}
