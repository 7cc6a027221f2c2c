import HeraldAvro
import Testing

@Suite struct BinaryCodecTests {
    static let order = try! AvroSchema(parsing: """
        {"type":"record","namespace":"com.example","name":"Order","fields":[{"name":"id","type":"string"},{"name":"qty","type":"int"},{"name":"tags","type":{"type":"array","items":"string"}},{"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","DONE"]}},{"name":"hash","type":{"type":"fixed","name":"MD5","size":4}},{"name":"note","type":["null","string"]},{"name":"price","type":"double"},{"name":"ratio","type":"float"},{"name":"big","type":"long"},{"name":"ok","type":"boolean"},{"name":"raw","type":"bytes"},{"name":"attrs","type":{"type":"map","values":"int"}}]}
        """)

    static let orderValue = AvroValue.record([
        .init("id", .string("o-1")), .init("qty", .int(-3)), .init("tags", .array([.string("a"), .string("bé")])),
        .init("status", .enum("DONE")), .init("hash", .fixed([0, 1, 2, 255])), .init("note", .union(branch: 1, .string("hi"))),
        .init("price", .double(1.5)), .init("ratio", .float(0.25)), .init("big", .long(.min)), .init("ok", .boolean(true)),
        .init("raw", .bytes([0x61, 0x00, 0x62])), .init("attrs", .map([.init("k", .int(300))])),
    ])

    /// fastavro 1.13.1 `schemaless_writer` output for `orderValue`.
    static let orderBinary = bytes(fromHex: "066f2d31050402610662c3a90002000102ff02046869000000000000f83f0000803effffffffffffffffff01010661006202026bd80400")

    static func bytes(fromHex hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return result
    }

    @Test func encodingMatchesFastavroByteForByte() throws {
        #expect(try Self.order.encode(Self.orderValue) == Self.orderBinary)
    }

    @Test func decodingFastavroOutputGivesTheValue() throws {
        #expect(try Self.order.decode(Self.orderBinary) == Self.orderValue)
        try Self.order.validate(Self.orderBinary)
    }

