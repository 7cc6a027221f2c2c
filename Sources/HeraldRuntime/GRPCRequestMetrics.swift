public import GRPCCore
import Metrics

/// Counts every RPC a server handles by method and status code and records how long it took,
/// streaming bodies included: `herald_grpc_server_requests_total{method,code}` and
/// `herald_grpc_server_request_duration_seconds{method,code}`. Every service's
/// `GRPCServerService` installs it, so no service counts its own calls.
public struct GRPCRequestMetrics: ServerInterceptor {
    public init() {}

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let method = context.descriptor.fullyQualifiedMethod
        let started = ContinuousClock.now
        let response: StreamingServerResponse<Output>
        do {
            response = try await next(request, context)
        } catch {
            Self.record(method: method, code: GRPCStatusName(of: error), since: started)
            throw error
        }
        if case .failure(let error) = response.accepted {
            Self.record(method: method, code: GRPCStatusName(error.code), since: started)
        }
        // The handler's work for a streaming response happens in its body: time it to its end.
        return response.wrappingBody { body in
            do {
                let trailers = try await body()
                Self.record(method: method, code: .ok, since: started)
                return trailers
            } catch {
                Self.record(method: method, code: GRPCStatusName(of: error), since: started)
                throw error
            }
        }
    }

    private struct Labels: Hashable, Sendable {
        let method: String
        let code: GRPCStatusName
    }

    private static let handles = MetricHandles<Labels, CountedDurations> { labels in
        CountedDurations(total: "herald_grpc_server_requests_total", duration: "herald_grpc_server_request_duration_seconds",
                         dimensions: [("method", labels.method), ("code", labels.code.rawValue)])
    }

    private static func record(method: String, code: GRPCStatusName, since started: ContinuousClock.Instant) {
        handles[Labels(method: method, code: code)].record(ContinuousClock.now - started)
    }
}

/// A gRPC status code as the canonical upper-case name the gRPC specification gives it
/// (`OK`, `INVALID_ARGUMENT`), the `code` label of the request metrics.
struct GRPCStatusName: RawRepresentable, Hashable, Sendable {
    let rawValue: String

    init(rawValue: String) { self.rawValue = rawValue }

    static let ok = GRPCStatusName(rawValue: "OK")

    /// Indexed by the numeric status code, 0 (OK) to 16 (UNAUTHENTICATED).
    private static let names = [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ]

    init(_ code: RPCError.Code) {
        rawValue = Self.names.indices.contains(code.rawValue) ? Self.names[code.rawValue] : "UNKNOWN"
    }

    /// What the client sees for `error`: its own code when it carries one, else UNKNOWN (as the server reports it).
    init(of error: any Error) {
        switch error {
        case let error as RPCError: self.init(error.code)
        case let error as any RPCErrorConvertible: self.init(error.rpcErrorCode)
        default: self.init(.unknown)
        }
    }
}
