import HeraldAvro
import Testing

/// Expected canonical forms and fingerprints were computed independently with Python fastavro
/// 1.13.1 (`to_parsing_canonical_form`, `fingerprint`) and embedded here.
@Suite struct CanonicalFormTests {
    static let orderText = """
        {"type":"record","namespace":"com.example","name":"Order","doc":"an order","fields":[{"name":"id","type":"string","doc":"x"},{"name":"qty","type":{"type":"int"},"default":1},{"name":"tags","type":{"type":"array","items":"string"}},{"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","DONE"]}},{"name":"hash","type":{"type":"fixed","name":"MD5","size":16}},{"name":"note","type":["null","string"],"default":null},{"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"attrs","type":{"type":"map","values":"Status"}}]}
        """

    struct Vector: Sendable, CustomTestStringConvertible {
        let text: String
        let canonical: String
        let rabin: String
        let sha256: String
        let md5: String
        var testDescription: String { canonical }
    }

    static let vectors: [Vector] = [
        Vector(text: #""int""#, canonical: #""int""#, rabin: "8f5c393f1ad57572",
               sha256: "3f2b87a9fe7cc9b13835598c3981cd45e3e355309e5090aa0933d7becb6fba45", md5: "ef524ea1b91e73173d938ade36c1db32"),
        Vector(text: orderText,
               canonical: #"{"name":"com.example.Order","type":"record","fields":[{"name":"id","type":"string"},{"name":"qty","type":"int"},{"name":"tags","type":{"type":"array","items":"string"}},{"name":"status","type":{"name":"com.example.Status","type":"enum","symbols":["NEW","DONE"]}},{"name":"hash","type":{"name":"com.example.MD5","type":"fixed","size":16}},{"name":"note","type":["null","string"]},{"name":"ts","type":"long"},{"name":"attrs","type":{"type":"map","values":"com.example.Status"}}]}"#,
               rabin: "8778f3d8fbb03b55", sha256: "df6a7665bca76c61282b237502ea481ddb8ccc935c3a6450d75936ee4973ee45", md5: "dd40060e66aec5b45797b0caf63ef4a7"),
        Vector(text: #"{"type":"record","name":"Node","fields":[{"name":"value","type":"long"},{"name":"next","type":["null","Node"]}]}"#,
               canonical: #"{"name":"Node","type":"record","fields":[{"name":"value","type":"long"},{"name":"next","type":["null","Node"]}]}"#,
               rabin: "1b4a85b71fede606", sha256: "45fd47b24ac666da1f29d7b3f056bb92a976dd2e2c4469a5621d7f71f6375782", md5: "ec634bf07a21ac3ab03bea165b41467c"),
    ]

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    @Test(arguments: vectors)
    func canonicalFormAndFingerprintsMatchFastavro(_ vector: Vector) throws {
        let schema = try AvroSchema(parsing: vector.text)
        #expect(schema.canonicalForm == vector.canonical)
        #expect(Self.hex(schema.fingerprint(.rabin)) == vector.rabin)
        #expect(Self.hex(schema.fingerprint(.sha256)) == vector.sha256)
        #expect(Self.hex(schema.fingerprint(.md5)) == vector.md5)
    }

    @Test func rabinOfIntIsTheSpecificationsValue() throws {
        // The Avro specification's test vector for "int", as a 64-bit number.
        #expect(try AvroSchema(parsing: #""int""#).rabinFingerprint == 0x7275_d51a_3f39_5c8f)
    }

    @Test(arguments: vectors)
    func canonicalFormIsIdempotent(_ vector: Vector) throws {
        let once = try AvroSchema(parsing: vector.text).canonicalForm
        #expect(try AvroSchema(parsing: once).canonicalForm == once)
        let normalized = try AvroSchema(parsing: vector.text).normalizedForm
        #expect(try AvroSchema(parsing: normalized).normalizedForm == normalized)
    }

    @Test func formsAreStableUnderAttributeReorderingWhitespaceAndEscapes() throws {
        let a = try AvroSchema(parsing: """
            {"type": "record", "name": "Order", "namespace": "com.example", "doc": "d", "aliases": ["B", "A"],
             "fields": [{"name": "id", "type": "string", "default": "x", "doc": "i"},
                        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis", "x-unit": "ms"}}]}
            """)
        let b = try AvroSchema(parsing: """
            {"fields":[{"doc":"i","default":"x","type":"string","name":"id"},{"type":{"x-unit":"ms","logicalType":"timestamp-millis","type":"long"},"name":"at"}],
             "aliases":["A","B"],"doc":"d","name":"com.example.Order","type":"record"}
            """)
        let c = try AvroSchema(parsing: #"{"type":"record","name":"\u004frder","namespace":"com.example","doc":"d","aliases":["A","B"],"fields":[{"name":"id","type":"string","default":"x","doc":"i"},{"name":"at","type":{"type":"long","logicalType":"timestamp-millis","x-unit":"ms"}}]}"#)
        #expect(a.canonicalForm == b.canonicalForm)
        #expect(a.canonicalForm == c.canonicalForm)
        #expect(a.normalizedForm == b.normalizedForm)
        #expect(a.normalizedForm == c.normalizedForm)
        #expect(a.fingerprint(.sha256) == b.fingerprint(.sha256))
        #expect(a.normalizedForm == #"{"name":"com.example.Order","type":"record","fields":[{"name":"id","type":"string","default":"x","doc":"i"},{"name":"at","type":{"type":"long","logicalType":"timestamp-millis","x-unit":"ms"}}],"aliases":["com.example.A","com.example.B"],"doc":"d"}"#)
    }

    @Test func normalizedFormKeepsWhatCanonicalFormStrips() throws {
        let withDefault = try AvroSchema(parsing: #"{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":1}]}"#)
        let without = try AvroSchema(parsing: #"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#)
        #expect(withDefault.canonicalForm == without.canonicalForm)
        #expect(withDefault.normalizedForm != without.normalizedForm)
    }
}
