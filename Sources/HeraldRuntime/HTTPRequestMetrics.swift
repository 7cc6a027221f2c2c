public import Hummingbird
import Metrics

/// Counts every HTTP request a service answers by method, route and status code and records how
/// long its handler took: `herald_http_server_requests_total{method,path,code}` and
/// `herald_http_server_request_duration_seconds{method,path,code}`. The `path` label is the
/// matched route's pattern (`/subjects/{subject}/versions`), never the request's own path, so a
/// client cannot grow the number of series; unmatched requests are `NotFound`.
public struct HTTPRequestMetrics<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context: context, status: response.status.code, since: started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? HTTPResponse.Status.internalServerError.code
            record(request, context: context, status: status, since: started)
            throw error
        }
    }

    private func record(_ request: Request, context: Context, status: Int, since started: ContinuousClock.Instant) {
        HTTPRequestMetricHandles.all[.init(method: request.method.rawValue, path: context.endpointPath ?? "NotFound", code: status)]
            .record(ContinuousClock.now - started)
    }
}

/// The handles of `HTTPRequestMetrics`, one pair per (method, route, status code), for every context type.
private enum HTTPRequestMetricHandles {
    struct Labels: Hashable, Sendable {
        let method: String
        let path: String
        let code: Int
    }

    static let all = MetricHandles<Labels, CountedDurations> { labels in
        CountedDurations(total: "herald_http_server_requests_total", duration: "herald_http_server_request_duration_seconds",
                         dimensions: [("method", labels.method), ("path", labels.path), ("code", String(labels.code))])
    }
}