    @Test func bytesWithNULSurviveBinaryAndJSON() throws {
        let schema = try AvroSchema(parsing: #""bytes""#)
        let value = AvroValue.bytes([0, 0, 1, 0, 0xFF, 0])
        #expect(try schema.decode(schema.encode(value)) == value)
        let json = try schema.jsonText(for: value)
        #expect(json == #""\u0000\u0000\u0001\u0000ÿ\u0000""#)
        #expect(try schema.decodeJSON(json) == value)
        let text = try AvroSchema(parsing: #""string""#)
        #expect(try text.decode(text.encode(.string("a\0b"))) == .string("a\0b"))
    }

    @Test func bareUnionValuesAndPromotionsEncode() throws {
        let schema = try AvroSchema(parsing: #"{"type":"record","name":"R","fields":[{"name":"u","type":["null","long","string"]},{"name":"d","type":"double"},{"name":"l","type":"long","default":5}]}"#)
        let bare = AvroValue.record([.init("u", .string("x")), .init("d", .int(2))])
        let explicit = AvroValue.record([.init("u", .union(branch: 2, .string("x"))), .init("d", .double(2)), .init("l", .long(5))])
        #expect(try schema.encode(bare) == schema.encode(explicit))
        #expect(try schema.decode(schema.encode(bare)) == explicit)
        #expect { try schema.encode(.record([.init("u", .boolean(true)), .init("d", .double(1))])) } throws: { error in
            let error = error as! AvroError
            return error.path == "u" && error.message.contains("no branch of union")
        }
        #expect { try schema.encode(.record([.init("u", .null), .init("d", .double(1)), .init("zz", .null)])) } throws: { error in
            (error as! AvroError).message.contains("has no field \"zz\"")
        }
    }

    @Test func zigZagVarintsAtTheLimits() throws {
        let long = try AvroSchema(parsing: #""long""#)
        let cases: [(Int64, [UInt8])] = [
            (0, [0]), (-1, [1]), (1, [2]), (-64, [0x7F]), (64, [0x80, 0x01]),
            (.max, [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
            (.min, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
        ]
        for (number, encoded) in cases {
            #expect(try long.encode(.long(number)) == encoded)
            #expect(try long.decode(encoded) == .long(number))
        }
    }

    @Test func valuesThatDoNotFitTheSchemaAreRejectedWithAPath() {
        var bad = Self.orderValue
        guard case .record(var fields) = bad else { return }
        fields[2] = .init("tags", .array([.string("a"), .int(3)]))
        bad = .record(fields)
        #expect {
            try Self.order.encode(bad)
        } throws: { error in
            let error = error as! AvroError
            return error.path == "tags[1]" && error.message == "expected string, got int"
        }
        #expect(throws: AvroError.self) { try Self.order.encode(.record([.init("id", .string("x"))])) }
        #expect(throws: AvroError.self) { try AvroSchema(parsing: #"{"type":"enum","name":"E","symbols":["A"]}"#).encode(.enum("B")) }
    }

    struct Malformed: Sendable, CustomTestStringConvertible {
        let name: String
        let schema: String
        let bytes: [UInt8]
        let code: AvroError.Code
        var testDescription: String { name }
    }

    static let malformed: [Malformed] = [
        Malformed(name: "empty input for int", schema: #""int""#, bytes: [], code: .truncated),
        Malformed(name: "unterminated varint", schema: #""long""#, bytes: [0x80, 0x80], code: .truncated),
        Malformed(name: "varint over 64 bits", schema: #""long""#, bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], code: .malformed),
        Malformed(name: "int out of range", schema: #""int""#, bytes: [0x80, 0x80, 0x80, 0x80, 0x10], code: .malformed),
        Malformed(name: "negative string length", schema: #""string""#, bytes: [0x01], code: .malformed),
        Malformed(name: "huge string length", schema: #""string""#, bytes: [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], code: .truncated),
        Malformed(name: "string shorter than its length", schema: #""string""#, bytes: [0x06, 0x61], code: .truncated),
        Malformed(name: "invalid UTF-8", schema: #""string""#, bytes: [0x04, 0xC3, 0x28], code: .malformed),
        Malformed(name: "UTF-8 surrogate", schema: #""string""#, bytes: [0x06, 0xED, 0xA0, 0x80], code: .malformed),
        Malformed(name: "overlong UTF-8", schema: #""string""#, bytes: [0x04, 0xC0, 0xAF], code: .malformed),
        Malformed(name: "union index too large", schema: #"["null", "int"]"#, bytes: [0x04], code: .malformed),
        Malformed(name: "negative union index", schema: #"["null", "int"]"#, bytes: [0x01], code: .malformed),
        Malformed(name: "enum index out of range", schema: #"{"type":"enum","name":"E","symbols":["A"]}"#, bytes: [0x02], code: .malformed),
        Malformed(name: "boolean not 0 or 1", schema: #""boolean""#, bytes: [0x02], code: .malformed),
        Malformed(name: "truncated double", schema: #""double""#, bytes: [0, 0, 0], code: .truncated),
        Malformed(name: "truncated fixed", schema: #"{"type":"fixed","name":"F","size":4}"#, bytes: [1, 2], code: .truncated),
        Malformed(name: "huge array count", schema: #"{"type":"array","items":"long"}"#, bytes: [0xFE, 0xFF, 0xFF, 0xFF, 0x0F, 0x02], code: .truncated),
        Malformed(name: "huge count of empty items", schema: #"{"type":"array","items":"null"}"#, bytes: [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], code: .malformed),
        Malformed(name: "Int64.min block count", schema: #"{"type":"map","values":"int"}"#, bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], code: .malformed),
        Malformed(name: "negative block size", schema: #"{"type":"array","items":"int"}"#, bytes: [0x01, 0x01, 0x02, 0x00], code: .malformed),
        Malformed(name: "missing end of array", schema: #"{"type":"array","items":"int"}"#, bytes: [0x02, 0x02], code: .truncated),
        Malformed(name: "trailing bytes", schema: #""int""#, bytes: [0x02, 0x00], code: .trailingBytes),
        Malformed(name: "deep recursion", schema: #"{"type":"record","name":"N","fields":[{"name":"n","type":["null","N"]}]}"#,
                  bytes: [UInt8](repeating: 0x02, count: 100_000) + [0x00], code: .tooDeep),
    ]

    @Test(arguments: malformed)
    func malformedBinaryIsAClearErrorNeverACrash(_ malformed: Malformed) throws {
        let schema = try AvroSchema(parsing: malformed.schema)
        #expect {
            try schema.decode(malformed.bytes)
        } throws: { ($0 as? AvroError)?.code == malformed.code }
        #expect {
            try schema.validate(malformed.bytes)
        } throws: { ($0 as? AvroError)?.code == malformed.code }
        #expect {
            try schema.json(fromBinary: malformed.bytes)
        } throws: { ($0 as? AvroError)?.code == malformed.code }
    }

    @Test func errorsInsideRecordsNameTheField() throws {
        var bytes = Self.orderBinary
        bytes[7] = 0xFF  // the "a" of the first tag → invalid UTF-8
        #expect {
            try Self.order.validate(bytes)
        } throws: { error in
            let error = error as! AvroError
            return error.code == .malformed && error.path == "tags[0]"
        }
    }

    @Test func everyTruncationOfAValidEncodingFailsCleanly() throws {
        for length in 0..<Self.orderBinary.count {
            let prefix = Array(Self.orderBinary[..<length])
            #expect(throws: AvroError.self) { try Self.order.decode(prefix) }
            #expect(throws: AvroError.self) { try Self.order.validate(prefix) }
        }
    }

    @Test func blocksWithByteSizesDecode() throws {
        // Count -2 (zig-zag 0x03) followed by the block's byte size, as Java's buffered encoders write.
        let schema = try AvroSchema(parsing: #"{"type":"array","items":"int"}"#)
        #expect(try schema.decode([0x03, 0x04, 0x02, 0x04, 0x00]) == .array([.int(1), .int(2)]))
    }
}
