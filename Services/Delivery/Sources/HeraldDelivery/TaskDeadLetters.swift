import Foundation
import HeraldCore
import HeraldKafka
import HeraldProtos
import SwiftProtobuf

/// How the delivery service writes what it cannot process, so that nothing is skipped in silence
/// and no record it writes can exceed the record limit and fail its transaction (which would stop
/// the service, and again after every restart). Pure.
enum TaskDeadLetters {
    /// Longest `last_error` kept on a task or status record: errors quote endpoint answers.
    static let maxErrorBytes = 2048

    /// `error` cut to `maxErrorBytes` (at a character boundary).
    static func capped(_ error: String) -> String {
        guard error.utf8.count > maxErrorBytes else { return error }
        var bytes = Array(error.utf8.prefix(maxErrorBytes))
        while !bytes.isEmpty, String(validating: bytes, as: UTF8.self) == nil { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The dead letter of a consumed record that is not a delivery task: the original record with
    /// its reason and origin (`DeadLetter`). `ListDeadLetters` and `Redrive` pass over it.
    /// Keyed by its origin (`topic/partition/offset`): the dead-letter topic is compacted by key,
    /// and no two such letters may share one.
    static func unreadable(_ message: KafkaMessage, reason: String, topic: String, maxRecordBytes: Int) -> ProducerRecord {
        let letter = DeadLetter(
            key: Array("\(message.topic)/\(message.partition)/\(message.offset)".utf8), value: message.value, headers: message.headers.map { RecordHeader(name: $0.name, value: $0.value ?? []) },
            reason: reason, topic: message.topic, partition: message.partition, offset: message.offset, maxRecordBytes: maxRecordBytes)
        return ProducerRecord(topic: topic, key: letter.key, value: letter.value, headers: letter.headers.map { KafkaHeader(name: $0.name, value: $0.value) })
    }

    /// Whether a record written by an older version or by hand is such a dead letter.
    static func isUnreadableLetter(_ message: KafkaMessage) -> Bool {
        message.header(DeadLetter.reasonHeader) != nil
    }

    /// The bytes of `task` for a retry or dead-letter record; when they would exceed the record
    /// limit, the task without its payload, its `last_error` saying so (it is then dead, not
    /// retried: a send without the payload would be wrong).
    static func fitted(_ task: Herald_V1_DeliveryTask, key: [UInt8], maxRecordBytes: Int) -> (bytes: [UInt8], payloadDropped: Bool) {
        let bytes: [UInt8] = (try? task.serializedBytes()) ?? []
        guard RecordSize.of(keyBytes: key.count, valueBytes: bytes.count, headers: []) > maxRecordBytes else { return (bytes, false) }
        var slim = task
        slim.payload = Data()
        slim.lastError = capped("payload of \(task.payload.count) bytes dropped: the task would be \(bytes.count) bytes, over the record limit of \(maxRecordBytes) bytes; " + task.lastError)
        return ((try? slim.serializedBytes()) ?? [], true)
    }
}
