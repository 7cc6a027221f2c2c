import Foundation
import HeraldKafka
public import HeraldProtos
import SwiftProtobuf

/// Every delivery's state, every attempt and every dead letter not yet redriven, in a database
/// (`SQLiteLogDatabase` embedded, or `PostgresLogDatabase` shared). Filled only by
/// `DeliveryLogFollower` from the topics the delivery transactions write, so it can always be
/// rebuilt from them; queried by the gRPC service.
public struct DeliveryLog: Sendable {
    public let database: any LogDatabase

    /// Creates the tables and indexes that are missing, each on its own: on a PostgreSQL log other
    /// instances are writing, `CREATE INDEX IF NOT EXISTS` waits for their transactions, and one
    /// transaction holding the lock of an earlier table meanwhile would deadlock with them.
    public static func open(_ database: any LogDatabase) async throws -> DeliveryLog {
        for statement in DeliveryLogSchema.statements(database.dialect) {
            try await database.transaction([LogStatement(statement)])
        }
        return DeliveryLog(database: database)
    }

    /// Applies entries and records the offsets after them, in one transaction of few statements
    /// (`LogBatch`), rows in lock order (`LogEntry.inLockOrder`) and offsets by topic and
    /// partition: instances sharing one PostgreSQL log apply the same records in batches of their
    /// own, and two transactions taking the same rows in different orders can deadlock (PostgreSQL
    /// then fails one of them).
    func apply(_ entries: [LogEntry], offsets: [TopicPartitionOffset]) async throws {
        try await database.transaction(LogBatch.statements(entries) + LogBatch.offsets(offsets))
    }

    /// Deletes every row and recorded offset, in one transaction: the log is then as new.
    func clear() async throws {
        try await database.transaction(["deliveries", "attempts", "dead_letters", "log_offsets"].map { LogStatement("DELETE FROM \($0)") })
    }

    /// Applies delivery states the way the follower applies the status topic's records (a state
    /// replaces only an older one), in one transaction. For tools that fill a log without Kafka,
    /// such as `herald-bench delivery-log`.
    public func record(_ deliveries: [Herald_V1_DeliveryRecord]) async throws {
        try await apply(deliveries.map(LogEntry.delivery), offsets: [])
    }

    /// The next offset to read of every partition applied so far.
    func offsets() async throws -> [TopicPartition: Int64] {
        var offsets: [TopicPartition: Int64] = [:]
        for row in try await database.query(DeliveryLogQuery.offsets()) {
            guard let topic = row["topic"]?.text, let partition = row["kafka_partition"]?.integer, let next = row["next_offset"]?.integer else { continue }
            offsets[TopicPartition(topic: topic, partition: Int32(partition))] = next
        }
        return offsets
    }

    /// A page of deliveries and the cursor of the next page (nil on the last).
    public func list(_ filter: DeliveryFilter, after cursor: DeliveryCursor?, limit: Int) async throws -> ([Herald_V1_DeliveryRecord], DeliveryCursor?) {
        let rows = try await database.query(DeliveryLogQuery.list(filter, after: cursor, limit: limit, database.dialect))
        let records = rows.prefix(limit).map(DeliveryLogRows.record)
        guard rows.count > limit, let last = records.last else { return (records, nil) }
        return (records, DeliveryCursor(updatedMicros: DeliveryLogRows.micros(last.updatedAt), deliveryID: last.deliveryID))
    }

    /// How the database runs the page `list` would read: SQLite's `EXPLAIN QUERY PLAN` details,
    /// PostgreSQL's `EXPLAIN` lines. What shows whether a filter reads its rows through an index.
    public func listPlan(_ filter: DeliveryFilter, after cursor: DeliveryCursor?, limit: Int) async throws -> [String] {
        let statement = DeliveryLogQuery.list(filter, after: cursor, limit: limit, database.dialect)
        let (prefix, column) = database.dialect == .sqlite ? ("EXPLAIN QUERY PLAN ", "detail") : ("EXPLAIN ", "QUERY PLAN")
        return try await database.query(LogStatement(prefix + statement.sql, statement.binds)).compactMap { $0[column]?.text }
    }

    /// Deliveries updated after `position`, oldest first.
    public func updated(endpointID: String?, after position: DeliveryCursor, limit: Int) async throws -> [Herald_V1_DeliveryRecord] {
        try await database.query(DeliveryLogQuery.updated(endpointID: endpointID, after: position, limit: limit)).map(DeliveryLogRows.record)
    }

    public func deliveries(eventSource: String, eventID: String) async throws -> [Herald_V1_DeliveryRecord] {
        try await database.query(DeliveryLogQuery.deliveries(eventSource: eventSource, eventID: eventID)).map(DeliveryLogRows.record)
    }

    /// The delivery's latest status; nil when the log has no such delivery.
    public func status(id: String) async throws -> Herald_V1_DeliveryRecord? {
        try await statuses(ids: [id]).first
    }

