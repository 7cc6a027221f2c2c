public import Logging

/// A producer (idempotent by default) whose sends complete when the broker acknowledges.
///
/// ```swift
/// let producer = try KafkaProducer(configuration: .init(), logger: logger)
/// let report = try await producer.send(ProducerRecord(topic: "t", key: "k", value: "v"))
/// await producer.close()
/// ```
public final class KafkaProducer: Sendable {
    private let engine: ProducerEngine

    public init(configuration: KafkaConfiguration, options: Options = Options(), logger: Logger) throws {
        engine = try ProducerEngine(configuration: configuration, properties: options.properties, announcesAcknowledgements: true, logger: logger)
    }

    /// Produces one record and waits for its acknowledgement.
    public func send(_ record: ProducerRecord) async throws -> DeliveryReport {
        try await engine.enqueue(record).report
    }

    /// Enqueues one record and returns without waiting for the broker; await the result's `report`.
    /// Suspends only while librdkafka's local queue is full (back-pressure).
    public func enqueue(_ record: ProducerRecord) async throws -> PendingDelivery {
        try await engine.enqueue(record)
    }

    /// Waits until every enqueued record is acknowledged or has failed (bounded by the delivery timeout).
    public func flush() async throws {
        try await engine.flush()
    }

    /// Stops accepting records, waits for outstanding ones (up to the delivery timeout; the rest fail
    /// with `.purged`) and releases the client. Later calls throw `.closed`.
    public func close() async {
        await engine.close()
    }
}
