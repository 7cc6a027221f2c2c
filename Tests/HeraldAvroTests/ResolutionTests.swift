import HeraldAvro
import Testing

@Suite struct ResolutionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let rule: String
        let writer: String
        let reader: String
        let written: AvroValue
        let read: AvroValue
        var testDescription: String { rule }
    }

    static func record(_ fields: String, name: String = "R") -> String {
        #"{"type":"record","name":"\#(name)","fields":[\#(fields)]}"#
    }

    static let cases: [Case] = [
        Case(rule: "same primitive", writer: #""string""#, reader: #""string""#, written: .string("x"), read: .string("x")),
        Case(rule: "int → long", writer: #""int""#, reader: #""long""#, written: .int(-7), read: .long(-7)),
        Case(rule: "int → float", writer: #""int""#, reader: #""float""#, written: .int(3), read: .float(3)),
        Case(rule: "int → double", writer: #""int""#, reader: #""double""#, written: .int(3), read: .double(3)),
        Case(rule: "long → float", writer: #""long""#, reader: #""float""#, written: .long(1 << 40), read: .float(Float(1 << 40))),
        Case(rule: "long → double", writer: #""long""#, reader: #""double""#, written: .long(-5), read: .double(-5)),
        Case(rule: "float → double", writer: #""float""#, reader: #""double""#, written: .float(0.5), read: .double(0.5)),
        Case(rule: "string → bytes", writer: #""string""#, reader: #""bytes""#, written: .string("hé"), read: .bytes([0x68, 0xC3, 0xA9])),
        Case(rule: "bytes → string", writer: #""bytes""#, reader: #""string""#, written: .bytes([0x68, 0x69]), read: .string("hi")),
        Case(rule: "reader-only field takes its default",
             writer: record(#"{"name":"a","type":"int"}"#),
             reader: record(#"{"name":"a","type":"int"},{"name":"b","type":"string","default":"dflt"},{"name":"c","type":["null","int"],"default":null}"#),
             written: .record([.init("a", .int(1))]),
             read: .record([.init("a", .int(1)), .init("b", .string("dflt")), .init("c", .union(branch: 0, .null))])),
        Case(rule: "writer-only fields are skipped, whatever their type",
             writer: record(#"{"name":"x","type":{"type":"map","values":{"type":"array","items":"string"}}},{"name":"a","type":"int"},{"name":"y","type":["null",{"type":"record","name":"S","fields":[{"name":"s","type":"bytes"}]}]}"#),
             reader: record(#"{"name":"a","type":"int"}"#),
             written: .record([.init("x", .map([.init("k", .array([.string("v")]))])), .init("a", .int(42)), .init("y", .union(branch: 1, .record([.init("s", .bytes([1]))])))]),
             read: .record([.init("a", .int(42))])),
        Case(rule: "fields match by name, not position",
             writer: record(#"{"name":"a","type":"int"},{"name":"b","type":"string"}"#),
             reader: record(#"{"name":"b","type":"string"},{"name":"a","type":"long"}"#),
             written: .record([.init("a", .int(1)), .init("b", .string("x"))]),
             read: .record([.init("b", .string("x")), .init("a", .long(1))])),
        Case(rule: "reader field alias matches a renamed writer field",
             writer: record(#"{"name":"old_name","type":"int"}"#),
             reader: record(#"{"name":"new_name","type":"int","aliases":["old_name"]}"#),
             written: .record([.init("old_name", .int(5))]),
             read: .record([.init("new_name", .int(5))])),
        Case(rule: "reader record alias matches a renamed writer record",
             writer: #"{"type":"record","name":"a.Old","fields":[{"name":"f","type":"int"}]}"#,
             reader: #"{"type":"record","name":"b.New","aliases":["a.Old"],"fields":[{"name":"f","type":"int"}]}"#,
             written: .record([.init("f", .int(1))]), read: .record([.init("f", .int(1))])),
        Case(rule: "records match by unqualified name across namespaces",
             writer: #"{"type":"record","name":"v1.Event","fields":[{"name":"f","type":"int"}]}"#,
             reader: #"{"type":"record","name":"v2.Event","fields":[{"name":"f","type":"int"}]}"#,
             written: .record([.init("f", .int(1))]), read: .record([.init("f", .int(1))])),
        Case(rule: "enum symbols map by name",
             writer: #"{"type":"enum","name":"E","symbols":["A","B","C"]}"#,
             reader: #"{"type":"enum","name":"E","symbols":["C","B","A"]}"#,
             written: .enum("B"), read: .enum("B")),
        Case(rule: "unknown enum symbol takes the reader's default",
             writer: #"{"type":"enum","name":"E","symbols":["A","B","NEW"]}"#,
             reader: #"{"type":"enum","name":"E","symbols":["UNKNOWN","A","B"],"default":"UNKNOWN"}"#,
             written: .enum("NEW"), read: .enum("UNKNOWN")),
        Case(rule: "fixed of the same name and size",
             writer: #"{"type":"fixed","name":"F","size":2}"#, reader: #"{"type":"fixed","name":"F","size":2}"#,
             written: .fixed([1, 2]), read: .fixed([1, 2])),
        Case(rule: "array items are promoted",
             writer: #"{"type":"array","items":"int"}"#, reader: #"{"type":"array","items":"double"}"#,
             written: .array([.int(1), .int(2)]), read: .array([.double(1), .double(2)])),
        Case(rule: "map values are promoted",
             writer: #"{"type":"map","values":"float"}"#, reader: #"{"type":"map","values":"double"}"#,
             written: .map([.init("k", .float(2))]), read: .map([.init("k", .double(2))])),
        Case(rule: "union to union selects the reader's branch by type",
             writer: #"["null","string","int"]"#, reader: #"["int","null","string"]"#,
             written: .union(branch: 1, .string("s")), read: .union(branch: 2, .string("s"))),
        Case(rule: "union to union selects a promotable branch",
             writer: #"["null","int"]"#, reader: #"["null","string","long"]"#,
             written: .union(branch: 1, .int(9)), read: .union(branch: 2, .long(9))),
        Case(rule: "union branch selection prefers an exact type over a promotion",
             writer: #""int""#, reader: #"["double","int"]"#,
             written: .int(9), read: .union(branch: 1, .int(9))),
        Case(rule: "union branch selection matches named types by name",
             writer: #"{"type":"record","name":"B","fields":[{"name":"f","type":"int"}]}"#,
             reader: #"["null",{"type":"record","name":"A","fields":[{"name":"f","type":"int"}]},{"type":"record","name":"B","fields":[{"name":"f","type":"long"}]}]"#,
             written: .record([.init("f", .int(1))]), read: .union(branch: 2, .record([.init("f", .long(1))]))),
        Case(rule: "non-union writer into a reader union",
             writer: #""string""#, reader: #"["null","string"]"#,
             written: .string("x"), read: .union(branch: 1, .string("x"))),
        Case(rule: "writer union into a non-union reader",
             writer: #"["int","long"]"#, reader: #""double""#,
             written: .union(branch: 0, .int(2)), read: .double(2)),
        Case(rule: "recursive types resolve",
             writer: #"{"type":"record","name":"N","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","N"]}]}"#,
             reader: #"{"type":"record","name":"N","fields":[{"name":"v","type":"long"},{"name":"next","type":["null","N"]},{"name":"tag","type":"string","default":"t"}]}"#,
             written: .record([.init("v", .int(1)), .init("next", .union(branch: 1, .record([.init("v", .int(2)), .init("next", .union(branch: 0, .null))])))]),
             read: .record([.init("v", .long(1)), .init("next", .union(branch: 1, .record([.init("v", .long(2)), .init("next", .union(branch: 0, .null)), .init("tag", .string("t"))]))), .init("tag", .string("t"))])),
    ]

    @Test(arguments: cases)
    func resolutionRule(_ rule: Case) throws {
        let writer = try AvroSchema(parsing: rule.writer)
        let reader = try AvroSchema(parsing: rule.reader)
        let resolver = try AvroResolver(writer: writer, reader: reader)
        let bytes = try writer.encode(rule.written)
        #expect(try resolver.decode(bytes) == rule.read)
        #expect(try resolver.reencode(bytes) == reader.encode(rule.read))
    }

    struct Unresolvable: Sendable, CustomTestStringConvertible {
        let rule: String
        let writer: String
        let reader: String
        let path: String
        var testDescription: String { rule }
    }

    static let unresolvable: [Unresolvable] = [
        Unresolvable(rule: "reader-only field without default", writer: record(#"{"name":"a","type":"int"}"#),
                     reader: record(#"{"name":"a","type":"int"},{"name":"b","type":"int"}"#), path: "/fields/1"),
        Unresolvable(rule: "no demotion long → int", writer: #""long""#, reader: #""int""#, path: "/"),
        Unresolvable(rule: "double is not a string", writer: record(#"{"name":"a","type":"double"}"#),
                     reader: record(#"{"name":"a","type":"string"}"#), path: "/fields/0/type"),
        Unresolvable(rule: "record names differ", writer: record(#"{"name":"a","type":"int"}"#, name: "X"),
                     reader: record(#"{"name":"a","type":"int"}"#, name: "Y"), path: "/name"),
        Unresolvable(rule: "enum names differ", writer: #"{"type":"enum","name":"E","symbols":["A"]}"#,
                     reader: #"{"type":"enum","name":"F","symbols":["A"]}"#, path: "/name"),
        Unresolvable(rule: "fixed sizes differ", writer: #"{"type":"fixed","name":"F","size":2}"#,
                     reader: #"{"type":"fixed","name":"F","size":3}"#, path: "/size"),
        Unresolvable(rule: "no reader union branch fits", writer: #""boolean""#, reader: #"["null","string"]"#, path: "/"),
        Unresolvable(rule: "array items", writer: #"{"type":"array","items":"string"}"#, reader: #"{"type":"array","items":"int"}"#, path: "/items"),
    ]

    @Test(arguments: unresolvable)
    func unresolvableSchemasThrowAtConstruction(_ rule: Unresolvable) throws {
        let writer = try AvroSchema(parsing: rule.writer)
        let reader = try AvroSchema(parsing: rule.reader)
        #expect {
            try AvroResolver(writer: writer, reader: reader)
        } throws: { error in
            let error = error as! AvroError
            return error.code == .notResolvable && error.path == rule.path
        }
    }

    @Test func dataDependentFailuresAreErrorsOnlyWhenTheDataOccurs() throws {
        // A writer union branch the reader lacks.
        let writer = try AvroSchema(parsing: #"["null","string","boolean"]"#)
        let reader = try AvroSchema(parsing: #"["null","string"]"#)
        let resolver = try AvroResolver(writer: writer, reader: reader)
        #expect(try resolver.decode(writer.encode(.union(branch: 1, .string("ok")))) == .union(branch: 1, .string("ok")))
        #expect { try resolver.decode(writer.encode(.union(branch: 2, .boolean(true)))) } throws: { error in
            (error as? AvroError)?.code == .invalidValue
        }
        // A writer enum symbol the reader lacks, with no reader default.
        let writerEnum = try AvroSchema(parsing: #"{"type":"enum","name":"E","symbols":["A","B"]}"#)
        let readerEnum = try AvroSchema(parsing: #"{"type":"enum","name":"E","symbols":["A"]}"#)
        let enumResolver = try AvroResolver(writer: writerEnum, reader: readerEnum)
        #expect(try enumResolver.decode(writerEnum.encode(.enum("A"))) == .enum("A"))
        #expect { try enumResolver.decode(writerEnum.encode(.enum("B"))) } throws: { error in
            (error as? AvroError)?.message.contains("\"B\"") == true
        }
    }

    @Test func malformedWriterBytesFailCleanly() throws {
        let writer = try AvroSchema(parsing: Self.record(#"{"name":"skip","type":"string"},{"name":"a","type":"int"}"#))
        let reader = try AvroSchema(parsing: Self.record(#"{"name":"a","type":"long"}"#))
        let resolver = try AvroResolver(writer: writer, reader: reader)
        #expect { try resolver.decode([0x04, 0xC3, 0x28, 0x02]) } throws: { ($0 as? AvroError)?.code == .malformed }
        #expect { try resolver.decode([0x06]) } throws: { ($0 as? AvroError)?.code == .truncated }
        #expect { try resolver.decode([0x00, 0x02, 0x00]) } throws: { ($0 as? AvroError)?.code == .trailingBytes }
    }
}
