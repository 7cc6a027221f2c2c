/// How large Herald lets a Kafka record get, and what a record counts against that limit.
///
/// Every stage wraps an event in a larger record (the router's delivery task adds endpoint, route
/// and delivery ids; a retry adds the last error; a dead letter adds its reason), so the producer
/// accepts only events that leave `envelopeReserve` free below the record limit: a published event
/// then fits through every later stage.
public enum RecordSize {
    /// The record limit (librdkafka's `message.max.bytes`, set explicitly on every Herald client;
    /// Kafka's broker default admits 1 MiB + 12 bytes).
    public static let maxRecordBytes = 1 << 20
    /// Room kept below `maxRecordBytes` for what later stages add around an event.
    public static let envelopeReserve = 64 << 10
    /// The largest event the producer accepts: attributes, extensions and encoded payload together.
    public static let maxEventBytes = maxRecordBytes - envelopeReserve
    /// What the delivery service may add to a delivery task when it retries or dead-letters it
    /// (attempt, status, times, a `last_error` of at most 2 KiB): the router keeps tasks this far
    /// below the record limit.
    public static let taskGrowthReserve = 4 << 10
    /// What librdkafka and the record format add per record and per header (lengths, varints),
    /// rounded up so an estimate is never below what librdkafka counts.
    static let recordOverhead = 64
    static let headerOverhead = 16

    /// The bytes a record counts against `maxRecordBytes`.
    public static func of(keyBytes: Int, valueBytes: Int, headers: [RecordHeader]) -> Int {
        headers.reduce(recordOverhead + keyBytes + valueBytes) { $0 + headerOverhead + $1.name.utf8.count + $1.value.count }
    }
}
