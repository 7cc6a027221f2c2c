import HeraldKafka
import Logging
import Synchronization

/// Leadership and writes. Every instance is a static member of one consumer group over a
/// one-partition election topic; the member assigned that partition leads. The leader writes with
/// the transactional id `herald-registry-leader`, so taking over fences the previous leader, and
/// it replays the log to its end before planning anything — ids are never assigned twice.
///
/// Static membership lets an instance killed with SIGKILL take its role back when it restarts
/// with the same instance id (the local broker never evicts a dead member; Kafka does after
/// `session.timeout.ms`). A static member does not leave the group on close, so a graceful stop
/// resigns first: it re-subscribes to another topic, which makes the group hand the election
/// partition to another instance within a rebalance.
final class RegistryLeader: Sendable {
    struct Settings: Sendable {
        var electionTopic: String
        /// Subscribed to when resigning (any existing topic other than the election topic).
        var resignTopic: String
        var groupID: String
        var instanceID: String
        var transactionalID: String
        /// Where followers forward writes (host:port), written to the log when elected; asked
        /// only then, since the gRPC server may have bound port 0.
        var advertisedGRPCAddress: @Sendable () async throws -> String
    }

    private enum Role {
        case follower
        case leader(TransactionalProducer)
    }

    private let settings: Settings
    private let configuration: KafkaConfiguration
    private let log: SchemaLog
    private let logger: Logger
    private let role = Mutex(Role.follower)
    private let consumer = Mutex<KafkaConsumer?>(nil)
    private let writes = AsyncLock()
    private let assignments = Atomic(0)

    init(settings: Settings, configuration: KafkaConfiguration, log: SchemaLog, logger: Logger) {
        self.settings = settings
        self.configuration = configuration
        self.log = log
        self.logger = logger
    }

    var isLeader: Bool {
        role.withLock { if case .leader = $0 { true } else { false } }
    }

    /// How many election rounds this instance has been through: assignments handled, the
    /// election partition's or an empty one, counted once leadership (if won) is taken up.
    var roundsCompleted: Int { assignments.load(ordering: .acquiring) }

    /// Takes part in the election until cancelled.
    func run() async throws {
        let consumer = try KafkaConsumer(
            configuration: configuration,
            options: .init(groupID: settings.groupID, groupInstanceID: "herald-registry-\(settings.instanceID)",
                           sessionTimeout: .seconds(10)),
            logger: logger
        )
        self.consumer.withLock { $0 = consumer }
        let election = TopicPartition(topic: settings.electionTopic, partition: 0)
        do {
            try await consumer.subscribe([settings.electionTopic])
            for try await event in consumer.events {
                switch event {
                case .partitionsAssigned(let partitions):
                    if partitions.contains(election) { await becomeLeader() }
                    assignments.add(1, ordering: .releasing)
                case .partitionsRevoked(let partitions) where partitions.contains(election):
                    await stepDown(reason: "the election partition was revoked")
                default:
                    break
                }
            }
        } catch {
            await stepDown(reason: "the election consumer failed: \(error)")
            self.consumer.withLock { $0 = nil }
            await consumer.close()
            throw error
        }
        await stepDown(reason: "stopping")
        self.consumer.withLock { $0 = nil }
        await consumer.close()
    }

    /// Hands leadership to another instance (if there is one) before this one stops: lets the
    /// write in progress finish, leaves the election, and waits (boundedly) for the group to
    /// finish the round that takes the election partition away. Losing the partition is not
    /// enough: it is revoked when the round starts, and a static member that closes before the
    /// round ends leaves the group waiting for it, with nobody leading.
    func resign(timeout: Duration = .seconds(5)) async {
        guard let consumer = consumer.withLock({ $0 }) else { return }
        let roundsBefore = roundsCompleted
        _ = try? await writes.withLock {
            try await consumer.subscribe([settings.resignTopic])
        }
        let deadline = ContinuousClock.now + timeout
        while isLeader || roundsCompleted == roundsBefore, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        await stepDown(reason: "resigned")
    }

    /// Plans a write against the current state and carries it out: appends its records in one
    /// transaction and returns once this instance's state includes them.
    func execute(_ decide: @Sendable (RegistryState) throws(RegistryError) -> RegistryPlanner.Plan) async throws(RegistryError) -> RegistryPlanner.Outcome {
        do {
            return try await withProducer(writing: "the schema log") { producer in
                let plan = try decide(log.state)
                try await append(plan.records, with: producer)
                return plan.outcome
            }
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError(.storeError, "Writing to the schema log failed: \(error)")
        }
    }

    /// Runs `body` with the leader's transactional producer while this instance leads, one write
    /// at a time (schema log and key writes alike), so whatever `body` plans sees every earlier
    /// write. A Kafka error becomes a store error naming `what` was written (a fatal one makes this
    /// instance step down); `body`'s own errors pass through.
    func withProducer<Result: Sendable>(
        writing what: String, _ body: (TransactionalProducer) async throws -> Result
    ) async throws -> Result {
        do {
            return try await writes.withLock {
                guard case .leader(let producer) = role.withLock({ $0 }) else {
                    throw RegistryError(.unknownLeader, "This instance is not the leader.")
                }
                return try await body(producer)
            }
        } catch let error as KafkaError {
            if error.isFatal { await stepDown(reason: "the producer failed: \(error)") }
            throw RegistryError(.storeError, "Writing to \(what) failed: \(error)")
        }
    }

    private func append(_ records: [SchemaLogRecord], with producer: TransactionalProducer) async throws {
        guard !records.isEmpty else { return }
        let topic = log.topic
        let deliveries = try await producer.withTransaction { transaction in
            var deliveries: [PendingDelivery] = []
            for record in records {
                deliveries.append(try await transaction.send(
                    ProducerRecord(topic: topic, partition: SchemaLog.partition, key: record.key, value: record.value)))
            }
            return deliveries
        }
        var last: Int64 = -1
        for delivery in deliveries { last = max(last, try await delivery.report.offset) }
        try await log.waitUntilApplied(through: last)
    }

    private func becomeLeader() async {
        do {
            // Fences the previous leader and aborts whatever it left open …
            let producer = try await TransactionalProducer.incarnating(settings.transactionalID, configuration: configuration, logger: logger)
            // … then everything it committed is applied before this instance plans a write.
            try await log.waitUntilApplied(through: try await log.endOffset() - 1)
            // Announced before taking writes, so whoever sees `isLeader` also finds the announcement in the log.
            let announcement = SchemaLogRecord.LeaderAnnouncement(instance: settings.instanceID, grpcAddress: try await settings.advertisedGRPCAddress())
            try await writes.withLock {
                try await append([.leader(announcement)], with: producer)
                role.withLock { $0 = .leader(producer) }
            }
            logger.info("Elected registry leader", metadata: ["herald.instance": "\(settings.instanceID)"])
        } catch {
            logger.warning("Could not take up registry leadership", metadata: ["error": "\(error)"])
            await stepDown(reason: "taking up leadership failed")
        }
    }

    private func stepDown(reason: String) async {
        let previous = role.withLock { role -> TransactionalProducer? in
            defer { role = .follower }
            if case .leader(let producer) = role { return producer }
            return nil
        }
        guard let previous else { return }
        logger.info("Stepping down as registry leader", metadata: ["reason": "\(reason)"])
        await previous.close()
    }
}
