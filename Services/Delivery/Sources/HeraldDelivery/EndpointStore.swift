import Foundation
public import GRPCCore
public import HeraldCore
public import HeraldKafka
public import HeraldProtos
public import Logging
import SwiftProtobuf
import Synchronization

/// An error a Delivery RPC answers with.
public struct DeliveryAPIError: Error, Sendable, CustomStringConvertible, RPCErrorConvertible {
    public let code: RPCError.Code
    public let message: String

    public init(_ code: RPCError.Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
    public var rpcErrorCode: RPCError.Code { code }
    public var rpcErrorMessage: String { message }
}

/// An endpoint as the sender needs it: the secret decrypted, the retry policy resolved.
public struct ResolvedEndpoint: Sendable {
    public let endpoint: Herald_V1_Endpoint
    public let secret: WebhookSecret
    public let retryPolicy: HeraldCore.RetryPolicy
}

/// Stored endpoint secrets that this instance's key cannot open: sending for those endpoints would
/// fail until the right key is configured, so the service does not start.
public struct UnreadableSecrets: Error, CustomStringConvertible {
    public let endpointIDs: [String]

    public var description: String {
        "the stored secrets of \(endpointIDs.count) endpoint(s) (\(endpointIDs.prefix(10).joined(separator: ", "))) do not open with this "
            + "instance's key: start it with the key they were written with (HERALD_SECRET_KEY or --secret-key-file)"
    }
}

/// Endpoints, stored in the compacted topic `herald.endpoints` (key endpoint id, value the
/// `Endpoint` protobuf with its secret AES-GCM-encrypted) and replayed into memory.
/// The secret is write-only: nothing read from here for a caller carries it.
public final class EndpointStore: Sendable {
    public let table: CompactedTable<String, Herald_V1_Endpoint>
    public let topic: String
    private let producer: KafkaProducer
    private let box: SecretBox
    private let policy: EndpointAddressPolicy
    private let defaultRetryPolicy: HeraldCore.RetryPolicy
    private let logger: Logger
    /// Decrypted secrets by stored (encrypted) form, so a send does not decrypt each time.
    private let secrets = Mutex<[String: WebhookSecret]>([:])
    /// Out-of-range stored settings already logged, so a send does not log each time.
    private let warned = Mutex<Set<String>>([])

    public init(topic: String, kafka: KafkaConfiguration, box: SecretBox, policy: EndpointAddressPolicy,
                defaultRetryPolicy: HeraldCore.RetryPolicy, logger: Logger) throws {
        self.topic = topic
        self.table = CompactedTable(topic: topic, configuration: kafka, logger: logger) { bytes in
            try Herald_V1_Endpoint(serializedBytes: bytes)
        }
        self.producer = try KafkaProducer(configuration: kafka, logger: logger)
        self.box = box
        self.policy = policy
        self.defaultRetryPolicy = defaultRetryPolicy
        self.logger = logger
    }

    public func close() async { await producer.close() }

    // MARK: API

