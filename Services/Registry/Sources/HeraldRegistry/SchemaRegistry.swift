import GRPCCore
import GRPCNIOTransportHTTP2Posix
public import HeraldAvro
import HeraldProtos
import HeraldRuntime
import Logging
import SwiftProtobuf

/// The registry as both APIs see it: reads from this instance's replica of the log, writes
/// carried out by the leader — here when this instance leads, otherwise forwarded to the leader
/// over gRPC. Every write a caller asked this instance for (not one forwarded to it) is recorded in
/// the audit log, for gRPC and REST alike.
public final class SchemaRegistry: Sendable {
    private let store: any RegistryStore
    /// How forwarded writes reach the leader: TLS when the registry's listeners speak it.
    private let leaderTLS: ClientTLS
    private let audit: any AuditTrail
    private let logger: Logger

    init(store: any RegistryStore, leaderTLS: ClientTLS = .plaintext, audit: any AuditTrail, logger: Logger) {
        self.store = store
        self.leaderTLS = leaderTLS
        self.audit = audit
        self.logger = logger
    }

    var state: RegistryState { store.state }

    /// The state reads are answered from, once the log has been replayed to the end it had at
    /// start: before that an answer could be out of date (a 404 for an id that exists makes a
    /// client's deserializer fail hard), so every read is refused as not ready.
    func readableState() throws(RegistryError) -> RegistryState {
        guard store.isReady else { throw .notReady }
        return store.state
    }

    /// Whether this instance currently leads (writes go through it).
    public var isLeader: Bool { store.isLeader }

    /// The instance id of the leader the log names, if any.
    public var leaderInstance: String? { state.leader?.instance }

    // MARK: Reads

    public func schema(id: Int) throws(RegistryError) -> (schema: String, references: [SchemaReference]) {
        try readableState().schema(id: id)
    }

    public func subjectVersions(ofID id: Int, includeDeleted: Bool = false) throws(RegistryError) -> [(subject: String, version: Int)] {
        let state = try readableState()
        _ = try state.schema(id: id)
        return state.usages(ofID: id, includeDeleted: includeDeleted).map { ($0.subject, $0.version) }
    }

    /// The versions of every subject starting with `prefix`, by subject then version.
    public func schemas(prefix: String = "", includeDeleted: Bool = false, latestOnly: Bool = false) throws(RegistryError) -> [SubjectVersion] {
        try readableState().versions(prefix: prefix, includeDeleted: includeDeleted, latestOnly: latestOnly)
    }

    public func subjects(includeDeleted: Bool = false, prefix: String = "") throws(RegistryError) -> [String] {
        try readableState().subjectNames(includeDeleted: includeDeleted, prefix: prefix)
    }

    public func versions(of subject: String, includeDeleted: Bool = false) throws(RegistryError) -> [Int] {
        try readableState().versions(of: subject, includeDeleted: includeDeleted)
    }

    /// `version` nil means the latest.
    public func version(_ subject: String, _ version: Int?, includeDeleted: Bool = false) throws(RegistryError) -> SubjectVersion {
        try readableState().version(subject, version, includeDeleted: includeDeleted)
    }

    public func referencedBy(_ subject: String, _ version: Int?) throws(RegistryError) -> [Int] {
        let state = try readableState()
        let resolved = try state.version(subject, version, includeDeleted: false)
        return state.referencingIDs(subject, resolved.version)
    }

    /// The version of `subject` that holds this schema.
    public func lookup(_ subject: String, schema text: String, references: [SchemaReference], normalize: Bool, includeDeleted: Bool = false) throws(RegistryError) -> SubjectVersion {
        let state = try readableState()
        _ = try state.versions(of: subject, includeDeleted: includeDeleted)
        let schema = try state.parse(text, references: references)
        guard let found = state.registeredVersion(of: schema, references: references, in: subject, includeDeleted: includeDeleted) else {
            throw .schemaNotFoundUnderSubject
        }
        return found
    }

