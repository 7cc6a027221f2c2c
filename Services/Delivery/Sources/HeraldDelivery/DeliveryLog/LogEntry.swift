import Foundation
import HeraldKafka
import HeraldProtos
import SwiftProtobuf

/// What one record of the status, attempts or dead-letter topic changes in the delivery log.
/// Each applies idempotently, so replaying the topics any number of times gives the same rows.
enum LogEntry: Sendable, Hashable {
    /// A delivery's state (status topic): kept unless the log holds a later update.
    case delivery(Herald_V1_DeliveryRecord)
    /// One attempt (attempts topic): inserted once.
    case attempt(Herald_V1_DeliveryAttempt)
    /// A dead-lettered task (dead-letter topic), dead since the record's time.
    case deadLetter(Herald_V1_DeliveryTask, deadMicros: Int64)
    /// The dead-letter topic's tombstone for a redriven delivery.
    case redriven(deliveryID: String)

    /// The entry of a record, `nil` for records the log does not keep (dead letters of
    /// unreadable records, which have no delivery); throws for a record that does not decode.
    static func decode(_ message: KafkaMessage, topics: DeliveryLogTopics) throws -> LogEntry? {
        switch message.topic {
        case topics.status:
            guard let value = message.value else { return nil }
            return .delivery(try Herald_V1_DeliveryRecord(serializedBytes: value))
        case topics.attempts:
            guard let value = message.value else { return nil }
            return .attempt(try Herald_V1_DeliveryAttempt(serializedBytes: value))
        case topics.deadLetters:
            guard let value = message.value else {
                return message.key.map { .redriven(deliveryID: String(decoding: $0, as: UTF8.self)) }
            }
            guard !TaskDeadLetters.isUnreadableLetter(message) else { return nil }
            let task = try Herald_V1_DeliveryTask(serializedBytes: value)
            return .deadLetter(task, deadMicros: (message.timestampMilliseconds ?? 0) * 1000)
        default:
            return nil
        }
    }

    /// The entries ordered by the row each changes (table, then key), entries of one row kept in
    /// their order (a dead letter and its tombstone apply as they came); rows of different keys
    /// are independent, so the order changes nothing but which row lock is taken first.
    static func inLockOrder(_ entries: [LogEntry]) -> [LogEntry] {
        entries.enumerated().sorted { a, b in
            let (x, y) = (a.element.row, b.element.row)
            return (x.table, x.id, x.micros, a.offset) < (y.table, y.id, y.micros, b.offset)
        }.map(\.element)
    }

    /// The table (by rank) and key of the row the entry changes.
    private var row: (table: Int, id: String, micros: Int64) {
        switch self {
        case .delivery(let record): (0, record.deliveryID, 0)
        case .attempt(let attempt): (1, attempt.deliveryID, DeliveryLogRows.micros(attempt.attemptedAt))
        case .deadLetter(let task, _): (2, task.deliveryID, 0)
        case .redriven(let id): (2, id, 0)
        }
    }

    var statement: LogStatement {
        switch self {
        case .delivery(let record):
            return LogBatch.upsert([record])
        case .attempt(let attempt):
            return LogBatch.insert([attempt])
        case .deadLetter(let task, let deadMicros):
            return LogStatement("""
                INSERT INTO dead_letters (delivery_id, endpoint_id, dead_us, task) VALUES ($1, $2, $3, $4) \
                ON CONFLICT (delivery_id) DO UPDATE SET endpoint_id = excluded.endpoint_id, dead_us = excluded.dead_us, task = excluded.task
                """, [.text(task.deliveryID), .text(task.endpointID), .integer(deadMicros), .blob((try? task.serializedBytes()) ?? [])])
        case .redriven(let id):
            return LogStatement("DELETE FROM dead_letters WHERE delivery_id = $1", [.text(id)])
        }
    }
}

/// The topics the delivery log is filled from.
public struct DeliveryLogTopics: Sendable, Hashable {
    public var status: String
    public var attempts: String
    public var deadLetters: String

    public init(_ topics: DeliveryTopics) {
        status = topics.status
        attempts = topics.attempts
        deadLetters = topics.deadLetters
    }

    public var all: [String] { [status, attempts, deadLetters] }
}
