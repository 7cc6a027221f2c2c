/// Confluent Schema Registry's framing of a serialized record: magic byte `0x00`, the schema id
/// as a big-endian 32-bit integer, then the payload (Avro binary).
public enum ConfluentWireFormat {
    public static let magicByte: UInt8 = 0
    public static let headerSize = 5

    public static func frame(schemaID: Int32, payload: some Collection<UInt8>) -> [UInt8] {
        var framed: [UInt8] = []
        framed.reserveCapacity(headerSize + payload.count)
        framed.append(magicByte)
        let id = UInt32(bitPattern: schemaID)
        framed.append(contentsOf: [UInt8(id >> 24), UInt8(truncatingIfNeeded: id >> 16), UInt8(truncatingIfNeeded: id >> 8), UInt8(truncatingIfNeeded: id)])
        framed.append(contentsOf: payload)
        return framed
    }

    /// Splits a framed record into schema id and payload (a slice of `bytes`, not a copy).
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(AvroError) -> (schemaID: Int32, payload: ArraySlice<UInt8>) {
        guard bytes.count >= headerSize else {
            throw AvroError(.invalidFraming, "\(bytes.count) bytes is shorter than the \(headerSize)-byte Confluent header")
        }
        let start = bytes.startIndex
        guard bytes[start] == magicByte else {
            throw AvroError(.invalidFraming, "unknown magic byte \(bytes[start]) (expected 0)")
        }
        let id = UInt32(bytes[start + 1]) << 24 | UInt32(bytes[start + 2]) << 16 | UInt32(bytes[start + 3]) << 8 | UInt32(bytes[start + 4])
        return (Int32(bitPattern: id), bytes[(start + headerSize)...])
    }

    public static func parse(_ bytes: [UInt8]) throws(AvroError) -> (schemaID: Int32, payload: ArraySlice<UInt8>) {
        try parse(bytes[...])
    }
}