    /// Validates and stores an endpoint; answers it without its secret. An empty secret keeps the
    /// endpoint's current one, or generates `whsec_` + 32 random bytes for a new endpoint.
    public func put(_ endpoint: Herald_V1_Endpoint) async throws(DeliveryAPIError) -> Herald_V1_Endpoint {
        var stored = endpoint
        try Self.validateID(endpoint.id)
        do { try await policy.check(endpoint.url) } catch { throw DeliveryAPIError(.invalidArgument, "endpoint.\(error.description)") }
        guard endpoint.maxAttempts >= 0 else { throw DeliveryAPIError(.invalidArgument, "endpoint.max_attempts: must not be negative") }
        let rate = endpoint.rateLimitPerSecond
        guard rate.isFinite, rate == 0 || rate >= TokenBucket.minimumRate else {
            throw DeliveryAPIError(.invalidArgument, "endpoint.rate_limit_per_second: must be 0 (unlimited) or a finite number ≥ \(TokenBucket.minimumRate)")
        }
        for (index, delay) in endpoint.retrySchedule.enumerated() {
            if let problem = HeraldCore.RetryPolicy.problem(seconds: delay.seconds, nanos: delay.nanos) {
                throw DeliveryAPIError(.invalidArgument, "endpoint.retry_schedule[\(index)]: \(problem)")
            }
        }
        for name in endpoint.headers.keys {
            let lower = name.lowercased()
            guard !lower.isEmpty, lower.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }),
                  !["content-type", "content-length", "host", "webhook-id", "webhook-timestamp", "webhook-signature"].contains(lower)
            else {
                throw DeliveryAPIError(.invalidArgument, "endpoint.headers['\(name)']: not a header name Herald lets an endpoint set")
            }
        }
        if endpoint.secret.isEmpty {
            stored.secret = table[endpoint.id]?.secret ?? ""
            if stored.secret.isEmpty { stored.secret = try seal(WebhookSecret.generate()) }
        } else {
            do { _ = try WebhookSecret(endpoint.secret) } catch { throw DeliveryAPIError(.invalidArgument, "endpoint.\(error.description)") }
            stored.secret = try seal(endpoint.secret)
        }
        try await write(id: endpoint.id, value: stored)
        return Self.withoutSecret(stored)
    }

    public func get(_ id: String) throws(DeliveryAPIError) -> Herald_V1_Endpoint {
        guard let stored = table[id] else { throw DeliveryAPIError(.notFound, "endpoint '\(id)' does not exist") }
        return Self.withoutSecret(stored)
    }

    public func list() -> [Herald_V1_Endpoint] {
        table.snapshot().values.sorted { $0.id < $1.id }.map(Self.withoutSecret)
    }

    public func delete(_ id: String) async throws(DeliveryAPIError) {
        guard table[id] != nil else { throw DeliveryAPIError(.notFound, "endpoint '\(id)' does not exist") }
        try await write(id: id, value: nil)
    }

    // MARK: For the sender

    /// The endpoint with its decrypted secret, or `nil` when it does not exist (or cannot be decrypted).
    public func resolved(_ id: String) -> ResolvedEndpoint? {
        guard let stored = table[id] else { return nil }
        let secret: WebhookSecret
        if let cached = secrets.withLock({ $0[stored.secret] }) {
            secret = cached
        } else {
            do {
                secret = try WebhookSecret(try box.open(stored.secret))
            } catch {
                logger.error("Cannot decrypt an endpoint's secret (wrong HERALD_SECRET_KEY?)", metadata: ["herald.endpoint.id": "\(id)", "error": "\(error)"])
                return nil
            }
            secrets.withLock { $0[stored.secret] = secret }
        }
        var policy = defaultRetryPolicy
        if !stored.retrySchedule.isEmpty || stored.maxAttempts > 0 {
            let schedule = stored.retrySchedule.isEmpty ? defaultRetryPolicy.schedule
                : stored.retrySchedule.map { Duration.seconds($0.seconds) + .nanoseconds(Int64($0.nanos)) }
            warnOnce(id, stored: stored, if: schedule.contains { HeraldCore.RetryPolicy.clamped($0) != $0 },
                     "a retry_schedule entry is outside 1 ms…\(HeraldCore.RetryPolicy.longestDelay.components.seconds) s (stored by an older version): it is clamped into that range")
            policy = HeraldCore.RetryPolicy(schedule: schedule, maxAttempts: stored.maxAttempts > 0 ? Int(stored.maxAttempts) : nil,
                                 jitter: defaultRetryPolicy.jitter, maxRetryAfter: defaultRetryPolicy.maxRetryAfter)
        }
        let rate = stored.rateLimitPerSecond
        warnOnce(id, stored: stored, if: rate > 0 && rate < TokenBucket.minimumRate || rate.isNaN || rate < 0,
                 "rate_limit_per_second \(rate) is out of range (stored by an older version): the endpoint runs at \(TokenBucket.effectiveRate(rate))/s")
        return ResolvedEndpoint(endpoint: stored, secret: secret, retryPolicy: policy)
    }

    /// Logs `reason` once per stored version of an endpoint when `condition` holds.
    private func warnOnce(_ id: String, stored: Herald_V1_Endpoint, if condition: Bool, _ reason: @autoclosure () -> String) {
        guard condition else { return }
        let key = "\(id)\u{0}\(stored.hashValue)\u{0}\(reason())"
        guard warned.withLock({ $0.insert(key).inserted }) else { return }
        logger.warning("Stored endpoint setting out of range", metadata: ["herald.endpoint.id": "\(id)", "reason": "\(reason())"])
    }

    /// The stored endpoints whose secret does not open with this instance's key, by id.
    public func unreadableSecrets() -> [String] {
        table.snapshot().filter { _, stored in (try? WebhookSecret(box.open(stored.secret))) == nil }.keys.sorted()
    }

    /// The record that disables an endpoint (after a 410), for the caller's transaction.
    public func disablingRecord(_ id: String) -> ProducerRecord? {
        guard var stored = table[id] else { return nil }
        stored.enabled = false
        guard let bytes: [UInt8] = try? stored.serializedBytes() else { return nil }
        return ProducerRecord(topic: topic, key: Array(id.utf8), value: bytes)
    }

    /// Checks the URL again at send time (DNS may have changed since `put`); answers the checked
    /// address the send must connect to (see `EndpointAddressPolicy.checkBlocking`).
    public func checkAddress(_ url: String) async throws(EndpointAddressPolicy.Refusal) -> IPAddress? {
        try await policy.check(url)
    }

    // MARK: Internals

    static func withoutSecret(_ endpoint: Herald_V1_Endpoint) -> Herald_V1_Endpoint {
        var copy = endpoint
        copy.secret = ""
        return copy
    }

    static func validateID(_ id: String) throws(DeliveryAPIError) {
        guard !id.isEmpty, id.count <= 200, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) }) else {
            throw DeliveryAPIError(.invalidArgument, "endpoint.id: must be 1–200 characters of letters, digits, '-', '_', '.', ':'")
        }
    }

    private func seal(_ secret: String) throws(DeliveryAPIError) -> String {
        do { return try box.seal(secret) } catch { throw DeliveryAPIError(.internalError, "encrypting the secret failed: \(error)") }
    }

    /// Writes and waits until this instance's table shows the write (read-your-writes).
    private func write(id: String, value: Herald_V1_Endpoint?) async throws(DeliveryAPIError) {
        let changes = table.changes()
        do {
            let bytes: [UInt8]? = try value.map { try $0.serializedBytes() }
            _ = try await producer.send(ProducerRecord(topic: topic, key: Array(id.utf8), value: bytes))
        } catch {
            throw DeliveryAPIError(.unavailable, "writing endpoint '\(id)' to \(topic) failed: \(error)")
        }
        let seen = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await change in changes {
                    switch change {
                    case .updated(let key, let stored) where key == id && stored == value: return true
                    case .deleted(let key) where key == id && value == nil: return true
                    default: continue
                    }
                }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(10))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !seen { logger.info("Endpoint write not yet visible in the table", metadata: ["herald.endpoint.id": "\(id)"]) }
    }
}
