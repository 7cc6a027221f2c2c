public import GRPCCore
public import HeraldCore

/// The W3C trace context a gRPC caller sent (`traceparent`, `tracestate` metadata), for the
/// handler of its call to continue. Every server installs the interceptor, so a handler reads
/// `CallerTraceContext.current` without seeing the metadata itself.
public enum CallerTraceContext {
    /// nil outside a call, or when the caller sent no valid `traceparent` (which W3C says to ignore).
    @TaskLocal public static var current: TraceContext?

    /// The context in `metadata`, nil when absent or malformed.
    public static func context(in metadata: Metadata) -> TraceContext? {
        guard let traceparent = metadata[stringValues: TracePropagation.traceparent].first(where: { _ in true }) else { return nil }
        let tracestate = metadata[stringValues: TracePropagation.tracestate].joined(separator: ",")
        return try? TraceContext(traceparent: traceparent, tracestate: tracestate)
    }
}

/// Binds `CallerTraceContext.current` for a call's handler, streaming bodies included (they run
/// after `next` returns, outside its scope).
public struct CallerTraceContextInterceptor: ServerInterceptor {
    public init() {}

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard let caller = CallerTraceContext.context(in: request.metadata) else { return try await next(request, context) }
        let response = try await CallerTraceContext.$current.withValue(caller) { try await next(request, context) }
        return response.wrappingBody { body in try await CallerTraceContext.$current.withValue(caller) { try await body() } }
    }
}
