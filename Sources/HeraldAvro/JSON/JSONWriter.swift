/// Appends JSON text to a byte buffer. Strings are escaped so the output is always valid JSON:
/// quotes, backslashes and control characters are escaped; everything else is copied as UTF-8.
struct JSONWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 64) {
        bytes.reserveCapacity(capacity)
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    @inline(__always) mutating func append(_ byte: UInt8) { bytes.append(byte) }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func appendRaw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null: append("null")
        case .bool(let flag): append(flag ? "true" : "false")
        case .integer(let number): writeInteger(number)
        case .double(let number): writeDouble(number)
        case .string(let text): writeString(text)
        case .array(let elements):
            append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { append(UInt8(ascii: ",")) }
                write(element)
            }
            append(UInt8(ascii: "]"))
        case .object(let members):
            append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { append(UInt8(ascii: ",")) }
                writeString(member.key)
                append(UInt8(ascii: ":"))
                write(member.value)
            }
            append(UInt8(ascii: "}"))
        }
    }

    mutating func writeInteger(_ number: Int64) {
        appendRaw(String(number))
    }

    /// JSON has no NaN or infinities: they are written as the strings Avro's JSON readers accept.
    mutating func writeDouble(_ number: Double) {
        if number.isNaN {
            append("\"NaN\"")
        } else if number.isInfinite {
            append(number < 0 ? "\"-Infinity\"" : "\"Infinity\"")
        } else {
            appendRaw(number.description)
        }
    }

    mutating func writeFloat(_ number: Float) {
        if number.isNaN || number.isInfinite {
            writeDouble(Double(number))
        } else {
            appendRaw(number.description)
        }
    }

    mutating func writeString(_ text: String) {
        append(UInt8(ascii: "\""))
        for byte in text.utf8 { appendEscaped(byte) }
        append(UInt8(ascii: "\""))
    }

    mutating func writeString(utf8 buffer: UnsafeRawBufferPointer) {
        append(UInt8(ascii: "\""))
        for byte in buffer { appendEscaped(byte) }
        append(UInt8(ascii: "\""))
    }

    /// Avro's JSON form of bytes and fixed: each byte is the code point U+0000–U+00FF.
    mutating func writeByteString(_ buffer: some Sequence<UInt8>) {
        append(UInt8(ascii: "\""))
        for byte in buffer {
            if byte < 0x80 {
                appendEscaped(byte)
            } else {
                append(0xC0 | byte >> 6)
                append(0x80 | byte & 0x3F)
            }
        }
        append(UInt8(ascii: "\""))
    }

    @inline(__always)
    private mutating func appendEscaped(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): append("\\\"")
        case UInt8(ascii: "\\"): append("\\\\")
        case 0x0A: append("\\n")
        case 0x0D: append("\\r")
        case 0x09: append("\\t")
        case 0x08: append("\\b")
        case 0x0C: append("\\f")
        case 0..<0x20:
            append("\\u00")
            append(Self.hexDigits[Int(byte >> 4)])
            append(Self.hexDigits[Int(byte & 0xF)])
        default: append(byte)
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
