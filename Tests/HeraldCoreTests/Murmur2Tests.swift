import HeraldCore
import Testing

/// Vectors from `scripts/murmur2-vectors.py`: each hash is a transcription of Java's `Utils.murmur2`,
/// and each partition was read back from the local broker after librdkafka (`murmur2_random`)
/// produced the keyed record into topics of 12 and 97 partitions; the script fails unless both agree.
/// "21" and "foobar" are also the values Kafka's own tests pin (-973932308 and -790332482).
@Suite struct Murmur2Tests {
    struct Vector: CustomTestStringConvertible {
        let key: [UInt8]
        let hash: UInt32
        let partitions: [Int32]
        init(_ key: String, hash: UInt32, partitions: [Int32]) { self.init(Array(key.utf8), hash: hash, partitions: partitions) }
        init(_ key: [UInt8], hash: UInt32, partitions: [Int32]) { self.key = key; self.hash = hash; self.partitions = partitions }
        var testDescription: String { "\(key)" }
    }

    static let partitionCounts = [12, 97]
    static let vectors: [Vector] = [
        Vector("", hash: 0x106e08d9, partitions: [9, 35]),
        Vector("a", hash: 0xa2d0b27c, partitions: [4, 49]),
        Vector("ab", hash: 0x12d8262a, partitions: [2, 36]),
        Vector("abc", hash: 0x1c94221b, partitions: [3, 77]),
        Vector("abcd", hash: 0xb11ab5f4, partitions: [8, 5]),
        Vector("abcde", hash: 0x1b897edd, partitions: [1, 67]),
        Vector("abcdef", hash: 0x6f7fdafc, partitions: [0, 64]),
        Vector("abcdefg", hash: 0xeb595499, partitions: [1, 13]),
        Vector("abcdefgh", hash: 0xc70d55dd, partitions: [9, 5]),
        Vector([0x00], hash: 0x166197bc, partitions: [8, 22]),
        Vector([0xff], hash: 0xed6f615b, partitions: [3, 60]),
        Vector([0xff, 0xfe], hash: 0x6660fe8b, partitions: [3, 10]),
        Vector([0x80, 0x81, 0x82], hash: 0x8a3e2003, partitions: [11, 36]),
        Vector([0xff, 0xff, 0xff, 0xff], hash: 0x266546a5, partitions: [5, 55]),
        Vector("hello", hash: 0x7f1ddbbd, partitions: [9, 83]),
        Vector("kafka", hash: 0xd067cf64, partitions: [4, 28]),
        Vector("21", hash: 0xc5f2f8ec, partitions: [0, 41]),
        Vector("foobar", hash: 0xd0e47bbe, partitions: [6, 13]),
        Vector("ü", hash: 0x54a0f45a, partitions: [2, 62]),
        Vector("日本", hash: 0xd63a78f3, partitions: [3, 77]),
        Vector("日本語", hash: 0x555873ca, partitions: [10, 5]),
        Vector("🎉", hash: 0x791c744a, partitions: [6, 26]),
        Vector("🎉x", hash: 0xf8b393df, partitions: [3, 57]),
        Vector("naïve café", hash: 0x4fcd08dd, partitions: [9, 48]),
        Vector("order.created|https://shop.example/orders", hash: 0x3670fe48, partitions: [0, 94]),
        Vector("user.signed_up|/accounts", hash: 0x2793b828, partitions: [8, 6]),
        Vector("invoice.paid|urn:billing:eu-1|inv-2026-0001", hash: 0x6cade537, partitions: [7, 60]),
        Vector("com.example.ünïcode|//例え.jp/パス", hash: 0x894dd415, partitions: [1, 5]),
    ]

    @Test(arguments: vectors)
    func matchesJavaClientAndBroker(_ vector: Vector) {
        #expect(Murmur2.hash(vector.key) == vector.hash)
        for (count, expected) in zip(Self.partitionCounts, vector.partitions) {
            #expect(Murmur2.partition(forKey: vector.key, partitionCount: count) == expected)
        }
        if let text = String(validating: vector.key, as: UTF8.self) {
            #expect(Murmur2.hash(text) == vector.hash)
            #expect(Murmur2.partition(forKey: text, partitionCount: 12) == vector.partitions[0])
        }
    }

    @Test func signBitIsMaskedNotNegated() {
        // 0xd0e47bbe is negative as a Java int; toPositive keeps the low 31 bits (0x50e47bbe).
        #expect(Murmur2.partition(hash: 0xd0e4_7bbe, partitionCount: Int(Int32.max)) == 0x50e4_7bbe)
        #expect(Murmur2.partition(hash: 0x8000_0000, partitionCount: 7) == 0)
    }
}
