import Foundation
import HeraldAvro
import Hummingbird
import NIOCore

/// Reading REST requests: bodies, query flags and path values, each refused with Confluent's
/// error when it is not what the API takes.
extension ConfluentREST {
    struct SchemaBody: Decodable {
        var schema: String?
        var schemaType: String?
        var references: [SchemaReference]?
        var id: Int?
        var version: Int?

        var requiredSchema: String {
            get throws(RegistryError) {
                if let schemaType, schemaType.uppercased() != "AVRO" {
                    throw RegistryError(.invalidSchema, "Invalid schema type \(schemaType): this registry supports AVRO.")
                }
                guard let schema, !schema.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw .emptySchema }
                return schema
            }
        }

        /// The references, each version a 32-bit one as in Confluent's API.
        var checkedReferences: [SchemaReference] {
            get throws(RegistryError) {
                let references = references ?? []
                for reference in references {
                    try checkInt32(reference.version, "references[\(reference.name)].version")
                }
                return references
            }
        }

        /// The id IMPORT mode asks for (0 or absent: none).
        var requestedID: Int? {
            get throws(RegistryError) { try Self.positive(id, "id") }
        }

        /// The version IMPORT mode asks for (0 or absent: none).
        var requestedVersion: Int? {
            get throws(RegistryError) { try Self.positive(version, "version") }
        }

        private static func positive(_ value: Int?, _ member: String) throws(RegistryError) -> Int? {
            guard let value, value > 0 else { return nil }
            try checkInt32(value, member)
            return value
        }
    }

    func body(_ request: Request) async throws(RegistryError) -> Data {
        if let type = request.headers[.contentType] {
            let mediaType = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            guard Self.acceptedContentTypes.contains(mediaType) else {
                throw RegistryError(.unsupportedMediaType, "HTTP 415 Unsupported Media Type: \(type)")
            }
        }
        var request = request
        do {
            let buffer = try await request.collectBody(upTo: maxBodyBytes)
            return Data(buffer.readableBytesView)
        } catch {
            throw RegistryError(.payloadTooLarge, "The request body is larger than the limit of \(maxBodyBytes) bytes.")
        }
    }

    func decode<Body: Decodable>(_ type: Body.Type, from request: Request) async throws(RegistryError) -> Body {
        let data = try await body(request)
        do {
            return try JSONDecoder().decode(Body.self, from: data)
        } catch {
            throw RegistryError(.badRequest, "The request body is not the expected JSON: \(Self.describe(error))")
        }
    }

    func schemaBody(_ request: Request) async throws(RegistryError) -> SchemaBody {
        try await decode(SchemaBody.self, from: request)
    }

    func compatibilityBody(_ request: Request) async throws(RegistryError) -> CompatibilityLevel {
        struct Body: Decodable { var compatibility: String?; var compatibilityLevel: String? }
        let body = try await decode(Body.self, from: request)
        let raw = body.compatibility ?? body.compatibilityLevel ?? ""
        guard let level = CompatibilityLevel(rawValue: raw.uppercased()) else {
            throw RegistryError(.invalidCompatibilityLevel,
                "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive")
        }
        return level
    }

    func modeBody(_ request: Request) async throws(RegistryError) -> RegistryMode {
        struct Body: Decodable { var mode: String? }
        let raw = try await decode(Body.self, from: request).mode ?? ""
        guard let mode = RegistryMode(rawValue: raw.uppercased()) else {
            throw RegistryError(.invalidMode, "Invalid mode. Valid values are READWRITE, READONLY, IMPORT.")
        }
        return mode
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.keyNotFound(_, let context), DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}

/// Ids and versions are 32-bit in Confluent's API (and in Herald's gRPC API, where a larger value
/// could not even be carried): a request body naming a larger one is refused.
private func checkInt32(_ value: Int, _ member: String) throws(RegistryError) {
    guard SchemaLogRecord.idRange.contains(value) else {
        throw RegistryError(.badRequest, "The request body is not the expected JSON: \(member) \(value) is outside 1...\(Int32.max).")
    }
}

extension Request {
    func query(_ name: String) -> String? {
        uri.queryParameters.get(name)
    }

    /// `?name=true` (any case); absent or anything else is false.
    func flag(_ name: String) -> Bool {
        query(name)?.lowercased() == "true"
    }

    /// `?name=<integer>`; absent is `default`, anything else not an integer is refused.
    func integer(_ name: String, default fallback: Int) throws(RegistryError) -> Int {
        guard let raw = query(name) else { return fallback }
        guard let value = Int32(raw) else { throw .pathNotFound }
        return Int(value)
    }
}

extension BasicRequestContext {
    var subject: String {
        get throws(RegistryError) {
            let raw = parameters.get("subject") ?? ""
            let subject = raw.removingPercentEncoding ?? raw
            try RegistryPlanner.validateSubject(subject)
            return subject
        }
    }

    /// A version number, or nil for `latest` / `-1`; anything else that is not a 32-bit
    /// positive integer is `invalidVersion`, as in Confluent.
    var version: Int? {
        get throws(RegistryError) {
            let raw = parameters.get("version") ?? ""
            if raw == "latest" || raw == "-1" { return nil }
            guard let number = Int32(raw), number > 0 else { throw .invalidVersion(raw) }
            return Int(number)
        }
    }

    /// An id that is not a 32-bit integer matches no route in Confluent's API: 404 with code 404,
    /// not a missing schema.
    var schemaID: Int {
        get throws(RegistryError) {
            guard let id = parameters.get("id").flatMap({ Int32($0) }) else { throw .pathNotFound }
            return Int(id)
        }
    }
}
