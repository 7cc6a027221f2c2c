/// The logical types of the Avro specification. A logical type annotates its underlying type;
/// one that is unknown or invalid for its type is ignored as the specification requires (and
/// kept as a plain attribute).
public enum AvroLogicalType: Hashable, Sendable {
    case decimal(precision: Int, scale: Int)
    case uuid
    case date
    case timeMillis
    case timeMicros
    case timestampMillis
    case timestampMicros
    case localTimestampMillis
    case localTimestampMicros
    /// Months, days and milliseconds in a `fixed` of 12 bytes.
    case duration

    public var name: String {
        switch self {
        case .decimal: "decimal"
        case .uuid: "uuid"
        case .date: "date"
        case .timeMillis: "time-millis"
        case .timeMicros: "time-micros"
        case .timestampMillis: "timestamp-millis"
        case .timestampMicros: "timestamp-micros"
        case .localTimestampMillis: "local-timestamp-millis"
        case .localTimestampMicros: "local-timestamp-micros"
        case .duration: "duration"
        }
    }

    /// The logical type described by `attributes` on a schema of `type` and fixed `size`, or nil
    /// when absent, unknown or invalid.
    static func parse(name: String, attributes: [JSONValue.Member], on type: AvroType, size: Int) -> AvroLogicalType? {
        func attribute(_ key: String) -> JSONValue? { attributes.first { $0.key == key }?.value }
        switch (name, type) {
        case ("decimal", .bytes), ("decimal", .fixed):
            guard case .integer(let precision)? = attribute("precision"), precision > 0 else { return nil }
            var scale: Int64 = 0
            if let value = attribute("scale") {
                guard case .integer(let given) = value, given >= 0 else { return nil }
                scale = given
            }
            guard scale <= precision else { return nil }
            if type == .fixed {
                // Largest precision a two's-complement number of `size` bytes can hold.
                guard size > 0, size <= 128 else { return nil }
                let maxPrecision = Int((Double(8 * size - 1) * 0.30102999566398120).rounded(.down))
                guard precision <= maxPrecision else { return nil }
            }
            return .decimal(precision: Int(precision), scale: Int(scale))
        case ("uuid", .string): return .uuid
        case ("uuid", .fixed) where size == 16: return .uuid
        case ("date", .int): return .date
        case ("time-millis", .int): return .timeMillis
        case ("time-micros", .long): return .timeMicros
        case ("timestamp-millis", .long): return .timestampMillis
        case ("timestamp-micros", .long): return .timestampMicros
        case ("local-timestamp-millis", .long): return .localTimestampMillis
        case ("local-timestamp-micros", .long): return .localTimestampMicros
        case ("duration", .fixed) where size == 12: return .duration
        default: return nil
        }
    }

    /// The attributes that spell this logical type in a schema.
    var attributes: [JSONValue.Member] {
        var members = [JSONValue.Member("logicalType", .string(name))]
        if case .decimal(let precision, let scale) = self {
            members.append(JSONValue.Member("precision", .integer(Int64(precision))))
            members.append(JSONValue.Member("scale", .integer(Int64(scale))))
        }
        return members
    }
}
