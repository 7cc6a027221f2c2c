public import AsyncHTTPClient
public import Foundation
import HeraldAvro
import HeraldCore
public import HeraldProtos
public import HeraldRuntime
import NIOCore
import NIOHTTP1

/// What one attempt came to, before the retry policy is applied.
public struct AttemptReport: Sendable {
    public enum Kind: Sendable, Hashable {
        /// The endpoint answered.
        case answered(status: Int, retryAfter: Duration?)
        /// Nothing usable came back (connection error, timeout, payload not decodable, breaker open, refused address).
        case failed
        /// No attempt is possible (endpoint missing or disabled): dead-letter now.
        case undeliverable
    }

    public var kind: Kind
    public var error: String
    /// The endpoint's retry policy (`nil` when the endpoint is gone).
    public var policy: RetryPolicy?
    /// Whether a request reached the endpoint (for the circuit breaker).
    public var reachedEndpoint: Bool
    /// For `.failed` without a request: when to try again instead of the schedule (an open breaker).
    public var retryAfter: Duration?
    /// How long the request took, when one was made (for `herald_delivery_request_duration_seconds`).
    public var requestDuration: Duration?

    public init(kind: Kind, error: String = "", policy: RetryPolicy?, reachedEndpoint: Bool, retryAfter: Duration? = nil, requestDuration: Duration? = nil) {
        self.kind = kind
        self.error = error
        self.policy = policy
        self.reachedEndpoint = reachedEndpoint
        self.retryAfter = retryAfter
        self.requestDuration = requestDuration
    }
}

/// Sends one task to its endpoint: CloudEvents structured JSON, Standard Webhooks headers.
public struct WebhookSender: Sendable {
    public let client: HTTPClient
    public let resolver: SchemaResolver
    public let requestTimeout: Duration

    /// - Parameters:
    ///   - connectTimeout: default 5 s; `requestTimeout`: the whole request, default 30 s.
    public static func makeClient(connectTimeout: Duration, connectionsPerEndpoint: Int) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .nanoseconds(Int64(connectTimeout.components.seconds) * 1_000_000_000 + connectTimeout.components.attoseconds / 1_000_000_000)),
            decompression: .disabled)
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, connectionsPerEndpoint)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public init(client: HTTPClient, resolver: SchemaResolver, requestTimeout: Duration) {
        self.client = client
        self.resolver = resolver
        self.requestTimeout = requestTimeout
    }

    /// The task's payload as natural JSON.
    public func dataJSON(_ task: Herald_V1_DeliveryTask) async throws -> String {
        let schema = try await resolver.schema(id: task.schemaID)
        return try schema.jsonText(for: schema.decode(task.payload), style: .natural)
    }

    /// POSTs the body; answers the status code and `retry-after`, or throws on connection errors and timeouts.
    public func post(_ task: Herald_V1_DeliveryTask, body: [UInt8], to endpoint: ResolvedEndpoint, now: Date = Date())
        async throws -> (status: Int, retryAfter: Duration?, excerpt: String)
    {
        let timestamp = Int64(now.timeIntervalSince1970)
        var request = HTTPClientRequest(url: endpoint.endpoint.url)
        request.method = .POST
        for (name, value) in endpoint.endpoint.headers.sorted(by: { $0.key < $1.key }) { request.headers.add(name: name, value: value) }
        // Each attempt is a step of the event's trace; the receiver's own spans join it.
        let attemptSpan = TraceSteps.deliverSpanID(deliveryID: task.deliveryID, attempt: task.attempt)
        for header in TracePropagation.headers(for: task.eventExtensions, spanID: attemptSpan) {
            request.headers.replaceOrAdd(name: header.name, value: header.value)
        }
        request.headers.replaceOrAdd(name: "content-type", value: CloudEventBody.contentType)
        request.headers.replaceOrAdd(name: "user-agent", value: "herald-delivery")
        request.headers.replaceOrAdd(name: "webhook-id", value: task.deliveryID)
        request.headers.replaceOrAdd(name: "webhook-timestamp", value: String(timestamp))
        request.headers.replaceOrAdd(name: "webhook-signature", value: endpoint.secret.signature(id: task.deliveryID, timestamp: timestamp, body: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        let timeout = TimeAmount.nanoseconds(Int64(requestTimeout.components.seconds) * 1_000_000_000 + requestTimeout.components.attoseconds / 1_000_000_000)
        let response = try await DeliverSpan.around(task, stepSpanID: attemptSpan) { try await client.execute(request, timeout: timeout) }
        let status = Int(response.status.code)
        let retryAfter = response.headers.first(name: "retry-after").flatMap { RetryPolicy.parseRetryAfter($0, now: now) }
        var excerpt = ""
        if !(200..<300).contains(status), let body = try? await response.body.collect(upTo: 64 * 1024) {
            excerpt = String(String(buffer: body).prefix(200))
        } else {
            // Drain so the connection can be reused.
            for try await _ in response.body {}
        }
        return (status, retryAfter, excerpt)
    }
}
