/// The bytes libFuzzer hands a target, read front to back: selector bytes, parts separated by a
/// zero byte or preceded by their length. Running out of input yields neutral values, so every
/// input is usable.
public struct FuzzInput {
    public private(set) var bytes: ArraySlice<UInt8>

    public init(_ data: UnsafePointer<UInt8>?, _ count: Int) {
        bytes = count > 0 && data != nil ? ArraySlice(UnsafeBufferPointer(start: data, count: count)) : []
    }

    /// The next byte, or 0 at the end.
    public mutating func byte() -> UInt8 {
        bytes.popFirst() ?? 0
    }

    /// The bytes up to the next zero byte (which is consumed), or everything left.
    public mutating func part() -> ArraySlice<UInt8> {
        guard let end = bytes.firstIndex(of: 0) else {
            defer { bytes = [] }
            return bytes
        }
        defer { bytes = bytes[(end + 1)...] }
        return bytes[..<end]
    }

    /// A part that may hold zero bytes (a serialized message): a two-byte big-endian length,
    /// then that many bytes (or everything left).
    public mutating func sized() -> ArraySlice<UInt8> {
        let length = Int(byte()) << 8 | Int(byte())
        let end = bytes.index(bytes.startIndex, offsetBy: min(length, bytes.count))
        defer { bytes = bytes[end...] }
        return bytes[..<end]
    }

    /// The next part as text (invalid UTF-8 replaced, as a protobuf string cannot carry it).
    public mutating func string() -> String {
        String(decoding: part(), as: UTF8.self)
    }

    /// The next `bytes` bytes (at most 8) as a big-endian number.
    public mutating func integer(bytes count: Int) -> UInt64 {
        (0..<min(count, 8)).reduce(0) { value, _ in value << 8 | UInt64(byte()) }
    }

    /// Everything not read yet.
    public mutating func rest() -> ArraySlice<UInt8> {
        defer { bytes = [] }
        return bytes
    }
}

/// Stops the fuzzer with `message`: an invariant a target checks does not hold.
public func fuzzFailure(_ message: String) -> Never {
    fatalError("fuzz invariant broken: \(message)")
}
