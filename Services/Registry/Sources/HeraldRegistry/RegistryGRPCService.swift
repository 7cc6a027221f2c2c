public import GRPCCore
import HeraldAvro
import HeraldProtos
import SwiftProtobuf

/// `herald.v1.Registry` over a `SchemaRegistry`. Write RPCs read the forwarding marker from the
/// request metadata, so a request a follower forwarded is never forwarded again.
struct RegistryGRPCService: Herald_V1_Registry.SimpleServiceProtocol {
    let registry: SchemaRegistry

    // MARK: Writes (metadata-aware, so a forwarded request is never forwarded again)

    func registerSchema(
        request: ServerRequest<Herald_V1_RegisterSchemaRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<Herald_V1_RegisterSchemaResponse> {
        let message = request.message
        guard !message.schema.isEmpty else { throw RegistryError.emptySchema }
        let registration = Registration(
            subject: message.subject, schema: message.schema, references: message.references.map(SchemaReference.init),
            normalize: message.normalize, id: message.id == 0 ? nil : Int(message.id), version: message.version == 0 ? nil : Int(message.version))
        let (id, version) = try await registry.register(registration, forwarded: request.isForwarded)
        return ServerResponse(message: .with {
            $0.id = Int32(id)
            $0.version = Int32(version)
        })
    }

    func deleteSubject(
        request: ServerRequest<Herald_V1_DeleteSubjectRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<Herald_V1_DeleteResponse> {
        let versions = try await registry.deleteSubject(request.message.subject, permanent: request.message.permanent, forwarded: request.isForwarded)
        return ServerResponse(message: .with { $0.versions = versions.map(Int32.init) })
    }

    func deleteVersion(
        request: ServerRequest<Herald_V1_DeleteVersionRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<Herald_V1_DeleteResponse> {
        let message = request.message
        let version = message.version <= 0 ? nil : Int(message.version)
        let deleted = try await registry.deleteVersion(message.subject, version, permanent: message.permanent, forwarded: request.isForwarded)
        return ServerResponse(message: .with { $0.versions = [Int32(deleted)] })
    }

    func setConfig(
        request: ServerRequest<Herald_V1_SetConfigRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<Herald_V1_ConfigResponse> {
        let message = request.message
        let subject = message.subject.isEmpty ? nil : message.subject
        // UNSPECIFIED removes a subject's own level; the global level cannot be removed.
        let level: CompatibilityLevel? = message.compatibility == .unspecified && subject != nil
            ? nil : try CompatibilityLevel(message.compatibility)
        let result = try await registry.setCompatibility(level, subject: subject, forwarded: request.isForwarded)
        return ServerResponse(message: Self.config(subject, result))
    }

    func setMode(
        request: ServerRequest<Herald_V1_SetModeRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<Herald_V1_ModeResponse> {
        let message = request.message
        let subject = message.subject.isEmpty ? nil : message.subject
        // UNSPECIFIED removes a subject's own mode.
        let mode: RegistryMode? = message.mode == .unspecified && subject != nil ? nil : try RegistryMode(message.mode)
        let result = try await registry.setMode(mode, subject: subject, force: message.force, forwarded: request.isForwarded)
        return ServerResponse(message: Self.mode(subject, result))
    }

    // The simple forms are required by the protocol; the metadata-aware forms above replace them.
    func registerSchema(request: Herald_V1_RegisterSchemaRequest, context: ServerContext) async throws -> Herald_V1_RegisterSchemaResponse {
        try await registerSchema(request: ServerRequest(metadata: [:], message: request), context: context).message
    }

    func deleteSubject(request: Herald_V1_DeleteSubjectRequest, context: ServerContext) async throws -> Herald_V1_DeleteResponse {
        try await deleteSubject(request: ServerRequest(metadata: [:], message: request), context: context).message
    }

    func deleteVersion(request: Herald_V1_DeleteVersionRequest, context: ServerContext) async throws -> Herald_V1_DeleteResponse {
        try await deleteVersion(request: ServerRequest(metadata: [:], message: request), context: context).message
    }

    func setConfig(request: Herald_V1_SetConfigRequest, context: ServerContext) async throws -> Herald_V1_ConfigResponse {
        try await setConfig(request: ServerRequest(metadata: [:], message: request), context: context).message
    }

    func setMode(request: Herald_V1_SetModeRequest, context: ServerContext) async throws -> Herald_V1_ModeResponse {
        try await setMode(request: ServerRequest(metadata: [:], message: request), context: context).message
    }

    // MARK: Reads

    func getSchema(request: Herald_V1_GetSchemaRequest, context: ServerContext) async throws -> Herald_V1_GetSchemaResponse {
        let id = Int(request.id)
        let (schema, references) = try registry.schema(id: id)
        let subjects = try registry.subjectVersions(ofID: id).map(\.subject)
        return .with {
            $0.id = request.id
            $0.schema = schema
            $0.references = references.map(\.proto)
            $0.subjects = Array(Set(subjects)).sorted()
        }
    }

    func getVersion(request: Herald_V1_GetVersionRequest, context: ServerContext) async throws -> Herald_V1_GetVersionResponse {
        let found = try registry.version(request.subject, request.version <= 0 ? nil : Int(request.version), includeDeleted: request.includeDeleted)
        return Self.version(found)
    }

    func lookupSchema(request: Herald_V1_LookupSchemaRequest, context: ServerContext) async throws -> Herald_V1_GetVersionResponse {
        let found = try registry.lookup(request.subject, schema: request.schema, references: request.references.map(SchemaReference.init),
                                        normalize: request.normalize, includeDeleted: request.includeDeleted)
        return Self.version(found)
    }

    func listSubjects(request: Herald_V1_ListSubjectsRequest, context: ServerContext) async throws -> Herald_V1_ListSubjectsResponse {
        let subjects = try registry.subjects(includeDeleted: request.includeDeleted, prefix: request.prefix)
        return .with { $0.subjects = subjects }
    }

    func listVersions(request: Herald_V1_ListVersionsRequest, context: ServerContext) async throws -> Herald_V1_ListVersionsResponse {
        let versions = try registry.versions(of: request.subject, includeDeleted: request.includeDeleted)
        return .with { $0.versions = versions.map(Int32.init) }
    }

    func checkCompatibility(request: Herald_V1_CheckCompatibilityRequest, context: ServerContext) async throws -> Herald_V1_CheckCompatibilityResponse {
        let problems = try registry.checkCompatibility(
            request.subject, schema: request.schema, references: request.references.map(SchemaReference.init),
            version: request.version <= 0 ? nil : Int(request.version))
        return .with {
            $0.compatible = problems.isEmpty
            $0.messages = problems.map(\.description)
        }
    }

    func getConfig(request: Herald_V1_GetConfigRequest, context: ServerContext) async throws -> Herald_V1_ConfigResponse {
        let subject = request.subject.isEmpty ? nil : request.subject
        return Self.config(subject, try registry.compatibility(of: subject, fallBack: request.defaultToGlobal))
    }

    func getMode(request: Herald_V1_GetModeRequest, context: ServerContext) async throws -> Herald_V1_ModeResponse {
        let subject = request.subject.isEmpty ? nil : request.subject
        return Self.mode(subject, try registry.mode(of: subject, fallBack: true))
    }

    // MARK: Helpers

    static func version(_ found: SubjectVersion) -> Herald_V1_GetVersionResponse {
        .with {
            $0.subject = found.subject
            $0.version = Int32(found.version)
            $0.id = Int32(found.id)
            $0.schema = found.schema
            $0.references = found.references.map(\.proto)
        }
    }

    static func config(_ subject: String?, _ level: CompatibilityLevel) -> Herald_V1_ConfigResponse {
        .with {
            $0.subject = subject ?? ""
            $0.compatibility = Herald_V1_CompatibilityLevel(level)
        }
    }

    static func mode(_ subject: String?, _ mode: RegistryMode) -> Herald_V1_ModeResponse {
        .with {
            $0.subject = subject ?? ""
            $0.mode = Herald_V1_RegistryMode(mode)
        }
    }
}

extension ServerRequest {
    var isForwarded: Bool {
        metadata[stringValues: SchemaRegistry.forwardedHeader].contains { _ in true }
    }
}

extension SchemaRegistry {
    /// `herald.v1.Registry` over this registry, as the service serves it.
    public var grpcService: any RegistrableRPCService { RegistryGRPCService(registry: self) }
}
