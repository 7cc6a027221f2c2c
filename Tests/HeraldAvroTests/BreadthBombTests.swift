import HeraldAvro
import Testing

/// Schemas that reuse a record type twice per level: their walk doubles with each level while
/// the schema text and an encoded value (record fields of null encode to nothing) stay tiny.
@Suite(.timeLimit(.minutes(1))) struct BreadthBombTests {
    /// `L0 { a: L1, b: L1 }`, `L1 { a: L2, b: L2 }`, …, `L<depth> { leaf: <leaf> }`.
    static func bomb(depth: Int, leaf: String = #""null""#) throws -> AvroSchema {
        var type = #"{"type":"record","name":"L\#(depth)","fields":[{"name":"leaf","type":\#(leaf)}]}"#
        for level in stride(from: depth - 1, through: 0, by: -1) {
            type = #"{"type":"record","name":"L\#(level)","fields":[{"name":"a","type":\#(type)},{"name":"b","type":"L\#(level + 1)"}]}"#
        }
        return try AvroSchema(parsing: type)
    }

    static func isTooComplex(_ error: any Error) -> Bool {
        guard let error = error as? AvroError else { return false }
        return error.code == .tooComplex && error.message.contains("record fields")
    }

    @Test func decodingAnEmptyPayloadOfABombFailsWithinTheBudget() throws {
        let schema = try Self.bomb(depth: 36)
        #expect { try schema.decode([UInt8]()) } throws: { Self.isTooComplex($0) }
        #expect { try schema.validate([UInt8]()) } throws: { Self.isTooComplex($0) }
        #expect { try schema.json(fromBinary: [UInt8]()) } throws: { Self.isTooComplex($0) }
        let resolver = try AvroResolver(writer: schema, reader: schema)
        #expect { try resolver.decode([UInt8]()) } throws: { Self.isTooComplex($0) }
    }

    @Test func aSmallBombStillDecodes() throws {
        let schema = try Self.bomb(depth: 6)
        let value = try schema.decode([UInt8]())
        #expect(try schema.encode(value) == [])
        try schema.validate([UInt8]())
    }

    @Test func manyRecordsBackedByInputStayWithinTheBudget() throws {
        let schema = try AvroSchema(parsing: #"{"type":"array","items":{"type":"record","name":"P","fields":[{"name":"x","type":"int"},{"name":"y","type":"int"},{"name":"z","type":"int"}]}}"#)
        let count = 400_000
        let value = AvroValue.array(Array(repeating: .record([.init("x", .int(1)), .init("y", .int(2)), .init("z", .int(3))]), count: count))
        let bytes = try schema.encode(value)
        try schema.validate(bytes)
        guard case .array(let items) = try schema.decode(bytes) else { Issue.record("not an array"); return }
        #expect(items.count == count)
    }

    @Test func compatibilityOfABombWithItselfIsCheckedOncePerTypePair() throws {
        let schema = try Self.bomb(depth: 36)
        #expect(SchemaCompatibility.check(schema, against: [schema], level: .fullTransitive).isEmpty)
    }

    @Test func anIncompatibleBombIsReportedOncePerTypePairNotPerPath() throws {
        let previous = try Self.bomb(depth: 36, leaf: #""int""#)
        let new = try Self.bomb(depth: 36, leaf: #""string""#)
        let found = SchemaCompatibility.check(new, against: [previous], level: .backward)
        #expect(found.count == 1)
        #expect(found.first?.kind == .typeMismatch)
        #expect(found.first?.path == "/" + Array(repeating: "fields/0/type", count: 36).joined(separator: "/") + "/fields/0/type")
    }
}