    /// The incompatibilities of `schema` with `subject` (nil `version`: every version the subject's
    /// level requires). A subject without live versions accepts anything; a named version that is
    /// not live (never registered, deleted, or its subject unknown) is `versionNotFound`, as in Confluent.
    public func checkCompatibility(_ subject: String, schema text: String, references: [SchemaReference], version: Int?) throws(RegistryError) -> [SchemaIncompatibility] {
        let state = try readableState()
        let live = (try? state.versions(of: subject, includeDeleted: false)) ?? []
        if let version, !live.contains(version) { throw .versionNotFound(version) }
        let schema = try state.parse(text, references: references)
        guard !live.isEmpty else { return [] }
        let incompatibilities = try RegistryPlanner.check(schema, subject: subject, against: version, in: state)
        if !incompatibilities.isEmpty { RegistryMetrics.compatibilityFailure(check: "test") }
        return incompatibilities
    }

    /// nil `subject` is the global level. With `fallBack`, a subject without its own level
    /// answers the global one; without, it is `subjectConfigNotFound`.
    public func compatibility(of subject: String?, fallBack: Bool) throws(RegistryError) -> CompatibilityLevel {
        let state = try readableState()
        if let subject, !fallBack, state.configs[subject] == nil {
            throw RegistryError(.subjectConfigNotFound, "Subject '\(subject)' does not have subject-level compatibility configured")
        }
        return state.compatibility(of: subject)
    }

    public func mode(of subject: String?, fallBack: Bool) throws(RegistryError) -> RegistryMode {
        let state = try readableState()
        if let subject, !fallBack, state.modes[subject] == nil {
            throw RegistryError(.subjectModeNotFound, "Subject '\(subject)' does not have subject-level mode configured")
        }
        return state.mode(of: subject)
    }

    // MARK: Writes

    public func register(_ registration: Registration, forwarded: Bool = false) async throws(RegistryError) -> (id: Int, version: Int) {
        let result: Result<(id: Int, version: Int), RegistryError>
        do {
            result = .success(try await audit.recording("schema.register", target: registration.subject, forwarded: forwarded, detail: { "id=\($0.id) version=\($0.version)" }, isStoreFailure: Self.isStoreFailure) {
                () async throws(RegistryError) in try await plannedRegistration(registration, forwarded: forwarded)
            })
        } catch {
            result = .failure(error)
        }
        if !forwarded { RegistryMetrics.registration(result) }
        return try result.get()
    }

    private func plannedRegistration(_ registration: Registration, forwarded: Bool) async throws(RegistryError) -> (id: Int, version: Int) {
        try registration.validateRanges()
        let outcome = try await write(forwarded: forwarded, forward: { client in
            let response = try await client.registerSchema(.with {
                $0.subject = registration.subject
                $0.schema = registration.schema
                $0.references = registration.references.map(\.proto)
                $0.normalize = registration.normalize
                $0.id = Int32(registration.id ?? 0)
                $0.version = Int32(registration.version ?? 0)
            }, metadata: Self.forwardedMetadata)
            return .registered(id: Int(response.id), version: Int(response.version))
        }) { state throws(RegistryError) in
            try RegistryPlanner.register(registration, in: state)
        }
        guard case .registered(let id, let version) = outcome else { throw Self.unexpected(outcome) }
        return (id, version)
    }

    public func deleteSubject(_ subject: String, permanent: Bool, forwarded: Bool = false) async throws(RegistryError) -> [Int] {
        try await audit.recording("subject.delete", target: subject, forwarded: forwarded, detail: { "versions=\($0.map(String.init).joined(separator: ",")) permanent=\(permanent)" }, isStoreFailure: Self.isStoreFailure) {
            () async throws(RegistryError) in try await plannedSubjectDeletion(subject, permanent: permanent, forwarded: forwarded)
        }
    }

    private func plannedSubjectDeletion(_ subject: String, permanent: Bool, forwarded: Bool) async throws(RegistryError) -> [Int] {
        let outcome = try await write(forwarded: forwarded, forward: { client in
            let response = try await client.deleteSubject(.with {
                $0.subject = subject
                $0.permanent = permanent
            }, metadata: Self.forwardedMetadata)
            return .deleted(versions: response.versions.map(Int.init))
        }) { state throws(RegistryError) in
            try RegistryPlanner.deleteSubject(subject, permanent: permanent, in: state)
        }
        guard case .deleted(let versions) = outcome else { throw Self.unexpected(outcome) }
        return versions
    }

