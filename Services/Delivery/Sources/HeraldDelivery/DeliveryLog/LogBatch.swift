import HeraldKafka
import HeraldProtos
import SwiftProtobuf

/// The statements that apply a batch of entries, as few as give the same rows (pure).
///
/// Each statement is a round trip to the database (for SQLite a hop to its thread and back), so a
/// follower writing one per record falls behind a busy delivery instance, and the records it has
/// not applied wait in memory. A batch applies instead one multi-row statement per table and
/// `rowsPerStatement` rows, and only the state of each delivery that the one-by-one statements
/// would have left: the newest (the last of equally new ones), since a state replaces only an
/// older or equally old one.
enum LogBatch {
    /// Rows in one statement at most: 12 binds a delivery row, far below SQLite's 32,766 and
    /// PostgreSQL's 65,535 binds per statement.
    static let rowsPerStatement = 256

    /// The statements for `entries`, rows in lock order (`LogEntry.inLockOrder`).
    static func statements(_ entries: [LogEntry]) -> [LogStatement] {
        let ordered = LogEntry.inLockOrder(latestStates(entries))
        var deliveries: [Herald_V1_DeliveryRecord] = []
        var attempts: [Herald_V1_DeliveryAttempt] = []
        var others: [LogStatement] = []
        for entry in ordered {
            switch entry {
            case .delivery(let record): deliveries.append(record)
            case .attempt(let attempt): attempts.append(attempt)
            case .deadLetter, .redriven: others.append(entry.statement)
            }
        }
        return chunks(deliveries).map(upsert) + chunks(attempts).map(insert) + others
    }

    /// `entries` without the delivery states a newer one of the same delivery in the batch
    /// replaces (for equally new ones, the later wins); every other entry kept, in order.
    static func latestStates(_ entries: [LogEntry]) -> [LogEntry] {
        var kept: [String: (index: Int, micros: Int64)] = [:]
        for (index, entry) in entries.enumerated() {
            guard case .delivery(let record) = entry else { continue }
            let micros = DeliveryLogRows.micros(record.updatedAt)
            if let current = kept[record.deliveryID], current.micros > micros { continue }
            kept[record.deliveryID] = (index, micros)
        }
        return entries.enumerated().compactMap { index, entry in
            guard case .delivery(let record) = entry else { return entry }
            return kept[record.deliveryID]?.index == index ? entry : nil
        }
    }

    /// Upserts the delivery states; the ids must differ (PostgreSQL refuses to update a row twice in one statement).
    static func upsert(_ records: [Herald_V1_DeliveryRecord]) -> LogStatement {
        let binds: [[LogValue]] = records.map { record in
            [
                .text(record.deliveryID), .text(record.eventSource), .text(record.eventID), .text(record.eventType),
                .text(record.endpointID), .text(record.routeID), .integer(Int64(record.state.rawValue)), .integer(Int64(record.attempts)),
                .integer(Int64(record.lastStatusCode)), .text(record.lastError), .integer(DeliveryLogRows.micros(record.updatedAt)),
                record.hasNextAttemptAt ? .integer(DeliveryLogRows.micros(record.nextAttemptAt)) : .null,
            ]
        }
        return LogStatement("""
            INSERT INTO deliveries (\(DeliveryLogQuery.deliveryColumns)) VALUES \(placeholders(binds)) \
            ON CONFLICT (delivery_id) DO UPDATE SET event_source = excluded.event_source, event_id = excluded.event_id, \
            event_type = excluded.event_type, endpoint_id = excluded.endpoint_id, route_id = excluded.route_id, state = excluded.state, \
            attempts = excluded.attempts, last_status_code = excluded.last_status_code, last_error = excluded.last_error, \
            updated_us = excluded.updated_us, next_attempt_us = excluded.next_attempt_us WHERE excluded.updated_us >= deliveries.updated_us
            """, binds.flatMap { $0 })
    }

    /// Inserts the attempts not recorded yet.
    static func insert(_ attempts: [Herald_V1_DeliveryAttempt]) -> LogStatement {
        let binds: [[LogValue]] = attempts.map { attempt in
            [
                .text(attempt.deliveryID), .integer(DeliveryLogRows.micros(attempt.attemptedAt)), .text(attempt.endpointID),
                .integer(Int64(attempt.state.rawValue)), .integer(Int64(attempt.attempts)), .integer(Int64(attempt.statusCode)),
                .integer(attempt.duration.seconds * 1_000_000 + Int64(attempt.duration.nanos / 1000)), .text(attempt.error),
                .blob(Array(attempt.responseBody)),
                attempt.hasNextAttemptAt ? .integer(DeliveryLogRows.micros(attempt.nextAttemptAt)) : .null,
            ]
        }
        return LogStatement("""
            INSERT INTO attempts (\(DeliveryLogQuery.attemptColumns)) VALUES \(placeholders(binds)) \
            ON CONFLICT (delivery_id, attempted_us) DO NOTHING
            """, binds.flatMap { $0 })
    }

    /// Records the next offset of each partition, rows by topic and partition (the lock order of
    /// instances sharing a log): one statement per `rowsPerStatement` partitions rather than one each.
    static func offsets(_ offsets: [TopicPartitionOffset]) -> [LogStatement] {
        let ordered = offsets.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
        return chunks(ordered).map { rows in
            let binds: [[LogValue]] = rows.map { [.text($0.topic), .integer(Int64($0.partition)), .integer($0.offset)] }
            return LogStatement("""
                INSERT INTO log_offsets (topic, kafka_partition, next_offset) VALUES \(placeholders(binds)) \
                ON CONFLICT (topic, kafka_partition) DO UPDATE SET next_offset = excluded.next_offset
                """, binds.flatMap { $0 })
        }
    }

    /// `($1, $2), ($3, $4)` for rows of two binds each.
    static func placeholders(_ rows: [[LogValue]]) -> String {
        var next = 0
        return rows.map { row in
            "(" + row.map { _ in
                next += 1
                return "$\(next)"
            }.joined(separator: ", ") + ")"
        }.joined(separator: ", ")
    }

    private static func chunks<Row>(_ rows: [Row]) -> [[Row]] {
        stride(from: 0, to: rows.count, by: rowsPerStatement).map { Array(rows[$0..<min($0 + rowsPerStatement, rows.count)]) }
    }
}
