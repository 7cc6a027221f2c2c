/// The top-level fields of one protobuf message in wire format, by field number: enough to read
/// a message whose schema the reader knows without generated code.
public struct ProtobufFields {
    public struct Malformed: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { "malformed protobuf: \(reason)" }
    }

    private enum Value {
        case varint(UInt64)
        case lengthDelimited(ArraySlice<UInt8>)
        case fixed
    }

    private var fields: [(number: Int, value: Value)] = []

    public init(_ bytes: ArraySlice<UInt8>) throws(Malformed) {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let key = try Self.varint(bytes, at: &index)
            let number = Int(key >> 3)
            guard number > 0 else { throw Malformed(reason: "field number 0") }
            switch key & 7 {
            case 0:
                fields.append((number, .varint(try Self.varint(bytes, at: &index))))
            case 1, 5:
                let width = key & 7 == 1 ? 8 : 4
                guard bytes.endIndex - index >= width else { throw Malformed(reason: "fixed field \(number) is cut short") }
                index += width
                fields.append((number, .fixed))
            case 2:
                let length = try Self.varint(bytes, at: &index)
                guard length <= UInt64(bytes.endIndex - index) else { throw Malformed(reason: "field \(number) is longer than its message") }
                fields.append((number, .lengthDelimited(bytes[index..<(index + Int(length))])))
                index += Int(length)
            default:
                throw Malformed(reason: "wire type \(key & 7) of field \(number) is not read")
            }
        }
    }

    /// Every length-delimited occurrence of `number` (embedded messages, repeated).
    public func messages(_ number: Int) throws(Malformed) -> [ArraySlice<UInt8>] {
        try fields.filter { $0.number == number }.map { (field) throws(Malformed) in
            guard case .lengthDelimited(let bytes) = field.value else { throw Malformed(reason: "field \(number) is not length-delimited") }
            return bytes
        }
    }

    public func strings(_ number: Int) throws(Malformed) -> [String] {
        try messages(number).map { (bytes) throws(Malformed) in
            guard let text = String(validating: bytes, as: UTF8.self) else { throw Malformed(reason: "field \(number) is not UTF-8") }
            return text
        }
    }

    /// The last occurrence of string field `number`, empty when absent (proto3's default).
    public func string(_ number: Int) throws(Malformed) -> String { try strings(number).last ?? "" }

    /// The last occurrence of bytes field `number` as lowercase hex, empty when absent.
    public func hex(_ number: Int) throws(Malformed) -> String {
        try messages(number).last.map { $0.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() } ?? ""
    }

    public func varints(_ number: Int) -> [UInt64] {
        fields.compactMap { field in
            guard field.number == number, case .varint(let value) = field.value else { return nil }
            return value
        }
    }

    private static func varint(_ bytes: ArraySlice<UInt8>, at index: inout Int) throws(Malformed) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.endIndex, shift < 64 {
            let byte = bytes[index]
            index += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        throw Malformed(reason: "varint runs past the end")
    }
}