    /// `version` nil means the latest.
    public func deleteVersion(_ subject: String, _ version: Int?, permanent: Bool, forwarded: Bool = false) async throws(RegistryError) -> Int {
        try await audit.recording("version.delete", target: subject, forwarded: forwarded, detail: { "version=\($0) permanent=\(permanent)" }, isStoreFailure: Self.isStoreFailure) {
            () async throws(RegistryError) in try await plannedVersionDeletion(subject, version, permanent: permanent, forwarded: forwarded)
        }
    }

    private func plannedVersionDeletion(_ subject: String, _ version: Int?, permanent: Bool, forwarded: Bool) async throws(RegistryError) -> Int {
        let outcome = try await write(forwarded: forwarded, forward: { client in
            let response = try await client.deleteVersion(.with {
                $0.subject = subject
                $0.version = Int32(version ?? 0)
                $0.permanent = permanent
            }, metadata: Self.forwardedMetadata)
            return .deleted(versions: response.versions.map(Int.init))
        }) { state throws(RegistryError) in
            try RegistryPlanner.deleteVersion(subject, version, permanent: permanent, in: state)
        }
        guard case .deleted(let versions) = outcome, let deleted = versions.first else { throw Self.unexpected(outcome) }
        return deleted
    }

    /// `level` nil removes the subject's own level (the global one applies again).
    public func setCompatibility(_ level: CompatibilityLevel?, subject: String?, forwarded: Bool = false) async throws(RegistryError) -> CompatibilityLevel {
        try await audit.recording(level == nil ? "config.delete" : "config.set", target: subject ?? "", forwarded: forwarded, detail: { "compatibility=\($0.rawValue)" }, isStoreFailure: Self.isStoreFailure) {
            () async throws(RegistryError) in try await plannedCompatibility(level, subject: subject, forwarded: forwarded)
        }
    }

    private func plannedCompatibility(_ level: CompatibilityLevel?, subject: String?, forwarded: Bool) async throws(RegistryError) -> CompatibilityLevel {
        let outcome = try await write(forwarded: forwarded, forward: { client in
            let response = try await client.setConfig(.with {
                $0.subject = subject ?? ""
                $0.compatibility = level.map(Herald_V1_CompatibilityLevel.init) ?? .unspecified
            }, metadata: Self.forwardedMetadata)
            return .compatibility(try CompatibilityLevel(response.compatibility))
        }) { state throws(RegistryError) in
            try RegistryPlanner.setCompatibility(level, subject: subject, in: state)
        }
        guard case .compatibility(let result) = outcome else { throw Self.unexpected(outcome) }
        return result
    }

    /// `mode` nil removes the subject's own mode.
    public func setMode(_ mode: RegistryMode?, subject: String?, force: Bool, forwarded: Bool = false) async throws(RegistryError) -> RegistryMode {
        try await audit.recording(mode == nil ? "mode.delete" : "mode.set", target: subject ?? "", forwarded: forwarded, detail: { "mode=\($0.rawValue)" }, isStoreFailure: Self.isStoreFailure) {
            () async throws(RegistryError) in try await plannedMode(mode, subject: subject, force: force, forwarded: forwarded)
        }
    }

    private func plannedMode(_ mode: RegistryMode?, subject: String?, force: Bool, forwarded: Bool) async throws(RegistryError) -> RegistryMode {
        let outcome = try await write(forwarded: forwarded, forward: { client in
            let response = try await client.setMode(.with {
                $0.subject = subject ?? ""
                $0.mode = mode.map(Herald_V1_RegistryMode.init) ?? .unspecified
                $0.force = force
            }, metadata: Self.forwardedMetadata)
            return .mode(try RegistryMode(response.mode))
        }) { state throws(RegistryError) in
            try RegistryPlanner.setMode(mode, subject: subject, force: force, in: state)
        }
        guard case .mode(let result) = outcome else { throw Self.unexpected(outcome) }
        return result
    }

