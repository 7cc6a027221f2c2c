/// A consumed record a stage cannot process (not a Herald event, undecodable, too large to pass
/// on), as the record that parks it in a dead-letter topic instead of it being skipped in silence
/// or retried for ever (pure: the stage writes the result in the transaction that moves its offset).
///
/// The dead letter keeps the original key, value and headers and adds `herald_dead_letter_reason`
/// and `herald_dead_letter_origin` (`<topic>/<partition>/<offset>`). When the original with those
/// headers would exceed the record limit, the value is left out (the headers say so) rather than
/// the dead letter failing too.
public struct DeadLetter: Hashable, Sendable {
    public static let reasonHeader = "herald_dead_letter_reason"
    public static let originHeader = "herald_dead_letter_origin"
    public static let omittedHeader = "herald_dead_letter_value_omitted"
    /// Longest reason kept: reasons quote errors, which may quote input.
    static let maxReasonBytes = 1024

    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [RecordHeader]

    /// - Parameters:
    ///   - maxRecordBytes: the limit the dead letter itself must respect.
    public init(key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader], reason: String,
                topic: String, partition: Int32, offset: Int64, maxRecordBytes: Int = RecordSize.maxRecordBytes) {
        var reasonBytes = Array(reason.utf8.prefix(Self.maxReasonBytes))
        while !reasonBytes.isEmpty, String(validating: reasonBytes, as: UTF8.self) == nil { reasonBytes.removeLast() }
        let added = [
            RecordHeader(name: Self.reasonHeader, value: reasonBytes),
            RecordHeader(name: Self.originHeader, value: "\(topic)/\(partition)/\(offset)"),
        ]
        let keyBytes = key?.count ?? 0
        var kept = headers + added
        if RecordSize.of(keyBytes: keyBytes, valueBytes: value?.count ?? 0, headers: kept) <= maxRecordBytes {
            self.init(key: key, value: value, headers: kept)
            return
        }
        kept.append(RecordHeader(name: Self.omittedHeader, value: "\(value?.count ?? 0) bytes"))
        if RecordSize.of(keyBytes: keyBytes, valueBytes: 0, headers: kept) > maxRecordBytes {
            // The original headers alone are too large: only what says why and where remains.
            kept = added + [RecordHeader(name: Self.omittedHeader, value: "value of \(value?.count ?? 0) bytes and \(headers.count) headers")]
        }
        self.init(key: RecordSize.of(keyBytes: keyBytes, valueBytes: 0, headers: kept) <= maxRecordBytes ? key : nil, value: nil, headers: kept)
    }

    private init(key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader]) {
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// The reason header's text.
    public var reason: String? {
        headers.first { $0.name == Self.reasonHeader }.map { String(decoding: $0.value, as: UTF8.self) }
    }
}
