public import Foundation
public import GRPCCore
public import HeraldCore
public import HeraldKafka
public import HeraldProtos
public import HeraldRuntime
public import Logging
import SwiftProtobuf
import Synchronization

/// An error a Delivery RPC answers with.
public struct DeliveryAPIError: ServiceCallError {
    public let code: RPCError.Code
    public let message: String

    public init(_ code: RPCError.Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// Stored endpoint secrets that this instance's key cannot open: sending for those endpoints would
/// fail until the right key is configured, so the service does not start.
public struct UnreadableSecrets: Error, CustomStringConvertible {
    public let endpointIDs: [String]

    public var description: String {
        "the stored secrets of \(endpointIDs.count) endpoint(s) (\(endpointIDs.prefix(10).joined(separator: ", "))) do not open with this "
            + "instance's master keys: start it with the keys they were sealed with (--secret-key-file or HERALD_SECRET_KEY)"
    }
}

/// Endpoints, stored in the compacted topic `herald.endpoints` (key endpoint id, value the
/// `Endpoint` protobuf with its secrets and secret header values sealed) and replayed into memory.
/// Secrets are write-only: nothing read from here for a caller carries them (`EndpointSecrets`).
public final class EndpointStore: Sendable {
    public let table: CompactedTable<String, Herald_V1_Endpoint>
    public let topic: String
    private let producer: KafkaProducer
    public let secrets: EndpointSecrets
    private let policy: EndpointAddressPolicy
    private let defaultRetryPolicy: HeraldCore.RetryPolicy
    private let audit: AuditLog
    private let logger: Logger
    /// Out-of-range stored settings already logged, so a send does not log each time.
    private let warned = Mutex<Set<String>>([])
    private let prepared = PreparedEndpoints()

    public init(topic: String, kafka: KafkaConfiguration, secrets: EndpointSecrets, policy: EndpointAddressPolicy,
                defaultRetryPolicy: HeraldCore.RetryPolicy, audit: AuditLog, logger: Logger) throws {
        self.topic = topic
        self.table = CompactedTable(topic: topic, configuration: kafka, logger: logger) { bytes in
            try Herald_V1_Endpoint(serializedBytes: bytes)
        }
        self.producer = try KafkaProducer(configuration: kafka, logger: logger)
        self.secrets = secrets
        self.policy = policy
        self.defaultRetryPolicy = defaultRetryPolicy
        self.audit = audit
        self.logger = logger
    }

    public func close() async { await producer.close() }

    // MARK: API

    /// Validates and stores an endpoint; answers it redacted. An empty secret keeps the endpoint's
    /// current one, or generates `whsec_` + 32 random bytes for a new endpoint; another secret
    /// rotates (see `EndpointSecrets.sealing`). Recorded in the audit log as `endpoint.create`,
    /// `endpoint.update` or, when the secret changed, `endpoint.rotate_secret`.
    public func put(_ endpoint: Herald_V1_Endpoint, now: Date = Date()) async throws(DeliveryAPIError) -> Herald_V1_Endpoint {
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
        try Self.validateHeaderNames(endpoint)
        let current = table[endpoint.id]
        let stored = try secrets.sealing(endpoint, over: current, at: now)
        let action = current == nil ? "endpoint.create" : current?.secret == stored.secret ? "endpoint.update" : "endpoint.rotate_secret"
        try await audit.recording(action, target: endpoint.id, isStoreFailure: Self.isStoreFailure) { () async throws(DeliveryAPIError) in
            try await write(id: endpoint.id, value: stored)
        }
        return EndpointSecrets.redacted(stored)
    }

    public func get(_ id: String) throws(DeliveryAPIError) -> Herald_V1_Endpoint {
        guard let stored = table[id] else { throw DeliveryAPIError(.notFound, "endpoint '\(id)' does not exist") }
        return EndpointSecrets.redacted(stored)
    }

    public func list() -> [Herald_V1_Endpoint] {
        table.snapshot().values.sorted { $0.id < $1.id }.map(EndpointSecrets.redacted)
    }

    public func delete(_ id: String) async throws(DeliveryAPIError) {
        guard table[id] != nil else { throw DeliveryAPIError(.notFound, "endpoint '\(id)' does not exist") }
        try await audit.recording("endpoint.delete", target: id, isStoreFailure: Self.isStoreFailure) { () async throws(DeliveryAPIError) in
            try await write(id: id, value: nil)
        }
    }

    // MARK: For the sender

    /// The endpoint with what a send at `now` needs decrypted, or `nil` when it does not exist (or
    /// cannot be decrypted). Prepared once per version of the table (`PreparedEndpoints`).
    public func resolved(_ id: String, now: Date = Date()) -> ResolvedEndpoint? {
        let (revision, stored) = table.versioned(id)
        guard let stored else { return nil }
        return prepared.endpoint(id, revision: revision) { prepare(id, stored) }?.at(now)
    }

    private func prepare(_ id: String, _ stored: Herald_V1_Endpoint) -> PreparedEndpoints.Prepared? {
        let opened: EndpointSecrets.OpenedRotation
        do {
            opened = try secrets.openRotation(stored)
        } catch {
            logger.error("Cannot decrypt an endpoint's secrets (missing master key?)", metadata: ["herald.endpoint.id": "\(id)", "error": "\(error)"])
            return nil
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
        func resolved(signing: [WebhookSecret]) -> ResolvedEndpoint {
            ResolvedEndpoint(endpoint: stored, signingSecrets: signing, secretHeaders: opened.headers, retryPolicy: policy)
        }
        return PreparedEndpoints.Prepared(currentOnly: resolved(signing: [opened.current]),
                                          withPrevious: opened.previous.map { resolved(signing: [opened.current, $0]) },
                                          previousSignsUntil: opened.previousSignsUntil)
    }

    /// Logs `reason` once per stored version of an endpoint when `condition` holds.
    private func warnOnce(_ id: String, stored: Herald_V1_Endpoint, if condition: Bool, _ reason: @autoclosure () -> String) {
        guard condition else { return }
        let key = "\(id)\u{0}\(stored.hashValue)\u{0}\(reason())"
        guard warned.withLock({ $0.insert(key).inserted }) else { return }
        logger.warning("Stored endpoint setting out of range", metadata: ["herald.endpoint.id": "\(id)", "reason": "\(reason())"])
    }

    /// The stored endpoints with a sealed value that does not open with this instance's keys, by id.
    public func unreadableSecrets() -> [String] {
        table.snapshot().filter { _, stored in secrets.isUnreadable(stored) }.keys.sorted()
    }

    /// Drops every previous secret whose overlap has ended from the stored endpoints (it no
    /// longer signs already; this removes it from the topic). Answers the endpoints rewritten.
    @discardableResult
    public func dropExpiredPreviousSecrets(now: Date = Date()) async -> [String] {
        var dropped: [String] = []
        for (id, stored) in table.snapshot().sorted(by: { $0.key < $1.key }) {
            guard let replacement = secrets.droppingExpiredPrevious(stored, at: now) else { continue }
            do {
                try await write(id: id, value: replacement)
                dropped.append(id)
            } catch {
                logger.warning("Dropping an expired previous secret failed; trying again later", metadata: ["herald.endpoint.id": "\(id)", "error": "\(error)"])
            }
        }
        return dropped
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
    public func checkAddress(_ endpoint: ResolvedEndpoint) async throws(EndpointAddressPolicy.Refusal) -> IPAddress? {
        try await policy.check(host: endpoint.host.get())
    }

    // MARK: Internals

    /// Only `write` throws inside a recorded change, and only when storing failed.
    static func isStoreFailure(_ error: DeliveryAPIError) -> Bool { error.code == .unavailable }

    /// Header names Herald sets itself, or that are not header names, are refused; a name may
    /// appear in `headers` or `secret_headers`, not both.
    static func validateHeaderNames(_ endpoint: Herald_V1_Endpoint) throws(DeliveryAPIError) {
        for (field, names) in [("headers", endpoint.headers.keys), ("secret_headers", endpoint.secretHeaders.keys)] {
            for name in names {
                let lower = name.lowercased()
                guard !lower.isEmpty, lower.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }),
                      !["content-type", "content-length", "host", "webhook-id", "webhook-timestamp", "webhook-signature"].contains(lower)
                else {
                    throw DeliveryAPIError(.invalidArgument, "endpoint.\(field)['\(name)']: not a header name Herald lets an endpoint set")
                }
            }
        }
        let plain = Set(endpoint.headers.keys.map { $0.lowercased() })
        if let both = endpoint.secretHeaders.keys.sorted().first(where: { plain.contains($0.lowercased()) }) {
            throw DeliveryAPIError(.invalidArgument, "endpoint.secret_headers['\(both)']: also in endpoint.headers; give it in one of them")
        }
    }

    static func validateID(_ id: String) throws(DeliveryAPIError) {
        guard !id.isEmpty, id.count <= 200, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) }) else {
            throw DeliveryAPIError(.invalidArgument, "endpoint.id: must be 1–200 characters of letters, digits, '-', '_', '.', ':'")
        }
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
