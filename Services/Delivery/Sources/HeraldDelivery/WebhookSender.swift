public import AsyncHTTPClient
public import Foundation
import HeraldAvro
public import HeraldCore
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
    /// For `.failed`: whether the endpoint failed (the attempt counts) or Herald could not make it.
    public var charge: AttemptAccounting.Charge
    /// The start of the response body (`AttemptRecord.responseBodyBytes`), for the delivery log.
    public var responseBody: [UInt8]

    public init(kind: Kind, error: String = "", policy: RetryPolicy?, reachedEndpoint: Bool, retryAfter: Duration? = nil,
                requestDuration: Duration? = nil, charge: AttemptAccounting.Charge = .endpoint, responseBody: [UInt8] = []) {
        self.kind = kind
        self.error = error
        self.policy = policy
        self.reachedEndpoint = reachedEndpoint
        self.retryAfter = retryAfter
        self.requestDuration = requestDuration
        self.charge = charge
        self.responseBody = responseBody
    }
}

/// Sends one task to its endpoint: CloudEvents structured JSON, Standard Webhooks headers.
public struct WebhookSender: Sendable {
    /// How much of a response body is read, whatever the status; the rest is never read.
    public static let responseBodyCap = 64 * 1024

    public let clients: WebhookClients
    public let resolver: SchemaResolver
    /// The whole exchange: connecting, sending, the response headers and the response body.
    public let requestTimeout: Duration

    /// - Parameters:
    ///   - connectTimeout: default 5 s.
    ///   - dnsOverride: host name to the address to connect to instead of resolving it.
    public static func makeClient(connectTimeout: Duration, connectionsPerEndpoint: Int, dnsOverride: [String: String] = [:]) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: TimeAmount(connectTimeout)),
            decompression: .disabled)
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, connectionsPerEndpoint)
        configuration.dnsOverride = dnsOverride
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public init(clients: WebhookClients, resolver: SchemaResolver, requestTimeout: Duration) {
        self.clients = clients
        self.resolver = resolver
        self.requestTimeout = requestTimeout
    }

    /// The task's payload as natural JSON.
    public func dataJSON(_ task: Herald_V1_DeliveryTask) async throws -> String {
        let schema = try await resolver.schema(id: task.schemaID)
        return try schema.jsonText(for: schema.decode(task.payload), style: .natural)
    }

    /// POSTs the body, connecting to `address` when given (the address the SSRF check passed)
    /// instead of resolving the URL's host again; answers the status code, `retry-after` and an
    /// excerpt of a non-2xx body and the body's first KiB, or throws on connection errors and when the exchange, body
    /// included, outlasts `requestTimeout`.
    public func post(_ task: Herald_V1_DeliveryTask, body: [UInt8], to endpoint: ResolvedEndpoint, connectingTo address: IPAddress?,
                     now: Date = Date()) async throws -> (status: Int, retryAfter: Duration?, excerpt: String, body: [UInt8])
    {
        let timestamp = Int64(now.timeIntervalSince1970)
        var request = HTTPClientRequest(url: endpoint.endpoint.url)
        request.method = .POST
        for (name, value) in endpoint.requestHeaders {
            request.headers.add(name: name, value: value)
        }
        // Each attempt is a step of the event's trace; the receiver's own spans join it.
        let attemptSpan = TraceSteps.deliverSpanID(deliveryID: task.deliveryID, attempt: task.attempt)
        for header in TracePropagation.headers(for: task.eventExtensions, spanID: attemptSpan) {
            request.headers.replaceOrAdd(name: header.name, value: header.value)
        }
        request.headers.replaceOrAdd(name: "content-type", value: CloudEventBody.contentType)
        request.headers.replaceOrAdd(name: "user-agent", value: "herald-delivery")
        request.headers.replaceOrAdd(name: "webhook-id", value: task.deliveryID)
        request.headers.replaceOrAdd(name: "webhook-timestamp", value: String(timestamp))
        // During a rotation's overlap both secrets sign (Standard Webhooks: space-separated), so a
        // receiver verifying with either accepts.
        let signatures = endpoint.signingSecrets.map { $0.signature(id: task.deliveryID, timestamp: timestamp, body: body) }
        request.headers.replaceOrAdd(name: "webhook-signature", value: signatures.joined(separator: " "))
        request.body = .bytes(ByteBuffer(bytes: body))
        let host = (try? endpoint.host.get()) ?? ""
        let answer = try await DeliverSpan.around(task, stepSpanID: attemptSpan) {
            try await clients.withClient(host: host, address: address) { client in
                try await Self.exchange(request, with: client, within: requestTimeout)
            }
        }
        let retryAfter = answer.retryAfter.flatMap { RetryPolicy.parseRetryAfter($0, now: now) }
        let excerpt = (200..<300).contains(answer.status) ? "" : String(String(decoding: answer.body, as: UTF8.self).prefix(200))
        return (answer.status, retryAfter, excerpt, Array(answer.body.prefix(AttemptRecord.responseBodyBytes)))
    }

    /// One request and its response, body up to `responseBodyCap`, all within `limit`: a
    /// receiver that sends its body slowly or never ends it cannot hold the send.
    public static func exchange(_ request: HTTPClientRequest, with client: HTTPClient, within limit: Duration) async throws -> WebhookAnswer {
        try await withThrowingTaskGroup(of: WebhookAnswer?.self) { group in
            group.addTask {
                let response = try await client.execute(request, deadline: .now() + TimeAmount(limit))
                var body: [UInt8] = []
                for try await chunk in response.body {
                    body.append(contentsOf: chunk.readableBytesView.prefix(responseBodyCap - body.count))
                    // Leaving the loop drops the rest: the client closes the connection.
                    if body.count >= responseBodyCap { break }
                }
                return WebhookAnswer(status: Int(response.status.code), retryAfter: response.headers.first(name: "retry-after"), body: body)
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let answer = try await group.next() ?? nil else { throw WebhookTimeout(limit: limit) }
            return answer
        }
    }
}

/// What an endpoint answered: its status, its `retry-after` header and the start of its body.
public struct WebhookAnswer: Sendable {
    public let status: Int
    public let retryAfter: String?
    /// At most `WebhookSender.responseBodyCap` bytes.
    public let body: [UInt8]
}

/// The endpoint did not complete its answer (headers and body) within the request timeout.
public struct WebhookTimeout: Error, CustomStringConvertible {
    public let limit: Duration
    public var description: String { "no complete answer within \(limit)" }
}
