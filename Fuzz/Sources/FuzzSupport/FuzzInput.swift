/// The bytes libFuzzer hands a target, read front to back: a selector byte, then parts separated
/// by a zero byte. Running out of input yields neutral values, so every input is usable.
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
