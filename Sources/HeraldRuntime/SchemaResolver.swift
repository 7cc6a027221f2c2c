import GRPCCore
public import GRPCNIOTransportHTTP2Posix
public import HeraldAvro
public import HeraldProtos
import SwiftProtobuf
import Synchronization

/// Finds the writer schema of an event through the registry's gRPC API, with a cache: a schema id
/// never changes meaning, so ids (and explicit subject versions) are cached for good; "latest"
/// only briefly, so a newly registered version is picked up within `latestTTL`. Shared by the
/// producer (encoding) and the delivery service (decoding a task's payload by schema id).
public final class SchemaResolver: Sendable {
    public struct Resolved: Sendable {
        public let id: Int32
        public let schema: AvroSchema
    }

    public enum Failure: Error, Sendable {
        /// The schema reference names nothing the registry knows.
        case notFound(String)
        /// The reference itself is malformed (no subject and no id, negative version).
        case invalid(String)
        /// The registry could not be asked.
        case unavailable(String)
    }

    private struct Cache {
        var byID: [Int32: AvroSchema] = [:]
        var byVersion: [String: Resolved] = [:]
        var latest: [String: (resolved: Resolved, fetched: ContinuousClock.Instant)] = [:]
    }

    private let client: Herald_V1_Registry.Client<HTTP2ClientTransport.Posix>
    private let latestTTL: Duration
    private let timeout: Duration
    private let cache = Mutex(Cache())
    /// Registry calls under way, by what they fetch: concurrent misses for one schema (a burst of
    /// events right after start-up, or when "latest" expires) share one call instead of each
    /// making its own and queueing behind the others until they time out.
    private let inFlight = Mutex<[String: Task<Resolved, any Error>]>([:])

    public init(client: Herald_V1_Registry.Client<HTTP2ClientTransport.Posix>, latestTTL: Duration, timeout: Duration) {
        self.client = client
        self.latestTTL = latestTTL
        self.timeout = timeout
    }

    public func resolve(_ reference: Herald_V1_SchemaRef) async throws(Failure) -> Resolved {
        if reference.id != 0 {
            guard reference.id > 0 else { throw .invalid("event.schema.id: must be positive, got \(reference.id)") }
            return Resolved(id: reference.id, schema: try await schema(id: reference.id))
        }
        guard !reference.subject.isEmpty else {
            throw .invalid("event.schema: give a subject (and optionally a version) or an id")
        }
        guard reference.version >= 0 else {
            throw .invalid("event.schema.version: must be 0 (latest) or positive, got \(reference.version)")
        }
        let key = "\(reference.subject)\u{0}\(reference.version)"
        let now = ContinuousClock.now
        if let cached = cache.withLock({ cache -> Resolved? in
            if reference.version > 0 { return cache.byVersion[key] }
            guard let entry = cache.latest[reference.subject], now - entry.fetched < latestTTL else { return nil }
            return entry.resolved
        }) {
            return cached
        }
        return try await coalesced("version\u{0}\(key)") { [self] () async throws(Failure) -> Resolved in
            try await fetch(reference, key: key, now: now)
        }
    }

    private func fetch(_ reference: Herald_V1_SchemaRef, key: String, now: ContinuousClock.Instant) async throws(Failure) -> Resolved {
        let response: Herald_V1_GetVersionResponse
        do {
            response = try await call { try await client.getVersion(.with {
                $0.subject = reference.subject
                $0.version = reference.version
            }, options: $0) }
        } catch let error as RPCError where error.code == .notFound {
            let version = reference.version == 0 ? "latest" : "\(reference.version)"
            throw .notFound("event.schema: subject '\(reference.subject)' version \(version) is not registered: \(error.message)")
        } catch {
            throw Self.unavailable(error)
        }
        let schema = try cachedOrParsed(id: response.id, text: response.schema, references: response.references)
        let resolved = Resolved(id: response.id, schema: schema)
        cache.withLock { cache in
            if reference.version > 0 { cache.byVersion[key] = resolved } else { cache.latest[reference.subject] = (resolved, now) }
        }
        return resolved
    }

    /// The schema with this global id (cached for good: ids never change meaning).
    public func schema(id: Int32) async throws(Failure) -> AvroSchema {
        if let cached = cache.withLock({ $0.byID[id] }) { return cached }
        return try await coalesced("id\u{0}\(id)") { [self] () async throws(Failure) -> Resolved in
            Resolved(id: id, schema: try await fetch(id: id))
        }.schema
    }

    private func fetch(id: Int32) async throws(Failure) -> AvroSchema {
        let response: Herald_V1_GetSchemaResponse
        do {
            response = try await call { try await client.getSchema(.with { $0.id = id }, options: $0) }
        } catch let error as RPCError where error.code == .notFound {
            throw .notFound("event.schema.id: schema \(id) is not registered")
        } catch {
            throw Self.unavailable(error)
        }
        return try cachedOrParsed(id: id, text: response.schema, references: response.references)
    }

    private func cachedOrParsed(id: Int32, text: String, references: [Herald_V1_SchemaReference]) throws(Failure) -> AvroSchema {
        if let cached = cache.withLock({ $0.byID[id] }) { return cached }
        guard references.isEmpty else {
            throw .invalid("schema \(id) uses schema references, which the producer does not resolve yet")
        }
        let schema: AvroSchema
        do {
            schema = try AvroSchema(parsing: text)
        } catch {
            throw .unavailable("schema \(id) from the registry does not parse: \(error)")
        }
        cache.withLock { $0.byID[id] = schema }
        return schema
    }

    /// Joins the call fetching `key` if one is under way, else starts it.
    private func coalesced(_ key: String, _ fetch: @escaping @Sendable () async throws(Failure) -> Resolved) async throws(Failure) -> Resolved {
        let task = inFlight.withLock { calls in
            if let running = calls[key] { return running }
            let task = Task<Resolved, any Error> { try await fetch() }
            calls[key] = task
            return task
        }
        defer { inFlight.withLock { calls in if calls[key] == task { calls[key] = nil } } }
        do {
            return try await task.value
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Self.unavailable(error)
        }
    }

    private func call<Response: Sendable>(_ body: (CallOptions) async throws -> Response) async throws -> Response {
        var options = CallOptions.defaults
        options.timeout = timeout
        return try await body(options)
    }

    private static func describe(_ error: any Error) -> String {
        (error as? RPCError).map { "\($0.code): \($0.message)" } ?? "\(error)"
    }

    /// Why a registry call failed, for the caller: a registry that refused this service's own key
    /// is a misconfiguration to fix here, not a registry to wait for.
    private static func unavailable(_ error: any Error) -> Failure {
        if let error = error as? RPCError, [.unauthenticated, .permissionDenied].contains(error.code) {
            return .unavailable("the schema registry refused this service's API key (--api-key, HERALD_API_KEY): \(describe(error))")
        }
        return .unavailable("the schema registry is unreachable: \(describe(error))")
    }
}
