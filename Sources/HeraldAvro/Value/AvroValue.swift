/// A generic Avro datum, shaped by the schema it was decoded with or will be encoded with.
public enum AvroValue: Hashable, Sendable {
    case null
    case boolean(Bool)
    case int(Int32)
    case long(Int64)
    case float(Float)
    case double(Double)
    case bytes([UInt8])
    case string(String)
    /// Fields in schema order.
    case record([Field])
    /// The symbol's name.
    case `enum`(String)
    case array([AvroValue])
    /// Entries in encoded order (Avro maps are unordered; keeping the order makes re-encoding
    /// and JSON output reproducible).
    case map([Entry])
    /// The branch index into the union's schemas and the branch's value.
    indirect case union(branch: Int, AvroValue)
    case fixed([UInt8])

    public struct Field: Hashable, Sendable {
        public var name: String
        public var value: AvroValue
        public init(_ name: String, _ value: AvroValue) {
            self.name = name
            self.value = value
        }
    }

    public struct Entry: Hashable, Sendable {
        public var key: String
        public var value: AvroValue
        public init(_ key: String, _ value: AvroValue) {
            self.key = key
            self.value = value
        }
    }

    /// The value of a record's field, by name.
    public subscript(field name: String) -> AvroValue? {
        guard case .record(let fields) = self else { return nil }
        return fields.first { $0.name == name }?.value
    }

    /// How validation messages name this value's kind.
    var kindName: String {
        switch self {
        case .null: "null"
        case .boolean: "boolean"
        case .int: "int"
        case .long: "long"
        case .float: "float"
        case .double: "double"
        case .bytes: "bytes"
        case .string: "string"
        case .record: "record"
        case .enum: "enum"
        case .array: "array"
        case .map: "map"
        case .union: "union"
        case .fixed: "fixed"
        }
    }
}
