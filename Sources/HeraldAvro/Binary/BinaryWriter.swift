/// Appends Avro binary encoding: zig-zag varints, little-endian IEEE floats, length-prefixed bytes.
struct BinaryWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 64) {
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    mutating func writeLong(_ value: Int64) {
        var zigzag = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while zigzag >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: zigzag) | 0x80)
            zigzag >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: zigzag))
    }

    @inline(__always) mutating func writeInt(_ value: Int32) { writeLong(Int64(value)) }
    @inline(__always) mutating func writeBoolean(_ value: Bool) { bytes.append(value ? 1 : 0) }

    mutating func writeFloat(_ value: Float) {
        let bits = value.bitPattern
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> shift)) }
    }

    mutating func writeDouble(_ value: Double) {
        let bits = value.bitPattern
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> shift)) }
    }

    mutating func writeBytes(_ value: some Collection<UInt8>) {
        writeLong(Int64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func writeString(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            writeLong(Int64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func writeRaw(_ value: some Collection<UInt8>) {
        bytes.append(contentsOf: value)
    }
}
