import HeraldAvro
import Testing

@Suite struct CompatibilityTests {
    static func schema(_ fields: String, name: String = "Event") -> AvroSchema {
        try! AvroSchema(parsing: #"{"type":"record","name":"\#(name)","fields":[\#(fields)]}"#)
    }

    /// One row of Confluent's documented summary: which changes each level allows.
    struct Change: Sendable, CustomTestStringConvertible {
        let name: String
        let old: String
        let new: String
        /// Levels that accept the change.
        let allowed: Set<CompatibilityLevel>
        var testDescription: String { name }
    }

    static let all = Set(CompatibilityLevel.allCases)
    static let backwardLevels: Set<CompatibilityLevel> = [.none, .backward, .backwardTransitive]
    static let forwardLevels: Set<CompatibilityLevel> = [.none, .forward, .forwardTransitive]

    static let changes: [Change] = [
        Change(name: "delete a field", old: #"{"name":"a","type":"int"},{"name":"b","type":"int"}"#,
               new: #"{"name":"a","type":"int"}"#, allowed: backwardLevels),
        Change(name: "delete an optional field", old: #"{"name":"a","type":"int"},{"name":"b","type":"int","default":0}"#,
               new: #"{"name":"a","type":"int"}"#, allowed: all),
        Change(name: "add a field", old: #"{"name":"a","type":"int"}"#,
               new: #"{"name":"a","type":"int"},{"name":"b","type":"int"}"#, allowed: forwardLevels),
        Change(name: "add an optional field", old: #"{"name":"a","type":"int"}"#,
               new: #"{"name":"a","type":"int"},{"name":"b","type":["null","int"],"default":null}"#, allowed: all),
        Change(name: "widen int to long", old: #"{"name":"a","type":"int"}"#, new: #"{"name":"a","type":"long"}"#, allowed: backwardLevels),
        Change(name: "narrow long to int", old: #"{"name":"a","type":"long"}"#, new: #"{"name":"a","type":"int"}"#, allowed: forwardLevels),
        Change(name: "change string to int", old: #"{"name":"a","type":"string"}"#, new: #"{"name":"a","type":"int"}"#, allowed: [.none]),
        Change(name: "string to bytes", old: #"{"name":"a","type":"string"}"#, new: #"{"name":"a","type":"bytes"}"#, allowed: all),
        Change(name: "add an enum symbol", old: #"{"name":"e","type":{"type":"enum","name":"E","symbols":["A"]}}"#,
               new: #"{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}}"#, allowed: backwardLevels),
        Change(name: "add an enum symbol when the old enum has a default",
               old: #"{"name":"e","type":{"type":"enum","name":"E","symbols":["U","A"],"default":"U"}}"#,
               new: #"{"name":"e","type":{"type":"enum","name":"E","symbols":["U","A","B"],"default":"U"}}"#, allowed: all),
        Change(name: "make a field nullable", old: #"{"name":"a","type":"string"}"#, new: #"{"name":"a","type":["null","string"]}"#, allowed: backwardLevels),
        Change(name: "rename a field with an alias", old: #"{"name":"a","type":"int"}"#,
               new: #"{"name":"b","type":"int","aliases":["a"]}"#, allowed: backwardLevels),
    ]

    @Test(arguments: changes, CompatibilityLevel.allCases)
    func confluentCompatibilityMatrix(_ change: Change, _ level: CompatibilityLevel) {
        let found = SchemaCompatibility.check(Self.schema(change.new), against: [Self.schema(change.old)], level: level)
        #expect(found.isEmpty == change.allowed.contains(level), "\(change.name) at \(level): \(found)")
    }

    @Test func addingADefaultThenRemovingItPassesStepwiseButNotTransitively() {
        let v1 = Self.schema(#"{"name":"a","type":"int"}"#)
        let v2 = Self.schema(#"{"name":"a","type":"int"},{"name":"b","type":"int","default":0}"#)
        let v3 = Self.schema(#"{"name":"a","type":"int"},{"name":"b","type":"int"}"#)
        #expect(SchemaCompatibility.check(v2, against: [v1], level: .backward).isEmpty)
        #expect(SchemaCompatibility.check(v3, against: [v1, v2], level: .backward).isEmpty)
        let transitive = SchemaCompatibility.check(v3, against: [v1, v2], level: .backwardTransitive)
        #expect(transitive.count == 1)
        #expect(transitive.first?.kind == .readerFieldMissingDefaultValue)
        #expect(transitive.first?.path == "/fields/1")
        #expect(transitive.first?.previousIndex == 0)
        #expect(transitive.first?.direction == .newReadsPrevious)
        #expect(SchemaCompatibility.check(v3, against: [v1, v2], level: .fullTransitive).count >= 1)
        #expect(SchemaCompatibility.check(v3, against: [v1, v2], level: .none).isEmpty)
    }

    @Test func forwardTransitiveChecksEveryOlderReader() {
        let v1 = Self.schema(#"{"name":"a","type":"int"},{"name":"b","type":"int"}"#)
        let v2 = Self.schema(#"{"name":"a","type":"int"},{"name":"b","type":"int","default":0}"#)
        let v3 = Self.schema(#"{"name":"a","type":"int"}"#)
        #expect(SchemaCompatibility.check(v3, against: [v1, v2], level: .forward).isEmpty)
        let transitive = SchemaCompatibility.check(v3, against: [v1, v2], level: .forwardTransitive)
        #expect(transitive.map(\.kind) == [.readerFieldMissingDefaultValue])
        #expect(transitive.first?.direction == .previousReadsNew)
        #expect(transitive.first?.previousIndex == 0)
    }

    @Test func nonTransitiveLevelsCompareWithTheLatestOnly() {
        let v1 = Self.schema(#"{"name":"a","type":"string"}"#)
        let v2 = Self.schema(#"{"name":"a","type":"int"}"#)
        let v3 = Self.schema(#"{"name":"a","type":"long"}"#)
        #expect(SchemaCompatibility.check(v3, against: [v1, v2], level: .backward).isEmpty)
        #expect(SchemaCompatibility.check(v3, against: [v1, v2], level: .backwardTransitive).map(\.previousIndex) == [0])
    }

    struct Kind: Sendable, CustomTestStringConvertible {
        let name: String
        let reader: String
        let writer: String
        let kind: SchemaIncompatibility.Kind
        let path: String
        var testDescription: String { name }
    }

    static let kinds: [Kind] = [
        Kind(name: "type mismatch inside an array", reader: #"{"name":"a","type":{"type":"array","items":"int"}}"#,
             writer: #"{"name":"a","type":{"type":"array","items":"string"}}"#, kind: .typeMismatch, path: "/fields/0/type/items"),
        Kind(name: "map values", reader: #"{"name":"a","type":{"type":"map","values":"int"}}"#,
             writer: #"{"name":"a","type":{"type":"map","values":"boolean"}}"#, kind: .typeMismatch, path: "/fields/0/type/values"),
        Kind(name: "missing enum symbols", reader: #"{"name":"e","type":{"type":"enum","name":"E","symbols":["A"]}}"#,
             writer: #"{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}}"#, kind: .missingEnumSymbols, path: "/fields/0/type/symbols"),
        Kind(name: "fixed size", reader: #"{"name":"f","type":{"type":"fixed","name":"F","size":4}}"#,
             writer: #"{"name":"f","type":{"type":"fixed","name":"F","size":8}}"#, kind: .fixedSizeMismatch, path: "/fields/0/type/size"),
        Kind(name: "name mismatch", reader: #"{"name":"f","type":{"type":"fixed","name":"F","size":4}}"#,
             writer: #"{"name":"f","type":{"type":"fixed","name":"G","size":4}}"#, kind: .nameMismatch, path: "/fields/0/type/name"),
        Kind(name: "reader union lacks a writer type", reader: #"{"name":"u","type":["null","string"]}"#,
             writer: #"{"name":"u","type":"int"}"#, kind: .missingUnionBranch, path: "/fields/0/type"),
        Kind(name: "writer union branch unreadable", reader: #"{"name":"u","type":["null","string"]}"#,
             writer: #"{"name":"u","type":["null","string","int"]}"#, kind: .missingUnionBranch, path: "/fields/0/type/2"),
        Kind(name: "missing default", reader: #"{"name":"a","type":"int"},{"name":"b","type":"int"}"#,
             writer: #"{"name":"a","type":"int"}"#, kind: .readerFieldMissingDefaultValue, path: "/fields/1"),
    ]

    @Test(arguments: kinds)
    func incompatibilitiesCarryAKindAndAPath(_ kind: Kind) {
        let found = SchemaCompatibility.incompatibilities(reader: Self.schema(kind.reader), writer: Self.schema(kind.writer))
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.kind == kind.kind)
        #expect(found.first?.path == kind.path)
        #expect(found.first?.message.isEmpty == false)
    }

    @Test func everyIncompatibilityIsReportedNotJustTheFirst() {
        let old = Self.schema(#"{"name":"a","type":"string"},{"name":"b","type":"int"}"#)
        let new = Self.schema(#"{"name":"a","type":"int"},{"name":"b","type":"boolean"},{"name":"c","type":"int"}"#)
        let found = SchemaCompatibility.check(new, against: [old], level: .backward)
        #expect(found.map(\.path) == ["/fields/0/type", "/fields/1/type", "/fields/2"])
    }

    @Test func recursiveSchemasTerminate() {
        let list = Self.schema(#"{"name":"v","type":"int"},{"name":"next","type":["null","Event"]}"#)
        let wider = Self.schema(#"{"name":"v","type":"long"},{"name":"next","type":["null","Event"]}"#)
        #expect(SchemaCompatibility.check(wider, against: [list], level: .backward).isEmpty)
        #expect(SchemaCompatibility.check(wider, against: [list], level: .forward).count == 1)
    }

    @Test func noPreviousSchemaIsAlwaysCompatible() {
        #expect(SchemaCompatibility.check(Self.schema(#"{"name":"a","type":"int"}"#), against: [], level: .fullTransitive).isEmpty)
    }
}
