/// Reads Avro binary encoding from borrowed memory. Every read is bounds-checked and reports
/// truncation or malformation as an `AvroError`; nothing here can trap on hostile input.
struct BinaryReader {
    private let base: UnsafeRawPointer
    let count: Int
    private(set) var position = 0
    /// Elements whose encoding may be empty (nulls, empty records) cost no input, so their total
    /// is capped instead of trusting a block count.
    private var emptyElementBudget = Self.budgetBase
    /// Record fields may all encode to nothing, so a schema reusing such a record type twice per
    /// level makes an empty payload visit 2^depth fields. Each record's fields are counted against
    /// this budget: a base for small values plus a few per input byte for large ones.
    private var fieldBudget: Int

    #if HERALD_FUZZ_BUDGETS
    /// The fuzz build (Fuzz/build.sh) lowers the base so that no input of a few bytes costs a
    /// million elements in every decoder the target compares: the refusals are the same code,
    /// reached with fewer elements, and the fuzzer spends its time on new inputs.
    static let budgetBase = 1 << 10
    #else
    static let budgetBase = 1 << 20
    #endif

    /// The fields one call may visit before an input of `byteCount` bytes is refused.
    static func fieldBudget(byteCount: Int) -> Int { budgetBase + 4 * byteCount }

    /// Deeper values are rejected rather than risking the stack (async threads have small stacks).
    static let maximumDepth = 128

    init(_ buffer: UnsafeRawBufferPointer) {
        // An empty buffer may have no address; any non-null pointer will do as nothing is read from it.
        self.base = buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 0x10)!
        self.count = buffer.count
        self.fieldBudget = Self.fieldBudget(byteCount: buffer.count)
    }

    /// Counts a record's fields against the budget before they are visited.
    @inline(__always)
    mutating func spendFields(_ fieldCount: Int) throws(AvroError) {
        guard fieldCount <= fieldBudget else {
            throw AvroError(.tooComplex, "value visits more than \(Self.fieldBudget(byteCount: count)) record fields for \(count) bytes of input (record types whose fields encode to nothing, nested and repeated)")
        }
        fieldBudget -= fieldCount
    }

    var remaining: Int { count - position }
    var isAtEnd: Bool { position == count }

    func truncated(_ what: String) -> AvroError {
        AvroError(.truncated, "input ends inside \(what) at byte \(position)")
    }

    func malformed(_ message: String) -> AvroError {
        AvroError(.malformed, "\(message) at byte \(position)")
    }

    @inline(__always)
    mutating func readByte(_ what: String) throws(AvroError) -> UInt8 {
        guard position < count else { throw truncated(what) }
        let byte = base.load(fromByteOffset: position, as: UInt8.self)
        position += 1
        return byte
    }

    @inline(__always)
    mutating func readLong() throws(AvroError) -> Int64 {
        guard position < count else { throw truncated("a varint") }
        let first = base.load(fromByteOffset: position, as: UInt8.self)
        if first < 0x80 {
            position += 1
            return Int64(first >> 1) ^ (0 &- Int64(first & 1))
        }
        return try readLongSlow()
    }

    private mutating func readLongSlow() throws(AvroError) -> Int64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < count else { throw truncated("a varint") }
            let byte = base.load(fromByteOffset: position, as: UInt8.self)
            position += 1
            if shift == 63, byte > 1 { throw malformed("varint longer than 64 bits") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        return Int64(bitPattern: (result >> 1) ^ (0 &- (result & 1)))
    }

    @inline(__always)
    mutating func readInt() throws(AvroError) -> Int32 {
        let value = try readLong()
        guard let narrow = Int32(exactly: value) else { throw malformed("int \(value) out of 32-bit range") }
        return narrow
    }

    @inline(__always)
    mutating func readBoolean() throws(AvroError) -> Bool {
        switch try readByte("a boolean") {
        case 0: return false
        case 1: return true
        case let other: throw malformed("boolean byte \(other) is neither 0 nor 1")
        }
    }

    mutating func readFloat() throws(AvroError) -> Float {
        guard remaining >= 4 else { throw truncated("a float") }
        let bits = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt32.self))
        position += 4
        return Float(bitPattern: bits)
    }

    mutating func readDouble() throws(AvroError) -> Double {
        guard remaining >= 8 else { throw truncated("a double") }
        let bits = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt64.self))
        position += 8
        return Double(bitPattern: bits)
    }

    /// A length-prefixed byte run, borrowed from the input.
    @inline(__always)
    mutating func readBytes() throws(AvroError) -> UnsafeRawBufferPointer {
        let length = try readLong()
        guard length >= 0 else { throw malformed("negative length \(length)") }
        guard length <= remaining else { throw AvroError(.truncated, "length \(length) exceeds the \(remaining) remaining bytes at byte \(position)") }
        return try readFixed(Int(length))
    }

    /// Like `readBytes`, but the bytes must be valid UTF-8.
    @inline(__always)
    mutating func readStringBytes() throws(AvroError) -> UnsafeRawBufferPointer {
        let start = position
        let bytes = try readBytes()
        guard UTF8Validation.isValid(bytes.baseAddress ?? base, count: bytes.count) else {
            position = start
            throw malformed("string is not valid UTF-8")
        }
        return bytes
    }

    @inline(__always)
    mutating func readFixed(_ size: Int) throws(AvroError) -> UnsafeRawBufferPointer {
        guard size <= remaining else { throw truncated("\(size) bytes") }
        let slice = UnsafeRawBufferPointer(start: base + position, count: size)
        position += size
        return slice
    }

    mutating func skip(_ size: Int) throws(AvroError) {
        guard size <= remaining else { throw truncated("\(size) bytes") }
        position += size
    }

    /// The item count of the next array or map block (0 ends the collection). A negative count
    /// is followed by the block's byte size, which is read and checked but not needed.
    mutating func readBlockCount(minimumItemSize: Int) throws(AvroError) -> Int {
        var count = try readLong()
        if count < 0 {
            guard count != .min else { throw malformed("invalid block count") }
            count = -count
            let byteSize = try readLong()
            guard byteSize >= 0, byteSize <= remaining else { throw malformed("invalid block size \(byteSize)") }
        }
        if minimumItemSize > 0 {
            guard count <= Int64(remaining / minimumItemSize) else {
                throw AvroError(.truncated, "block of \(count) items cannot fit in the \(remaining) remaining bytes at byte \(position)")
            }
        } else {
            guard count <= Int64(emptyElementBudget) else { throw malformed("block of \(count) empty items exceeds the limit") }
            emptyElementBudget -= Int(count)
        }
        return Int(count)
    }

    /// A value of a primitive type; any other type is refused (it has no encoding of its own).
    mutating func readPrimitive(_ type: AvroType) throws(AvroError) -> AvroValue {
        switch type {
        case .null: return .null
        case .boolean: return .boolean(try readBoolean())
        case .int: return .int(try readInt())
        case .long: return .long(try readLong())
        case .float: return .float(try readFloat())
        case .double: return .double(try readDouble())
        case .bytes: return .bytes(Array(try readBytes()))
        case .string: return .string(String(decoding: try readStringBytes(), as: UTF8.self))
        default: throw AvroError(.notResolvable, "\(type.rawValue) is not primitive")
        }
    }
}
