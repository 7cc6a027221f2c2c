import Foundation
import HeraldAvro

/// A record of the registry's log, the compacted topic `herald._schemas`.
///
/// Keys and values are the JSON Confluent Schema Registry writes to its own `_schemas` topic, read
/// in every shape Confluent writes (members it leaves out when empty, members Herald does not use,
/// subject deletes, no-op keys, tombstones), so Herald can take over a topic Confluent filled, and
/// written so Confluent can read the topic back. A record without a value (a tombstone) removes
/// its key.
///
/// Herald's own two records, the id watermark (the highest id ever assigned, so permanent deletes
/// never free an id for reuse) and the leader announcement (where followers forward writes), are
/// `NOOP` keys with a `herald` member: Confluent ignores unknown key members and skips no-op keys,
/// whereas an unknown `keytype` would stop its log reader. Earlier Herald versions wrote them as
/// keytypes `ID_WATERMARK` and `LEADER`; those are still read.
enum SchemaLogRecord: Equatable, Sendable {
    case schema(subject: String, version: Int, StoredVersion?)
    case config(subject: String?, CompatibilityLevel?)
    case mode(subject: String?, RegistryMode?)
    /// Confluent's soft delete of a subject: every version up to `throughVersion` is deleted.
    case deleteSubject(subject: String, throughVersion: Int)
    /// Confluent's clean-up of a subject: its soft-deleted versions are forgotten.
    case clearSubject(subject: String)
    case idWatermark(Int)
    case leader(LeaderAnnouncement?)
    /// A record that changes nothing Herald serves: no-op keys, tombstones of subject deletes,
    /// and Confluent's contexts and associations, which Herald does not implement.
    case ignored(keytype: String)

    struct StoredVersion: Codable, Equatable, Sendable {
        var subject: String
        var version: Int
        var id: Int
        var schema: String
        var references: [SchemaReference]
        var deleted: Bool

        init(subject: String, version: Int, id: Int, schema: String, references: [SchemaReference], deleted: Bool) {
            self.subject = subject
            self.version = version
            self.id = id
            self.schema = schema
            self.references = references
            self.deleted = deleted
        }

        private enum CodingKeys: String, CodingKey {
            case subject, version, id, schema, references, deleted, schemaType
        }

        /// Confluent leaves out members that are empty (`references`), and may write members
        /// Herald does not use (`md5`, `metadata`, `ruleSet`, `ts`, `offset`).
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            subject = try container.decode(String.self, forKey: .subject)
            version = try container.decode(Int.self, forKey: .version)
            id = try container.decode(Int.self, forKey: .id)
            schema = try container.decode(String.self, forKey: .schema)
            references = try container.decodeIfPresent([SchemaReference].self, forKey: .references) ?? []
            deleted = try container.decodeIfPresent(Bool.self, forKey: .deleted) ?? false
            if let type = try container.decodeIfPresent(String.self, forKey: .schemaType), type.uppercased() != "AVRO" {
                throw Malformed(description: "schema type \(type) (this registry serves AVRO only)")
            }
        }

