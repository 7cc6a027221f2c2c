import Foundation
import HeraldAvro
@testable import HeraldRegistry
import Testing

/// Reading every record shape Confluent writes to `_schemas`, and writing records Confluent can
/// read back. Pure: no broker.
@Suite struct SchemaLogRecordTests {
    func record(_ key: String, _ value: String?) throws -> SchemaLogRecord {
        try SchemaLogRecord(key: Array(key.utf8), value: value.map { Array($0.utf8) })
    }

    func json(_ bytes: [UInt8]?) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(try #require(bytes))) as? [String: Any] ?? [:]
    }

    @Test func readsConfluentsSchemaValueWithoutEmptyMembers() throws {
        let read = try record(#"{"keytype":"SCHEMA","subject":"conf","version":1,"magic":1}"#,
                              #"{"subject":"conf","version":1,"id":777,"schema":"\"string\"","deleted":false}"#)
        #expect(read == .schema(subject: "conf", version: 1, .init(subject: "conf", version: 1, id: 777, schema: #""string""#, references: [], deleted: false)))
        let sparse = try record(#"{"keytype":"SCHEMA","subject":"s","version":2,"magic":1}"#,
                                #"{"subject":"s","version":2,"id":9,"schema":"\"int\"","schemaType":"AVRO","md5":"AAAA","metadata":{"properties":{}},"ts":1}"#)
        guard case .schema(_, _, let stored?) = sparse else { Issue.record("not a schema: \(sparse)"); return }
        #expect(stored.deleted == false)
        #expect(stored.references.isEmpty)
    }

    @Test func readsConfigsModesSubjectDeletesAndNoOps() throws {
        #expect(try record(#"{"keytype":"CONFIG","magic":0}"#, #"{"compatibilityLevel":"FULL"}"#) == .config(subject: nil, .full))
        #expect(try record(#"{"keytype":"CONFIG","subject":"s","magic":0}"#, #"{"subject":"s","compatibilityLevel":"NONE","normalize":true}"#) == .config(subject: "s", CompatibilityLevel.none))
        #expect(try record(#"{"keytype":"CONFIG","subject":"s","magic":0}"#, #"{"subject":"s","normalize":true}"#) == .config(subject: "s", nil))
        #expect(try record(#"{"keytype":"MODE","subject":"s","magic":0}"#, #"{"subject":"s","mode":"READONLY_OVERRIDE"}"#) == .mode(subject: "s", .readOnly))
        #expect(try record(#"{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}"#, #"{"subject":"s","version":3}"#) == .deleteSubject(subject: "s", throughVersion: 3))
        #expect(try record(#"{"keytype":"CLEAR_SUBJECT","subject":"s","magic":0}"#, #"{"subject":"s"}"#) == .clearSubject(subject: "s"))
        #expect(try record(#"{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}"#, nil) == .ignored(keytype: "DELETE_SUBJECT"))
        #expect(try record(#"{"keytype":"NOOP","magic":0}"#, nil) == .ignored(keytype: "NOOP"))
        #expect(try record(#"{"keytype":"CONTEXT","tenant":"default","context":".","magic":0}"#, #"{"tenant":"default","context":"."}"#) == .ignored(keytype: "CONTEXT"))
        // Records earlier Herald versions wrote.
        #expect(try record(#"{"keytype":"ID_WATERMARK","magic":0}"#, #"{"id":12}"#) == .idWatermark(12))
        #expect(try record(#"{"keytype":"LEADER","magic":0}"#, nil) == .leader(nil))
    }

    @Test func appliesSubjectDeletesAndClearsAsConfluentDoes() throws {
        var state = RegistryState()
        for version in 1...3 {
            state.apply(.schema(subject: "s", version: version, .init(subject: "s", version: version, id: version, schema: #""int""#, references: [], deleted: version == 3)))
        }
        state.apply(.deleteSubject(subject: "s", throughVersion: 2))
        #expect(throws: RegistryError.self) { try state.versions(of: "s", includeDeleted: false) }
        #expect(try state.versions(of: "s", includeDeleted: true) == [1, 2, 3])
        state.apply(.clearSubject(subject: "s"))
        #expect(throws: RegistryError.self) { try state.versions(of: "s", includeDeleted: true) }
        #expect(state.idWatermark == 3)
    }

    @Test func writesOnlyKeysConfluentReadsOrSkips() throws {
        let stored = SchemaLogRecord.StoredVersion(subject: "s", version: 1, id: 5, schema: #""int""#, references: [], deleted: false)
        let value = try json(SchemaLogRecord.schema(subject: "s", version: 1, stored).value)
        #expect(value["references"] == nil, "Confluent leaves out empty references")
        #expect(value["id"] as? Int == 5)
        #expect(value["deleted"] as? Bool == false)

        // Herald's own records are no-op keys (Confluent skips them; an unknown keytype stops its reader).
        let confluentKeytypes: Set = ["SCHEMA", "CONFIG", "MODE", "NOOP", "DELETE_SUBJECT", "CLEAR_SUBJECT", "CONTEXT", "ASSOC"]
        let own: [SchemaLogRecord] = [.idWatermark(5), .leader(.init(instance: "0", grpcAddress: "127.0.0.1:1"))]
        for record in own {
            let key = try json(record.key)
            #expect(key["keytype"] as? String == "NOOP")
            #expect(key["magic"] as? Int == 0)
            #expect(try SchemaLogRecord(key: record.key, value: record.value) == record, "reads back what it writes")
        }
        for record in own + [.config(subject: nil, .full), .mode(subject: "s", .readOnly), .schema(subject: "s", version: 1, stored)] {
            #expect(confluentKeytypes.contains(try json(record.key)["keytype"] as? String ?? ""))
        }
    }

    @Test func refusesIdsAndVersionsOutsideThirtyTwoBits() throws {
        let big = Int(Int32.max) + 1
        #expect(throws: (any Error).self) {
            try record(#"{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}"#, #"{"subject":"s","version":1,"id":\#(big),"schema":"\"int\"","deleted":false}"#)
        }
        #expect(throws: (any Error).self) {
            try record(#"{"keytype":"SCHEMA","subject":"s","version":\#(big),"magic":1}"#, #"{"subject":"s","version":\#(big),"id":1,"schema":"\"int\"","deleted":false}"#)
        }
        #expect(throws: (any Error).self) {
            try record(#"{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}"#,
                       #"{"subject":"s","version":1,"id":1,"schema":"\"int\"","references":[{"name":"n","subject":"t","version":\#(big)}],"deleted":false}"#)
        }
        #expect(throws: (any Error).self) { try record(#"{"keytype":"NOOP","herald":"ID_WATERMARK","magic":0}"#, #"{"id":\#(big)}"#) }
    }

    @Test func negotiatesMediaTypesAsConfluentDeclaresThem() {
        let cases: [(String, String?)] = [
            ("", "application/vnd.schemaregistry.v1+json"),
            ("*/*", "application/vnd.schemaregistry.v1+json"),
            ("application/*", "application/vnd.schemaregistry.v1+json"),
            ("application/json", "application/json"),
            ("application/vnd.schemaregistry+json, application/json", "application/vnd.schemaregistry+json"),
            ("application/json;q=0.9, application/vnd.schemaregistry.v1+json;q=0.1", "application/json"),
            ("application/vnd.schemaregistry.v1+json;q=0, */*;q=0.5", "application/vnd.schemaregistry+json"),
            ("text/html", nil),
            ("text/plain, image/png", nil),
        ]
        for (accept, expected) in cases {
            #expect(MediaTypeNegotiation.choose(accept: accept) == expected, "Accept: \(accept)")
        }
    }
}
