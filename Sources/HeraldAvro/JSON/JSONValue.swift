/// A parsed JSON document. Schemas keep attributes and field defaults in this form, and the
/// JSON → Avro path parses into it.
///
/// Objects keep their members in document order (duplicates included) so that printing a schema
/// back is faithful and validation can name duplicate keys.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    /// A number written without fraction or exponent that fits in 64 bits.
    case integer(Int64)
    /// Any other number.
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([Member])

    public struct Member: Hashable, Sendable {
        public var key: String
        public var value: JSONValue
        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// Parses JSON text (RFC 8259, UTF-8).
    public init(parsing text: String) throws(AvroError) {
        var text = text
        let result: Result<JSONValue, AvroError> = text.withUTF8 { buffer in
            do throws(AvroError) { return .success(try JSONReader.parse(buffer)) } catch { return .failure(error) }
        }
        self = try result.get()
    }

    /// Parses JSON text given as UTF-8 bytes.
    public init(parsing bytes: some Sequence<UInt8>) throws(AvroError) {
        self = try withContiguousBytes(bytes) { buffer throws(AvroError) in try JSONReader.parse(buffer) }
    }

    /// Compact JSON text: no insignificant whitespace, members in stored order.
    public var jsonText: String {
        var writer = JSONWriter()
        writer.write(self)
        return writer.string
    }

    /// The first member named `key`, for objects.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// How validation messages name the kind of a JSON value (`got number`).
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// Runs `body` over the bytes of `bytes` without copying when they are already contiguous.
@inline(__always)
func withContiguousBytes<R, E: Error>(
    _ bytes: some Sequence<UInt8>,
    _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R
) throws(E) -> R {
    let result: Result<R, E>? = bytes.withContiguousStorageIfAvailable { buffer in
        do throws(E) { return .success(try body(buffer)) } catch { return .failure(error) }
    }
    if let result { return try result.get() }
    let copy = Array(bytes)
    let copied: Result<R, E> = copy.withUnsafeBufferPointer { buffer in
        do throws(E) { return .success(try body(buffer)) } catch { return .failure(error) }
    }
    return try copied.get()
}