    /// A write that failed while being stored or forwarded may have taken effect; the audit log
    /// records it as failed. The other errors refuse the request before anything is written.
    private static func isStoreFailure(_ error: RegistryError) -> Bool {
        [RegistryError.Code.storeError, .operationTimeout, .forwardingError].contains(error.code)
    }

    // MARK: Leader or forward

    /// Marks a request a follower forwarded, so the receiver never forwards it again.
    static let forwardedHeader = "herald-registry-forwarded"
    static let forwardedMetadata: Metadata = [forwardedHeader: "1"]

    typealias Forward = @Sendable (Herald_V1_Registry.Client<HTTP2ClientTransport.Posix>) async throws -> RegistryPlanner.Outcome

    /// Carries out a write here when this instance leads; otherwise forwards it once to the leader
    /// the log names. `forwarded` requests are never forwarded again.
    private func write(
        forwarded: Bool,
        forward: Forward,
        plan: @Sendable (RegistryState) throws(RegistryError) -> RegistryPlanner.Plan
    ) async throws(RegistryError) -> RegistryPlanner.Outcome {
        if store.isLeader {
            return try await store.execute(plan)
        }
        // Before replay this instance does not know the leader yet.
        guard store.isReady else { throw .notReady }
        guard !forwarded else {
            throw RegistryError(.unknownLeader, "This instance is not the leader; retry against the current leader.")
        }
        do {
            return try await withLeaderClient { client in
                try await forward(Herald_V1_Registry.Client(wrapping: client))
            }
        } catch let error as LeaderRefusal {
            throw RegistryError(forwarded: error.answer, leader: error.leader)
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError(.forwardingError, "Forwarding to the leader failed: \(error)")
        }
    }

    /// Calls `body` with a client of the leader the log names, for a write a follower forwards.
    /// No known leader is `unknownLeader`; the leader's error answer comes back as `LeaderRefusal`.
    func withLeaderClient<Result: Sendable>(
        _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
    ) async throws -> Result {
        guard let announcement = state.leader, let target = try? ServiceAddress(announcement.grpcAddress) else {
            throw RegistryError(.unknownLeader, "No registry leader is known yet; retry shortly.")
        }
        do {
            return try await withGRPCClient(
                transport: .http2NIOPosix(target: target.grpcTarget, transportSecurity: leaderTLS.transportSecurity),
                interceptors: [APIKeyClientInterceptor(.caller)]
            ) { client in
                try await body(client)
            }
        } catch let error as RPCError {
            throw LeaderRefusal(answer: error, leader: announcement.grpcAddress)
        }
    }

    private static func unexpected(_ outcome: RegistryPlanner.Outcome) -> RegistryError {
        RegistryError(.storeError, "Unexpected outcome \(outcome) of a registry write.")
    }
}

/// What the leader answered a forwarded write with (or the call's own failure reaching it).
struct LeaderRefusal: Error {
    let answer: RPCError
    let leader: String
}

extension Registration {
    /// Ids and versions are 32-bit in both APIs and in forwarded requests: anything larger is
    /// refused before it is planned, forwarded or written.
    func validateRanges() throws(RegistryError) {
        let range = SchemaLogRecord.idRange
        if let id, !range.contains(id) { throw RegistryError(.invalidSchema, "Schema id \(id) is outside \(range).") }
        if let version, !range.contains(version) { throw .invalidVersion("\(version)") }
        if let reference = references.first(where: { !range.contains($0.version) }) {
            throw .invalidVersion("\(reference.version)")
        }
    }
}

/// A registration request, as both APIs take it.
public struct Registration: Sendable {
    public var subject: String
    public var schema: String
    public var references: [SchemaReference]
    public var normalize: Bool
    /// IMPORT mode only.
    public var id: Int?
    /// IMPORT mode only.
    public var version: Int?

    public init(subject: String, schema: String, references: [SchemaReference] = [], normalize: Bool = false, id: Int? = nil, version: Int? = nil) {
        self.subject = subject
        self.schema = schema
        self.references = references
        self.normalize = normalize
        self.id = id
        self.version = version
    }
}
