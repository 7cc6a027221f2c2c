import HeraldAvro
import Testing

@Suite struct SchemaParsingTests {
    @Test func parsesEveryKindWithNamespacesAndLogicalTypes() throws {
        let schema = try AvroSchema(parsing: """
            {"type": "record", "name": "Order", "namespace": "com.example", "aliases": ["OldOrder"],
             "fields": [
               {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
               {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
               {"name": "day", "type": {"type": "int", "logicalType": "date"}},
               {"name": "at", "type": {"type": "long", "logicalType": "timestamp-micros"}},
               {"name": "local", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
               {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "DONE"], "default": "NEW"}},
               {"name": "hash", "type": {"type": "fixed", "name": "other.Hash", "size": 16}},
               {"name": "lines", "type": {"type": "array", "items": {"type": "record", "name": "Line", "fields": [{"name": "sku", "type": "string"}]}}},
               {"name": "again", "type": ["null", "Line", "other.Hash"]},
               {"name": "labels", "type": {"type": "map", "values": "Status"}}
             ]}
            """)
        #expect(schema.type == .record)
        #expect(schema.fullName == "com.example.Order")
        #expect(schema.aliases == ["com.example.OldOrder"])
        let fields = schema.fields
        #expect(fields.map(\.name) == ["id", "amount", "day", "at", "local", "status", "hash", "lines", "again", "labels"])
        #expect(fields[0].type.logicalType == .uuid)
        #expect(fields[1].type.logicalType == .decimal(precision: 9, scale: 2))
        #expect(fields[2].type.logicalType == .date)
        #expect(fields[3].type.logicalType == .timestampMicros)
        #expect(fields[4].type.logicalType == .localTimestampMillis)
        #expect(fields[5].type.fullName == "com.example.Status")
        #expect(fields[5].type.enumDefault == "NEW")
        #expect(fields[6].type.fullName == "other.Hash")
        #expect(fields[6].type.size == 16)
        #expect(fields[7].type.items?.fullName == "com.example.Line")
        #expect(fields[8].type.branches.map(\.type) == [.null, .record, .fixed])
        #expect(fields[9].type.values?.fullName == "com.example.Status")
    }

