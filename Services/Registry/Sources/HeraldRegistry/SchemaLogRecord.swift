import Foundation
import HeraldAvro

/// A record of the registry's log, the compacted topic `herald._schemas`.
///
/// Keys and values are JSON in the shape Confluent Schema Registry writes to its own `_schemas`
/// topic (`{"keytype":"SCHEMA","subject":…,"version":…,"magic":1}`), so existing tooling can read
/// it. A record without a value (a tombstone) removes its key. Two key types are Herald's own:
/// `ID_WATERMARK` (the highest id ever assigned, so permanent deletes never free an id for reuse)
/// and `LEADER` (where followers forward writes).
enum SchemaLogRecord: Equatable, Sendable {
    case schema(subject: String, version: Int, StoredVersion?)
    case config(subject: String?, CompatibilityLevel?)
    case mode(subject: String?, RegistryMode?)
    case idWatermark(Int)
    case leader(LeaderAnnouncement?)

    struct StoredVersion: Codable, Equatable, Sendable {
        var subject: String
        var version: Int
        var id: Int
        var schema: String
        var references: [SchemaReference]
        var deleted: Bool
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
        case .idWatermark:
            Self.encode(Key(keytype: "ID_WATERMARK", magic: 0))
        case .leader:
            Self.encode(Key(keytype: "LEADER", magic: 0))
        }
    }

    /// nil for a tombstone.
    var value: [UInt8]? {
        switch self {
        case .schema(_, _, let stored): stored.map(Self.encode)
        case .config(_, let level): level.map { Self.encode(["compatibilityLevel": $0.rawValue]) }
        case .mode(_, let mode): mode.map { Self.encode(["mode": $0.rawValue]) }
        case .idWatermark(let id): Self.encode(["id": id])
        case .leader(let announcement): announcement.map(Self.encode)
        }
    }

    // MARK: Decoding

    private struct Key: Codable {
        var keytype: String
        var subject: String?
        var version: Int?
        var magic: Int?
    }

    init(key: [UInt8], value: [UInt8]?) throws {
        let decoder = JSONDecoder()
        let header = try decoder.decode(Key.self, from: Data(key))
        switch header.keytype {
        case "SCHEMA":
            guard let subject = header.subject, let version = header.version else {
                throw Malformed(description: "SCHEMA key without subject or version")
            }
            self = .schema(subject: subject, version: version, try value.map { try decoder.decode(StoredVersion.self, from: Data($0)) })
        case "CONFIG":
            self = .config(subject: header.subject, try value.map { bytes in
                let raw = try decoder.decode([String: String].self, from: Data(bytes))["compatibilityLevel"] ?? ""
                guard let level = CompatibilityLevel(rawValue: raw) else { throw Malformed(description: "unknown compatibility level '\(raw)'") }
                return level
            })
        case "MODE":
            self = .mode(subject: header.subject, try value.map { bytes in
                let raw = try decoder.decode([String: String].self, from: Data(bytes))["mode"] ?? ""
                guard let mode = RegistryMode(rawValue: raw) else { throw Malformed(description: "unknown mode '\(raw)'") }
                return mode
            })
        case "ID_WATERMARK":
            guard let value else { throw Malformed(description: "ID_WATERMARK without a value") }
            guard let id = try decoder.decode([String: Int].self, from: Data(value))["id"] else {
                throw Malformed(description: "ID_WATERMARK without an id")
            }
            self = .idWatermark(id)
        case "LEADER":
            self = .leader(try value.map { try decoder.decode(LeaderAnnouncement.self, from: Data($0)) })
        default:
            throw Malformed(description: "unknown keytype '\(header.keytype)'")
        }
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
