import Foundation
import GRPCCore
import HeraldCore
import HeraldProtos
import HeraldRuntime
import SwiftProtobuf

/// `herald.v1.Keys` over the registry's `KeyAdministration`. Writes read the forwarding marker,
/// so a request a follower forwarded is never forwarded again.
struct KeysGRPCService: Herald_V1_Keys.SimpleServiceProtocol {
    let keys: KeyAdministration

    func createKey(
        request: ServerRequest<Herald_V1_CreateKeyRequest>, context: ServerContext
    ) async throws -> ServerResponse<Herald_V1_CreateKeyResponse> {
        let message = request.message
        let creation = KeyCreation(name: message.name, scopes: message.scopes, eventTypes: message.eventTypes, sources: message.sources)
        return ServerResponse(message: try await keys.create(creation, forwarded: request.isForwarded))
    }

    func listKeys(request: Herald_V1_ListKeysRequest, context: ServerContext) async throws -> Herald_V1_ListKeysResponse {
        try keys.list()
    }

    func revokeKey(
        request: ServerRequest<Herald_V1_RevokeKeyRequest>, context: ServerContext
    ) async throws -> ServerResponse<Herald_V1_RevokeKeyResponse> {
        ServerResponse(message: try await keys.revoke(id: request.message.id, forwarded: request.isForwarded))
    }

    func whoAmI(request: Herald_V1_WhoAmIRequest, context: ServerContext) async throws -> Herald_V1_WhoAmIResponse {
        try keys.whoAmI(CallerPrincipal.current)
    }

    // The simple forms are required by the protocol; the metadata-aware forms above replace them.
    func createKey(request: Herald_V1_CreateKeyRequest, context: ServerContext) async throws -> Herald_V1_CreateKeyResponse {
        try await createKey(request: ServerRequest(metadata: [:], message: request), context: context).message
    }

    func revokeKey(request: Herald_V1_RevokeKeyRequest, context: ServerContext) async throws -> Herald_V1_RevokeKeyResponse {
        try await revokeKey(request: ServerRequest(metadata: [:], message: request), context: context).message
    }
}

extension KeyRequestError {
    /// The gRPC status a refused key change answers with.
    var rpcError: RPCError {
        switch self {
        case .invalid(let reason): RPCError(code: .invalidArgument, message: reason)
        case .notFound(let reason): RPCError(code: .notFound, message: reason)
        }
    }
}

extension Herald_V1_ApiKeyInfo {
    /// What may be shown of a key: everything but its hash.
    init(_ record: KeyRecord) {
        self.init()
        id = record.id
        name = record.name
        scopes = record.scopes.sorted().map(\.rawValue)
        eventTypes = record.eventTypes
        sources = record.sources
        createdAt = Google_Protobuf_Timestamp(date: record.createdAt)
        if let revokedAt = record.revokedAt { self.revokedAt = Google_Protobuf_Timestamp(date: revokedAt) }
    }
}
