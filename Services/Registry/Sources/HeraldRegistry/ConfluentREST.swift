import Foundation
import HeraldAvro
public import Hummingbird
import NIOCore

/// The Confluent Schema Registry REST API over a `SchemaRegistry`: the same paths, request and
/// response JSON, status codes and `error_code` values, so every client and serializer written
/// for Confluent's registry works against Herald unmodified.
///
/// Clients send properties and query parameters Herald does not implement (`metadata`,
/// `ruleSet`, `format`, `reference_format`, …); they are accepted and ignored.
public struct ConfluentREST: Sendable {
    let registry: SchemaRegistry
    /// Request bodies larger than this are refused (413) before they are parsed.
    let maxBodyBytes: Int

    public init(registry: SchemaRegistry, maxBodyBytes: Int) {
        self.registry = registry
        self.maxBodyBytes = maxBodyBytes
    }

    static let contentType = "application/vnd.schemaregistry.v1+json"
    /// Request content types Confluent's registry reads.
    static let acceptedContentTypes: Set<String> = [
        "application/vnd.schemaregistry.v1+json", "application/vnd.schemaregistry+json",
        "application/json", "application/octet-stream",
    ]

    public func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("subjects") { request, _ in
            respond { json(registry.subjects(includeDeleted: request.flag("deleted"), prefix: request.query("subjectPrefix") ?? "")) }
        }
        router.post("subjects/:subject") { request, context in
            await respond {
                let subject = try context.subject
                let body = try await schemaBody(request)
                let found = try registry.lookup(subject, schema: try body.requiredSchema, references: body.references ?? [],
                                                normalize: request.flag("normalize"), includeDeleted: request.flag("deleted"))
                return json(versionObject(found))
            }
        }
        router.delete("subjects/:subject") { request, context in
            await respond { json(try await registry.deleteSubject(try context.subject, permanent: request.flag("permanent"))) }
        }
        router.get("subjects/:subject/versions") { request, context in
            respond { json(try registry.versions(of: try context.subject, includeDeleted: request.flag("deleted"))) }
        }
        router.post("subjects/:subject/versions") { request, context in
            await respond {
                let subject = try context.subject
                let body = try await schemaBody(request)
                let registration = Registration(
                    subject: subject, schema: try body.requiredSchema, references: body.references ?? [],
                    normalize: request.flag("normalize"), id: body.id.flatMap { $0 > 0 ? $0 : nil },
                    version: body.version.flatMap { $0 > 0 ? $0 : nil })
                let (id, _) = try await registry.register(registration)
                return json(["id": id])
            }
        }
        router.get("subjects/:subject/versions/:version") { request, context in
            respond {
                let found = try registry.version(try context.subject, try context.version, includeDeleted: request.flag("deleted"))
                return json(versionObject(found))
            }
        }
        router.delete("subjects/:subject/versions/:version") { request, context in
            await respond {
                json(try await registry.deleteVersion(try context.subject, try context.version, permanent: request.flag("permanent")))
            }
        }
        router.get("subjects/:subject/versions/:version/schema") { request, context in
            respond {
                let found = try registry.version(try context.subject, try context.version, includeDeleted: request.flag("deleted"))
                return raw(found.schema)
            }
        }
        router.get("subjects/:subject/versions/:version/referencedby") { _, context in
            respond { json(try registry.referencedBy(try context.subject, try context.version)) }
        }
        router.get("schemas/types") { _, _ in
            respond { json(["AVRO"]) }
        }
        router.get("schemas/ids/:id") { _, context in
            respond {
                let (schema, references) = try registry.schema(id: try context.schemaID)
                var object: [String: Any] = ["schema": schema]
                if !references.isEmpty { object["references"] = references.map(referenceObject) }
                return json(object)
            }
        }
        router.get("schemas/ids/:id/schema") { _, context in
            respond { raw(try registry.schema(id: try context.schemaID).schema) }
        }
        router.get("schemas/ids/:id/subjects") { request, context in
            respond {
                let usages = try registry.subjectVersions(ofID: try context.schemaID, includeDeleted: request.flag("deleted"))
                return json(Array(Set(usages.map(\.subject))).sorted())
            }
        }
        router.get("schemas/ids/:id/versions") { request, context in
            respond {
                let usages = try registry.subjectVersions(ofID: try context.schemaID, includeDeleted: request.flag("deleted"))
                return json(usages.map { ["subject": $0.subject, "version": $0.version] as [String: Any] })
            }
        }
        router.get("config") { _, _ in
            respond { json(["compatibilityLevel": try registry.compatibility(of: nil, fallBack: true).rawValue]) }
        }
        router.put("config") { request, _ in
            await respond { json(["compatibility": try await registry.setCompatibility(try await compatibilityBody(request), subject: nil).rawValue]) }
        }
        router.delete("config") { _, _ in
            await respond {
                let previous = try registry.compatibility(of: nil, fallBack: true)
                _ = try await registry.setCompatibility(RegistryState.defaultCompatibility, subject: nil)
                return json(["compatibilityLevel": previous.rawValue])
            }
        }
        router.get("config/:subject") { request, context in
            respond {
                let level = try registry.compatibility(of: try context.subject, fallBack: request.flag("defaultToGlobal"))
                return json(["compatibilityLevel": level.rawValue])
            }
        }
        router.put("config/:subject") { request, context in
            await respond {
                let subject = try context.subject
                return json(["compatibility": try await registry.setCompatibility(try await compatibilityBody(request), subject: subject).rawValue])
            }
        }
        router.delete("config/:subject") { _, context in
            await respond {
                let subject = try context.subject
                let previous = try registry.compatibility(of: subject, fallBack: false)
                _ = try await registry.setCompatibility(nil, subject: subject)
                return json(["compatibilityLevel": previous.rawValue])
            }
        }
        router.post("compatibility/subjects/:subject/versions") { request, context in
            await respond {
                let subject = try context.subject
                let body = try await schemaBody(request)
                let problems = try registry.checkCompatibility(subject, schema: try body.requiredSchema, references: body.references ?? [], version: nil)
                return compatibilityResult(problems, verbose: request.flag("verbose"))
            }
        }
        router.post("compatibility/subjects/:subject/versions/:version") { request, context in
            await respond {
                let subject = try context.subject
                let version = try context.version
                let body = try await schemaBody(request)
                let problems = try registry.checkCompatibility(subject, schema: try body.requiredSchema, references: body.references ?? [], version: version)
                return compatibilityResult(problems, verbose: request.flag("verbose"))
            }
        }
        router.get("mode") { _, _ in
            respond { json(["mode": try registry.mode(of: nil, fallBack: true).rawValue]) }
        }
        router.put("mode") { request, _ in
            await respond { json(["mode": try await registry.setMode(try await modeBody(request), subject: nil, force: request.flag("force")).rawValue]) }
        }
        router.get("mode/:subject") { request, context in
            respond { json(["mode": try registry.mode(of: try context.subject, fallBack: request.flag("defaultToGlobal")).rawValue]) }
        }
        router.put("mode/:subject") { request, context in
            await respond {
                let subject = try context.subject
                return json(["mode": try await registry.setMode(try await modeBody(request), subject: subject, force: request.flag("force")).rawValue])
            }
        }
        router.delete("mode/:subject") { _, context in
            await respond {
                let subject = try context.subject
                let previous = try registry.mode(of: subject, fallBack: false)
                _ = try await registry.setMode(nil, subject: subject, force: false)
                return json(["mode": previous.rawValue])
            }
        }
    }

    // MARK: Request bodies

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
                guard let schema, !schema.isEmpty else { throw RegistryError(.invalidSchema, "Invalid schema: the request has no schema.") }
                return schema
            }
        }
    }

    private func body(_ request: Request) async throws(RegistryError) -> Data {
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

    private func decode<Body: Decodable>(_ type: Body.Type, from request: Request) async throws(RegistryError) -> Body {
        let data = try await body(request)
        do {
            return try JSONDecoder().decode(Body.self, from: data)
        } catch {
            throw RegistryError(.badRequest, "The request body is not the expected JSON: \(Self.describe(error))")
        }
    }

    private func schemaBody(_ request: Request) async throws(RegistryError) -> SchemaBody {
        try await decode(SchemaBody.self, from: request)
    }

    private func compatibilityBody(_ request: Request) async throws(RegistryError) -> CompatibilityLevel {
        struct Body: Decodable { var compatibility: String?; var compatibilityLevel: String? }
        let body = try await decode(Body.self, from: request)
        let raw = body.compatibility ?? body.compatibilityLevel ?? ""
        guard let level = CompatibilityLevel(rawValue: raw.uppercased()) else {
            throw RegistryError(.invalidCompatibilityLevel,
                "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive")
        }
        return level
    }

    private func modeBody(_ request: Request) async throws(RegistryError) -> RegistryMode {
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

// MARK: Responses

private func respond(_ body: () throws -> Response) -> Response {
    do { return try body() } catch let error as RegistryError { return failure(error) } catch {
        return failure(RegistryError(.storeError, "\(error)"))
    }
}

private func respond(_ body: () async throws -> Response) async -> Response {
    do { return try await body() } catch let error as RegistryError { return failure(error) } catch {
        return failure(RegistryError(.storeError, "\(error)"))
    }
}

private func failure(_ error: RegistryError) -> Response {
    var response = json(["error_code": error.code.errorCode, "message": error.message])
    response.status = HTTPResponse.Status(code: error.code.httpStatus)
    return response
}

private func json(_ object: Any) -> Response {
    // Every value passed here is built from strings, numbers, arrays and dictionaries.
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])) ?? Data("null".utf8)
    return Response(status: .ok, headers: [.contentType: ConfluentREST.contentType], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

private func raw(_ text: String) -> Response {
    Response(status: .ok, headers: [.contentType: ConfluentREST.contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
}

private func versionObject(_ found: SubjectVersion) -> [String: Any] {
    var object: [String: Any] = ["subject": found.subject, "version": found.version, "id": found.id, "schema": found.schema]
    if !found.references.isEmpty { object["references"] = found.references.map(referenceObject) }
    return object
}

private func referenceObject(_ reference: SchemaReference) -> [String: Any] {
    ["name": reference.name, "subject": reference.subject, "version": reference.version]
}

private func compatibilityResult(_ problems: [SchemaIncompatibility], verbose: Bool) -> Response {
    var object: [String: Any] = ["is_compatible": problems.isEmpty]
    if verbose { object["messages"] = problems.map(\.description) }
    return json(object)
}

extension Request {
    func query(_ name: String) -> String? {
        uri.queryParameters.get(name)
    }

    /// `?name=true` (any case); absent or anything else is false.
    func flag(_ name: String) -> Bool {
        query(name)?.lowercased() == "true"
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

    /// A version number, or nil for `latest` / `-1`.
    var version: Int? {
        get throws(RegistryError) {
            let raw = parameters.get("version") ?? ""
            if raw == "latest" || raw == "-1" { return nil }
            guard let number = Int(raw), number > 0 else {
                throw RegistryError(.invalidVersion,
                    "The specified version '\(raw)' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"")
            }
            return number
        }
    }

    var schemaID: Int {
        get throws(RegistryError) {
            guard let id = parameters.get("id").flatMap(Int.init) else {
                throw RegistryError(.schemaNotFound, "Schema \(parameters.get("id") ?? "") not found.")
            }
            return id
        }
    }
}
