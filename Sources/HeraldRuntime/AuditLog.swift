public import Foundation
public import HeraldCore
public import HeraldKafka
public import Logging
public import ServiceLifecycle

/// Writes a service's administrative changes to the audit topic (`AuditRecord`, key = the
/// service name, one partition so the topic reads in order).
///
/// A change is recorded once its outcome is known, after the write that makes it: the changes are
/// not transactional writes (the endpoint and route tables are written by acknowledged idempotent
/// sends, and a registry change by the leader, which may be another instance than the one that
/// checked the caller's key), so there is no transaction to join. A call refused before anything
/// is written — invalid, not found, a conflict, a missing scope — leaves no record: the audit log
/// lists changes, and refusals are counted by `herald_grpc_server_requests_total{code}`.
/// A change whose write failed is recorded with outcome `failed`: it may have taken effect.
///
/// As a service it only closes its producer on shutdown; run it before the listeners so it stops
/// after them.
public final class AuditLog: Service, Sendable {
    public static let defaultTopic = "herald.audit"
    public let topic: String
    public let service: String
    private let producer: KafkaProducer
    private let logger: Logger

    public init(topic: String, service: String, kafka: KafkaConfiguration, logger: Logger) throws {
        self.topic = topic
        self.service = service
        self.producer = try KafkaProducer(configuration: kafka, logger: logger)
        self.logger = logger
    }

    /// Creates the topic unless it exists.
    public static func createTopic(_ topic: String, admin: KafkaAdmin) async throws {
        try await admin.createTopic(topic, partitions: 1, ignoreIfExists: true)
    }

    /// Runs `change` and records it with the caller's key id (`CallerKey.id`): `succeeded` with
    /// `detail` of its result, or `failed` when `isStoreFailure` says the error came from storing
    /// it. Any other error is a refusal and leaves no record. Rethrows what `change` throws.
    ///
    /// A `forwarded` change (one a peer received and passed on, as a registry follower does to its
    /// leader) is only run: it is recorded where it was received, which is where the caller's key
    /// was checked, so each change has one record.
    public func recording<Result, Failure: Error>(
        _ action: String, target: String, forwarded: Bool = false, detail: (Result) -> String = { _ in "" },
        isStoreFailure: (Failure) -> Bool, _ change: () async throws(Failure) -> Result
    ) async throws(Failure) -> Result {
        if forwarded { return try await change() }
        do {
            let result = try await change()
            await record(action, target: target, outcome: .succeeded, detail: detail(result))
            return result
        } catch {
            if isStoreFailure(error) { await record(action, target: target, outcome: .failed, detail: "\(error)") }
            throw error
        }
    }

    /// Writes one record. A failed write is logged, not thrown: the change it describes has
    /// already been made and answered for.
    public func record(_ action: String, target: String, outcome: AuditRecord.Outcome, detail: String = "", now: Date = Date()) async {
        let record = AuditRecord(time: now, service: service, keyID: CallerKey.id, action: action, target: target, outcome: outcome, detail: detail)
        do {
            _ = try await producer.send(ProducerRecord(topic: topic, key: Array(service.utf8), value: record.encoded()))
        } catch {
            logger.error("Writing an audit record failed", metadata: [
                "herald.audit.action": "\(action)", "herald.audit.target": "\(target)", "herald.audit.key_id": "\(record.keyID)", "error": "\(error)",
            ])
        }
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Flushes and closes the producer (what `run` does on shutdown, for a log used without running it).
    public func close() async {
        await producer.close()
    }
}
