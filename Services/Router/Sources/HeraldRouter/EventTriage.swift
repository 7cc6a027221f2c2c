import HeraldAvro
import HeraldCore
import HeraldKafka
import HeraldProtos

/// What the router does with one consumed `herald.events` record (pure): route the event it
/// carries, or dead-letter the record with the reason it cannot be routed. Nothing is skipped in
/// silence, and nothing that can never be written is retried (which would stall the partition).
enum EventTriage {
    case event(EventAttributes, schemaID: Int32, payload: ArraySlice<UInt8>)
    case deadLetter(reason: String)

    /// Reads the CloudEvents headers and the Confluent framing of `message`.
    static func read(_ message: KafkaMessage) -> EventTriage {
        do {
            let attributes = try CloudEventsKafkaBinding.attributes(from: message.headers.map { RecordHeader(name: $0.name, value: $0.value ?? []) })
            guard let value = message.value else { throw EventAttributeError(field: "record value", reason: "missing") }
            let (schemaID, payload) = try ConfluentWireFormat.parse(value)
            return .event(attributes, schemaID: schemaID, payload: payload)
        } catch {
            return .deadLetter(reason: "not a Herald event: \(error)")
        }
    }

    /// Why a delivery task of `taskBytes` for `endpointID` cannot be written, or `nil` when it fits
    /// with room for what the delivery service adds (`RecordSize.taskGrowthReserve`).
    static func oversized(taskBytes: Int, endpointID: String, maxRecordBytes: Int) -> String? {
        let size = RecordSize.of(keyBytes: endpointID.utf8.count, valueBytes: taskBytes, headers: [])
        let limit = maxRecordBytes - RecordSize.taskGrowthReserve
        guard size > limit else { return nil }
        return "the delivery task for endpoint '\(endpointID)' would be \(size) bytes, over the record limit of \(maxRecordBytes) bytes less \(RecordSize.taskGrowthReserve) kept for retries"
    }

    /// The dead-letter record of `message` in `topic`.
    static func deadLetterRecord(_ message: KafkaMessage, reason: String, topic: String, maxRecordBytes: Int) -> ProducerRecord {
        let letter = DeadLetter(
            key: message.key, value: message.value, headers: message.headers.map { RecordHeader(name: $0.name, value: $0.value ?? []) },
            reason: reason, topic: message.topic, partition: message.partition, offset: message.offset, maxRecordBytes: maxRecordBytes)
        return ProducerRecord(topic: topic, key: letter.key, value: letter.value, headers: letter.headers.map { KafkaHeader(name: $0.name, value: $0.value) })
    }
}