        /// As Confluent writes it: no `references` member when there are none.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(subject, forKey: .subject)
            try container.encode(version, forKey: .version)
            try container.encode(id, forKey: .id)
            try container.encode(schema, forKey: .schema)
            if !references.isEmpty { try container.encode(references, forKey: .references) }
            try container.encode(deleted, forKey: .deleted)
        }
    }

    struct LeaderAnnouncement: Codable, Equatable, Sendable {
        /// The leader's instance id.
        var instance: String
        /// gRPC address (host:port) followers forward writes to.
        var grpcAddress: String
    }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    // MARK: Encoding

    var key: [UInt8] {
        switch self {
        case .schema(let subject, let version, _):
            Self.encode(Key(keytype: "SCHEMA", subject: subject, version: version, magic: 1))
        case .config(let subject, _):
            Self.encode(Key(keytype: "CONFIG", subject: subject, magic: 0))
        case .mode(let subject, _):
            Self.encode(Key(keytype: "MODE", subject: subject, magic: 0))
        case .deleteSubject(let subject, _):
            Self.encode(Key(keytype: "DELETE_SUBJECT", subject: subject, magic: 0))
        case .clearSubject(let subject):
            Self.encode(Key(keytype: "CLEAR_SUBJECT", subject: subject, magic: 0))
        case .idWatermark:
            Self.encode(Key(keytype: "NOOP", magic: 0, herald: Self.watermarkMarker))
        case .leader:
            Self.encode(Key(keytype: "NOOP", magic: 0, herald: Self.leaderMarker))
        case .ignored(let keytype):
            Self.encode(Key(keytype: keytype, magic: 0))
        }
    }

    /// nil for a tombstone.
    var value: [UInt8]? {
        switch self {
        case .schema(_, _, let stored): stored.map(Self.encode)
        case .config(_, let level): level.map { Self.encode(["compatibilityLevel": $0.rawValue]) }
        case .mode(_, let mode): mode.map { Self.encode(["mode": $0.rawValue]) }
        case .deleteSubject(let subject, let version): Self.encode(SubjectValue(subject: subject, version: version))
        case .clearSubject(let subject): Self.encode(SubjectValue(subject: subject))
        case .idWatermark(let id): Self.encode(["id": id])
        case .leader(let announcement): announcement.map(Self.encode)
        case .ignored: nil
        }
    }

    // MARK: Decoding

    private struct Key: Codable {
        var keytype: String
        var subject: String?
        var version: Int?
        var magic: Int?
        /// Marks Herald's own records among the no-op keys.
        var herald: String?
    }

    private struct SubjectValue: Codable {
        var subject: String
        var version: Int?
    }

    /// Confluent's config value has more members (`normalize`, `alias`, rule sets …); only the level is read.
    private struct ConfigValue: Decodable {
        var compatibilityLevel: String?
    }

    private struct ModeValue: Decodable {
        var mode: String
    }

    private static let watermarkMarker = "ID_WATERMARK"
    private static let leaderMarker = "LEADER"

    init(key: [UInt8], value: [UInt8]?) throws {
        let decoder = JSONDecoder()
        let header = try decoder.decode(Key.self, from: Data(key))
        // Herald's own records are no-op keys marked `herald`; older versions used the marker as keytype.
        let keytype = header.keytype == "NOOP" ? header.herald ?? header.keytype : header.keytype
        switch keytype {
        case "SCHEMA":
            guard let subject = header.subject, let version = header.version else {
                throw Malformed(description: "SCHEMA key without subject or version")
            }
            let stored = try value.map { try decoder.decode(StoredVersion.self, from: Data($0)) }
            if let stored { try Self.validate(stored, subject: subject, version: version) }
            self = .schema(subject: subject, version: version, stored)
        case "CONFIG":
            self = .config(subject: header.subject, try value.flatMap { bytes -> CompatibilityLevel? in
                // A subject config without a level leaves the level to the global one.
                guard let raw = try decoder.decode(ConfigValue.self, from: Data(bytes)).compatibilityLevel else { return nil }
                guard let level = CompatibilityLevel(rawValue: raw.uppercased()) else { throw Malformed(description: "unknown compatibility level '\(raw)'") }
                return level
            })
        case "MODE":
            self = .mode(subject: header.subject, try value.map { bytes in
                try Self.mode(decoder.decode(ModeValue.self, from: Data(bytes)).mode)
            })
        case "DELETE_SUBJECT":
            guard let value else { self = .ignored(keytype: header.keytype); return }
            let body = try decoder.decode(SubjectValue.self, from: Data(value))
            self = .deleteSubject(subject: body.subject, throughVersion: body.version ?? 0)
        case "CLEAR_SUBJECT":
            guard let value else { self = .ignored(keytype: header.keytype); return }
            self = .clearSubject(subject: try decoder.decode(SubjectValue.self, from: Data(value)).subject)
        case Self.watermarkMarker:
            guard let value else { throw Malformed(description: "id watermark without a value") }
            guard let id = try decoder.decode([String: Int].self, from: Data(value))["id"] else {
                throw Malformed(description: "id watermark without an id")
            }
            guard Self.idRange.contains(id) else { throw Malformed(description: "id watermark \(id) outside \(Self.idRange)") }
            self = .idWatermark(id)
        case Self.leaderMarker:
            self = .leader(try value.map { try decoder.decode(LeaderAnnouncement.self, from: Data($0)) })
        case "NOOP", "CONTEXT", "ASSOC":
            self = .ignored(keytype: header.keytype)
        default:
            throw Malformed(description: "unknown keytype '\(header.keytype)'")
        }
    }

    /// Ids, versions and reference versions are 32-bit in Confluent's API and in Herald's gRPC
    /// API: a record outside that range is refused here rather than trapping a later read.
    static let idRange = 1...Int(Int32.max)

    private static func validate(_ stored: StoredVersion, subject: String, version: Int) throws {
        guard idRange.contains(stored.id) else { throw Malformed(description: "schema id \(stored.id) outside \(idRange)") }
        guard idRange.contains(version), stored.version == version, stored.subject == subject else {
            throw Malformed(description: "SCHEMA value for \(stored.subject) version \(stored.version) under the key of \(subject) version \(version)")
        }
        if let reference = stored.references.first(where: { !idRange.contains($0.version) }) {
            throw Malformed(description: "reference version \(reference.version) outside \(idRange)")
        }
    }

    /// Confluent's modes; its `READONLY_OVERRIDE` is read-only as well.
    private static func mode(_ raw: String) throws -> RegistryMode {
        if raw == "READONLY_OVERRIDE" { return .readOnly }
        guard let mode = RegistryMode(rawValue: raw) else { throw Malformed(description: "unknown mode '\(raw)'") }
        return mode
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    private static func encode(_ value: some Encodable) -> [UInt8] {
        // Plain structs and dictionaries of strings and integers always encode.
        Array(try! encoder.encode(value))
    }
}