    @Test func invalidLogicalTypesAreIgnoredAsTheSpecificationRequires() throws {
        let scaleAbovePrecision = try AvroSchema(parsing: #"{"type": "bytes", "logicalType": "decimal", "precision": 2, "scale": 3}"#)
        #expect(scaleAbovePrecision.logicalType == nil)
        #expect(scaleAbovePrecision.type == .bytes)
        let wrongUnderlying = try AvroSchema(parsing: #"{"type": "string", "logicalType": "date"}"#)
        #expect(wrongUnderlying.logicalType == nil)
        let unknown = try AvroSchema(parsing: #"{"type": "long", "logicalType": "nanos"}"#)
        #expect(unknown.logicalType == nil)
        #expect(unknown.normalizedForm == #"{"type":"long","logicalType":"nanos"}"#)
    }

    @Test func errorTypesAreRecordsThatKeepTheirKeyword() throws {
        let schema = try AvroSchema(parsing: #"{"type": "error", "name": "Failure", "fields": [{"name": "reason", "type": "string"}]}"#)
        #expect(schema.type == .record)
        #expect(schema.canonicalForm == #"{"name":"Failure","type":"error","fields":[{"name":"reason","type":"string"}]}"#)
    }

    @Test func recursiveTypesParse() throws {
        let schema = try AvroSchema(parsing: #"{"type": "record", "name": "Node", "fields": [{"name": "next", "type": ["null", "Node"]}]}"#)
        #expect(schema.fields[0].type.branches[1].fullName == "Node")
        #expect(schema.fields[0].type.branches[1].fields[0].name == "next")
    }

    @Test func referencesToOtherSchemasResolve() throws {
        let address = try AvroSchema(parsing: #"{"type": "record", "name": "Address", "namespace": "com.example", "fields": [{"name": "city", "type": "string"}]}"#)
        let customer = try AvroSchema(
            parsing: #"{"type": "record", "name": "Customer", "namespace": "com.example", "fields": [{"name": "home", "type": "Address"}]}"#,
            references: [address])
        #expect(customer.fields[0].type.fields[0].name == "city")
        // Parsing Canonical Form is self-contained; the normalized form keeps the reference by name.
        #expect(customer.canonicalForm.contains(#"{"name":"com.example.Address","type":"record""#))
        #expect(customer.normalizedForm.contains(#""type":"com.example.Address""#))
        #expect(throws: AvroError.self) { try AvroSchema(parsing: #"{"type": "record", "name": "C", "fields": [{"name": "a", "type": "com.example.Address"}]}"#) }
    }

    struct Invalid: CustomTestStringConvertible, Sendable {
        let text: String
        let path: String
        let message: String
        var testDescription: String { message }
    }

    static let invalid: [Invalid] = [
        Invalid(text: #"{"type": "strin"}"#, path: "/type", message: "unknown type \"strin\""),
        Invalid(text: #"{"type": "record", "name": "R", "fields": [{"name": "a", "type": "Nope"}]}"#, path: "/fields/0/type", message: "unknown type \"Nope\""),
        Invalid(text: #"{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}, {"name": "a", "type": "int"}]}"#, path: "/fields/1/name", message: "more than once"),
        Invalid(text: #"{"type": "record", "name": "1R", "fields": []}"#, path: "/name", message: "invalid name"),
        Invalid(text: #"{"type": "record", "name": "R"}"#, path: "", message: "\"fields\""),
        Invalid(text: #"{"type": "record", "name": "R", "fields": [{"name": "a-b", "type": "int"}]}"#, path: "/fields/0/name", message: "invalid field name"),
        Invalid(text: #"["int", ["null"]]"#, path: "/1", message: "may not directly contain a union"),
        Invalid(text: #"["int", "string", "int"]"#, path: "/2", message: "more than once"),
        Invalid(text: #"{"type": "enum", "name": "E", "symbols": ["A", "A"]}"#, path: "/symbols/1", message: "more than once"),
        Invalid(text: #"{"type": "enum", "name": "E", "symbols": ["A"], "default": "B"}"#, path: "/default", message: "not one of its symbols"),
        Invalid(text: #"{"type": "enum", "name": "E", "symbols": ["9"]}"#, path: "/symbols/0", message: "invalid enum symbol"),
        Invalid(text: #"{"type": "fixed", "name": "F", "size": -1}"#, path: "/size", message: "non-negative integer"),
        Invalid(text: #"{"type": "array"}"#, path: "", message: "missing \"items\""),
        Invalid(text: #"{"type": "map", "values": {"type": "oops"}}"#, path: "/values/type", message: "unknown type"),
        Invalid(text: #"{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int", "default": "x"}]}"#, path: "/fields/0/default", message: "invalid default for field \"a\""),
        Invalid(text: #"{"type": "record", "name": "R", "fields": [{"name": "a", "type": ["null", "int"], "default": 1}]}"#, path: "/fields/0/default", message: "invalid default for field \"a\""),
        Invalid(text: #"[{"type": "record", "name": "R", "fields": []}, {"type": "record", "name": "R", "fields": []}]"#, path: "/1/name", message: "defined more than once"),
        Invalid(text: #"{"type": "record", "name": "int", "fields": []}"#, path: "/name", message: "redefines a primitive"),
        Invalid(text: #"{"type": "record", "name": "R", "fields": [}"#, path: "", message: "not valid JSON"),
        Invalid(text: #"42"#, path: "", message: "must be a string, an array or an object"),
    ]

    @Test(arguments: invalid)
    func invalidSchemasNameWhatAndWhere(_ invalid: Invalid) {
        do {
            _ = try AvroSchema(parsing: invalid.text)
            Issue.record("parsed \(invalid.text)")
        } catch {
            #expect(error.code == .invalidSchema)
            #expect(error.path == invalid.path, "\(error)")
            #expect(error.message.contains(invalid.message), "\(error)")
        }
    }

    @Test func validDefaultsOfEveryKindAreAccepted() throws {
        let schema = try AvroSchema(parsing: """
            {"type": "record", "name": "D", "fields": [
              {"name": "b", "type": "bytes", "default": "\\u0000\\u00ff"},
              {"name": "u", "type": ["null", "string"], "default": null},
              {"name": "s", "type": ["string", "null"], "default": "x"},
              {"name": "r", "type": {"type": "record", "name": "In", "fields": [{"name": "x", "type": "int", "default": 7}, {"name": "y", "type": "long"}]}, "default": {"y": 1}},
              {"name": "f", "type": "float", "default": 1},
              {"name": "m", "type": {"type": "map", "values": "int"}, "default": {"a": 1}},
              {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B"]}, "default": "B"}
            ]}
            """)
        #expect(schema.fields[3].defaultValue == .object([JSONValue.Member("y", .integer(1))]))
        // Omitting every field in lenient JSON fills all the defaults.
        let value = try schema.decodeJSON("{}", mode: .lenient)
        #expect(value[field: "b"] == .bytes([0, 255]))
        #expect(value[field: "u"] == .union(branch: 0, .null))
        #expect(value[field: "s"] == .union(branch: 0, .string("x")))
        #expect(value[field: "r"] == .record([AvroValue.Field("x", .int(7)), AvroValue.Field("y", .long(1))]))
        #expect(value[field: "f"] == .float(1))
        #expect(value[field: "m"] == .map([AvroValue.Entry("a", .int(1))]))
        #expect(value[field: "e"] == .enum("B"))
    }
}
