import Foundation
import GRPCCore
import HeraldCore
import HeraldKafka
import HeraldProtos
import HeraldRuntime
import SwiftProtobuf

/// `herald.v1.Router`: routes are records of `herald.routes` (key = route id, value = the
/// `Route` message, a tombstone deletes). A write returns once this instance's own copy of the
/// table shows it, so a read from the same instance right after sees it. Each change is recorded
/// in the audit log.
struct RouterGRPCService: Herald_V1_Router.SimpleServiceProtocol {
    let routes: any RouteStore
    /// How long a write waits for the table to show it before answering anyway.
    let applyTimeout: Duration
    let audit: any AuditTrail

    func putRoute(request: Herald_V1_PutRouteRequest, context: ServerContext) async throws -> Herald_V1_PutRouteResponse {
        guard request.hasRoute else { throw RPCError(code: .invalidArgument, message: "route: missing") }
        let route = request.route
        if let problem = RouteRule(route).violation { throw RPCError(code: .invalidArgument, message: problem) }
        let bytes: [UInt8]
        do { bytes = try route.serializedBytes() } catch {
            throw RPCError(code: .invalidArgument, message: "route: cannot be encoded: \(error)")
        }
        let action = routes.route(route.id) == nil ? "route.create" : "route.update"
        try await audit.recording(action, target: route.id, forwarded: false, detail: { _ in "" }, isStoreFailure: Self.isStoreFailure) { () async throws(RPCError) in
            try await routes.write(id: route.id, value: bytes)
        }
        await waitUntil { routes.route(route.id) == route }
        return .with { $0.route = route }
    }

    func getRoute(request: Herald_V1_GetRouteRequest, context: ServerContext) async throws -> Herald_V1_GetRouteResponse {
        guard let route = routes.route(request.id) else { throw notFound(request.id) }
        return .with { $0.route = route }
    }

    func deleteRoute(request: Herald_V1_DeleteRouteRequest, context: ServerContext) async throws -> Herald_V1_DeleteRouteResponse {
        guard routes.route(request.id) != nil else { throw notFound(request.id) }
        try await audit.recording("route.delete", target: request.id, forwarded: false, detail: { _ in "" }, isStoreFailure: Self.isStoreFailure) { () async throws(RPCError) in
            try await routes.write(id: request.id, value: nil)
        }
        await waitUntil { routes.route(request.id) == nil }
        return Herald_V1_DeleteRouteResponse()
    }

    func listRoutes(request: Herald_V1_ListRoutesRequest, context: ServerContext) async throws -> Herald_V1_ListRoutesResponse {
        .with { $0.routes = routes.all() }
    }

    private func notFound(_ id: String) -> RPCError {
        RPCError(code: .notFound, message: "route '\(id)' does not exist")
    }

    /// Only `routes.write` throws inside a recorded change, and only when storing failed.
    static func isStoreFailure(_ error: RPCError) -> Bool { error.code == .unavailable }

    /// Waits (up to `applyTimeout`) for this instance's copy of the routes to show its own write.
    private func waitUntil(_ condition: () -> Bool) async {
        let deadline = ContinuousClock.now + applyTimeout
        while !condition(), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}
