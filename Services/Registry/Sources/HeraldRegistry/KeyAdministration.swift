import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldCore
import HeraldKafka
import HeraldProtos
import HeraldRuntime
import SwiftProtobuf

/// `herald.v1.Keys` behind the API: reads from its `KeyStore` (this instance's `KeyDirectory`); writes planned by
/// `KeyPlanner` and carried out by the registry leader with its transactional producer, one at a
/// time with the schema writes — here when this instance leads, otherwise forwarded once to the
/// leader, as every registry write is. So two replicas never write a key concurrently, and a
/// fenced former leader cannot write one at all.
final class KeyAdministration: Sendable {
    /// The keys read, and written while this instance leads.
    private let keys: any KeyStore
    private let registry: SchemaRegistry
    private let audit: any AuditTrail

    init(keys: any KeyStore, registry: SchemaRegistry, audit: any AuditTrail) {
        self.keys = keys
        self.registry = registry
        self.audit = audit
    }

    /// Every key this registry knows (its bootstrap keys and the topic's), by creation time.
    func list() throws(RPCError) -> Herald_V1_ListKeysResponse {
        let keys = try self.keys.readableRing().all.map(Herald_V1_ApiKeyInfo.init)
        return .with { $0.keys = keys }
    }

    /// The key a call was made with, as `list` shows it. `principal` is nil only when the registry
    /// checks no keys (`--insecure-no-auth`): there is then no key to describe.
    func whoAmI(_ principal: Principal?) throws(RPCError) -> Herald_V1_WhoAmIResponse {
        guard let principal else {
            throw RPCError(code: .failedPrecondition, message: "this registry runs with --insecure-no-auth: it checks no key, so there is none to describe")
        }
        // The interceptor accepted the key against this very ring, so it holds the record; a
        // revocation read since then answers as any revoked key does.
        guard let record = try keys.readableRing().record(id: principal.keyID), record.revokedAt == nil else {
            throw RPCError(code: .unauthenticated, message: "API key not accepted: unknown or revoked")
        }
        return .with { $0.info = Herald_V1_ApiKeyInfo(record) }
    }

    /// Creates a key; the response is the only time its secret exists outside the caller.
    func create(_ creation: KeyCreation, forwarded: Bool) async throws -> Herald_V1_CreateKeyResponse {
        try await audit.recording(
            "key.create", target: creation.name, forwarded: forwarded,
            detail: { "id=\($0.info.id) scopes=\($0.info.scopes.joined(separator: ","))" }, isStoreFailure: Self.isStoreFailure
        ) {
            try await createUnaudited(creation, forwarded: forwarded)
        }
    }

    private func createUnaudited(_ creation: KeyCreation, forwarded: Bool) async throws -> Herald_V1_CreateKeyResponse {
        let key = APIKey.generate()
        // Checked here too, so a follower refuses a bad request without a round trip to the leader.
        let record: KeyRecord
        do { record = try KeyPlanner.create(creation, key: key, now: .now) } catch { throw error.rpcError }
        guard registry.isLeader else {
            return try await forward(forwarded) { client in
                try await client.createKey(.with {
                    $0.name = creation.name
                    $0.scopes = creation.scopes
                    $0.eventTypes = creation.eventTypes
                    $0.sources = creation.sources
                }, metadata: SchemaRegistry.forwardedMetadata)
            }
        }
        _ = try await keys.store { _ in .write(record) }
        return .with {
            $0.key = key.presented
            $0.info = Herald_V1_ApiKeyInfo(record)
        }
    }

    /// Revokes key `id` everywhere; revoking a revoked key answers its record unchanged.
    func revoke(id: String, forwarded: Bool) async throws -> Herald_V1_RevokeKeyResponse {
        try await audit.recording("key.revoke", target: id, forwarded: forwarded, detail: { _ in "" }, isStoreFailure: Self.isStoreFailure) {
            try await revokeUnaudited(id: id, forwarded: forwarded)
        }
    }

    private func revokeUnaudited(id: String, forwarded: Bool) async throws -> Herald_V1_RevokeKeyResponse {
        guard registry.isLeader else {
            return try await forward(forwarded) { client in
                try await client.revokeKey(.with { $0.id = id }, metadata: SchemaRegistry.forwardedMetadata)
            }
        }
        let record = try await keys.store { ring in try Self.revocation(of: id, in: ring) }
        return .with { $0.info = Herald_V1_ApiKeyInfo(record) }
    }

    /// Refusals of the request itself (bad input, unknown key, missing scope, no leader) leave no
    /// record; any other error came from storing the change, which may have taken effect.
    private static func isStoreFailure(_ error: any Error) -> Bool {
        guard let refusal = error as? RPCError else { return true }
        return ![.invalidArgument, .notFound, .permissionDenied, .unauthenticated, .unavailable].contains(refusal.code)
    }

    private static func revocation(of id: String, in ring: KeyRing) throws(RPCError) -> KeyDecision {
        do { return try KeyPlanner.revoke(id: id, in: ring, now: .now) } catch { throw error.rpcError }
    }

    /// Sends a write to the leader, once: a request that was itself forwarded is not sent on.
    private func forward<Response: Sendable>(
        _ forwarded: Bool, _ call: (Herald_V1_Keys.Client<HTTP2ClientTransport.Posix>) async throws -> Response
    ) async throws -> Response {
        guard !forwarded else {
            throw RegistryError(.unknownLeader, "This instance is not the leader; retry against the current leader.")
        }
        do {
            return try await registry.withLeaderClient { client in try await call(Herald_V1_Keys.Client(wrapping: client)) }
        } catch let refusal as LeaderRefusal {
            // The leader's status and message only: its response metadata (trailers included) are not ours to send.
            throw RPCError(code: refusal.answer.code, message: refusal.answer.message)
        }
    }
}
