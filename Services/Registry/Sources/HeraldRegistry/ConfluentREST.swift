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
    /// The most `GET /schemas` returns at once.
    static let schemaListLimit = 1000
    /// Request content types Confluent's registry reads.
    static let acceptedContentTypes: Set<String> = [
        "application/vnd.schemaregistry.v1+json", "application/vnd.schemaregistry+json",
        "application/json", "application/octet-stream",
    ]

    /// Adds the API's routes, after the routes already on `router` (`/healthz`, `/metrics`), which
    /// keep their own conventions.
    public func addRoutes(to router: Router<BasicRequestContext>) {
        router.add(middleware: ConfluentConventions())
        // Confluent's root resource: an empty object, for liveness checks.
        router.get("/") { _, _ in json([String: String]()) }
        router.post("/") { _, _ in json([String: String]()) }
        // Herald serves Confluent's default context only.
        router.get("contexts") { _, _ in json(["."]) }
        router.get("schemas") { request, _ in
            respond {
                let schemas = try registry.schemas(
                    prefix: request.query("subjectPrefix") ?? "", includeDeleted: request.flag("deleted"), latestOnly: request.flag("latestOnly"))
                let offset = max(0, try request.integer("offset", default: 0))
                // As Confluent with its default `schema.search.max.limit`: 1…1000, anything else 1000.
                let requested = try request.integer("limit", default: -1)
                let limit = (1...Self.schemaListLimit).contains(requested) ? requested : Self.schemaListLimit
                let page = schemas.dropFirst(offset).prefix(limit)
                return json(page.map(versionObject))
            }
        }
        router.get("subjects") { request, _ in
            respond { json(try registry.subjects(includeDeleted: request.flag("deleted"), prefix: request.query("subjectPrefix") ?? "")) }
        }
        router.post("subjects/:subject") { request, context in
            await respond {
                let subject = try context.subject
                let body = try await schemaBody(request)
                let found = try registry.lookup(subject, schema: try body.requiredSchema, references: try body.checkedReferences,
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
                    subject: subject, schema: try body.requiredSchema, references: try body.checkedReferences,
                    normalize: request.flag("normalize"), id: try body.requestedID, version: try body.requestedVersion)
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
                let problems = try registry.checkCompatibility(subject, schema: try body.requiredSchema, references: try body.checkedReferences, version: nil)
                return compatibilityResult(problems, verbose: request.flag("verbose"))
            }
        }
        router.post("compatibility/subjects/:subject/versions/:version") { request, context in
            await respond {
                let subject = try context.subject
                let version = try context.version
                let body = try await schemaBody(request)
                let problems = try registry.checkCompatibility(subject, schema: try body.requiredSchema, references: try body.checkedReferences, version: version)
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

}
