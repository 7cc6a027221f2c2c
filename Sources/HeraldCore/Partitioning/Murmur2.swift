/// Kafka's 32-bit murmur2 (MurmurHash2 with seed `0x9747b28c`, little-endian 4-byte blocks) and the
/// default partitioner built on it, bit for bit as the Java client's `Utils.murmur2` and
/// `Utils.toPositive(murmur2(key)) % numPartitions`. librdkafka's `murmur2_random` partitioner
/// computes the same for non-null keys, so any producer using the same key picks the same partition.
public enum Murmur2 {
    private static let seed: UInt32 = 0x9747_B28C
    private static let m: UInt32 = 0x5BD1_E995
    private static let r: UInt32 = 24

    /// The hash as unsigned bits (Java returns the same bits as a signed `int`).
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        let length = bytes.count
        var h = seed ^ UInt32(truncatingIfNeeded: length)
        let whole = length & ~3
        var index = 0
        while index < whole {
            var k = UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]) << 16 | UInt32(bytes[index + 3]) << 24
            k &*= m
            k ^= k >> r
            k &*= m
            h &*= m
            h ^= k
            index += 4
        }
        // The Java switch falls through: a 3-byte tail also mixes bytes 2 and 1.
        switch length & 3 {
        case 3:
            h ^= UInt32(bytes[whole + 2]) << 16
            h ^= UInt32(bytes[whole + 1]) << 8
            h ^= UInt32(bytes[whole])
            h &*= m
        case 2:
            h ^= UInt32(bytes[whole + 1]) << 8
            h ^= UInt32(bytes[whole])
            h &*= m
        case 1:
            h ^= UInt32(bytes[whole])
            h &*= m
        default:
            break
        }
        h ^= h >> 13
        h &*= m
        h ^= h >> 15
        return h
    }

    public static func hash(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// The hash of `text`'s UTF-8 bytes (what a Kafka `StringSerializer` key hashes to).
    public static func hash(_ text: String) -> UInt32 {
        var text = text
        return text.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }

    /// Java's `Utils.toPositive(hash) % partitionCount`: the sign bit is masked, not negated.
    public static func partition(hash: UInt32, partitionCount: Int) -> Int32 {
        precondition(partitionCount > 0, "partition count must be positive")
        return Int32(truncatingIfNeeded: Int(hash & 0x7FFF_FFFF) % partitionCount)
    }

    /// The Java client's default partition for a keyed record.
    public static func partition(forKey key: String, partitionCount: Int) -> Int32 {
        partition(hash: hash(key), partitionCount: partitionCount)
    }

    public static func partition(forKey key: [UInt8], partitionCount: Int) -> Int32 {
        partition(hash: hash(key), partitionCount: partitionCount)
    }
}