    /// The latest statuses of those of these deliveries the log holds, read `statusesPerQuery` at a time.
    public func statuses(ids: [String]) async throws -> [Herald_V1_DeliveryRecord] {
        var records: [Herald_V1_DeliveryRecord] = []
        for start in stride(from: 0, to: ids.count, by: Self.statusesPerQuery) {
            let chunk = Array(ids[start..<min(start + Self.statusesPerQuery, ids.count)])
            records += try await database.query(DeliveryLogQuery.deliveries(ids: chunk)).map(DeliveryLogRows.record)
        }
        return records
    }

    /// Well under the bound parameters either database takes in one statement (SQLite 32,766, PostgreSQL 65,535).
    static let statusesPerQuery = 500

    /// The delivery and its attempts, oldest first; nil when the log has no such delivery.
    public func delivery(id: String) async throws -> (Herald_V1_DeliveryRecord, [Herald_V1_DeliveryAttempt])? {
        guard let record = try await status(id: id) else { return nil }
        let attempts = try await database.query(DeliveryLogQuery.attempts(deliveryID: id)).map { DeliveryLogRows.attempt($0, of: record) }
        return (record, attempts)
    }

    /// Dead letters still to redrive, newest first, with their tasks.
    public func deadLetters(endpointID: String?, sinceMicros: Int64?, limit: Int) async throws -> [(Herald_V1_DeliveryRecord, Herald_V1_DeliveryTask)] {
        try await database.query(DeliveryLogQuery.deadLetters(endpointID: endpointID, sinceMicros: sinceMicros, limit: limit)).compactMap { row in
            guard let task = try? Herald_V1_DeliveryTask(serializedBytes: row["task"]?.blob ?? []) else { return nil }
            return (DeliveryLogRows.record(row), task)
        }
    }

    public func deadLetterTask(deliveryID: String) async throws -> Herald_V1_DeliveryTask? {
        guard let bytes = try await database.query(DeliveryLogQuery.deadLetterTask(deliveryID: deliveryID)).first?["task"]?.blob else { return nil }
        return try Herald_V1_DeliveryTask(serializedBytes: bytes)
    }

    /// An endpoint's attempts since a time; the circuit state is the caller's to add.
    public func health(endpointID: String, sinceMicros: Int64) async throws -> Herald_V1_GetEndpointHealthResponse {
        let counts = try await database.query(DeliveryLogQuery.healthCounts(endpointID: endpointID, sinceMicros: sinceMicros)).first ?? [:]
        let health = EndpointHealth(
            attempts: counts["attempts"]?.integer ?? 0, succeeded: counts["succeeded"]?.integer ?? 0, timed: counts["timed"]?.integer ?? 0)
        func duration(_ percentile: Double) async throws -> Google_Protobuf_Duration? {
            guard let rank = EndpointHealth.rank(percentile: percentile, of: health.timed),
                  let micros = try await database.query(DeliveryLogQuery.duration(endpointID: endpointID, sinceMicros: sinceMicros, rank: rank)).first?["duration_us"]?.integer
            else { return nil }
            return Google_Protobuf_Duration(seconds: micros / 1_000_000, nanos: Int32(micros % 1_000_000) * 1000)
        }
        let p50 = try await duration(50), p99 = try await duration(99)
        let lastError = try await database.query(DeliveryLogQuery.lastError(endpointID: endpointID, sinceMicros: sinceMicros)).first
        return .with {
            $0.endpointID = endpointID
            $0.attempts = health.attempts
            $0.succeeded = health.succeeded
            $0.successRate = health.successRate
            if let p50 { $0.p50Duration = p50 }
            if let p99 { $0.p99Duration = p99 }
            if let lastError {
                $0.lastError = lastError["error"]?.text ?? ""
                $0.lastErrorAt = DeliveryLogRows.timestamp(lastError["attempted_us"]?.integer ?? 0)
            }
        }
    }

    /// Requests read for `steps` at most: beyond, the latest steps of a very busy window show fewer.
    static let maxStepSamples = 200_000

    /// The endpoint's requests of `steps`' window, step by step.
    func steps(endpointID: String, _ steps: HealthSteps) async throws -> [Herald_V1_HealthStep] {
        let rows = try await database.query(DeliveryLogQuery.durations(endpointID: endpointID, sinceMicros: steps.sinceMicros, limit: Self.maxStepSamples))
        return steps.steps(rows.compactMap { row in
            guard let attempted = row["attempted_us"]?.integer, let duration = row["duration_us"]?.integer else { return nil }
            return (attemptedMicros: attempted, durationMicros: duration)
        })
    }

    /// Deletes what is older than the retention.
    public func prune(before micros: Int64) async throws {
        try await database.transaction(DeliveryLogQuery.prune(before: micros))
    }
}
