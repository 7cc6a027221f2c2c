import Crypto

/// The fingerprint algorithms the Avro specification names, computed over Parsing Canonical Form.
public enum AvroFingerprintAlgorithm: String, Hashable, Sendable, CaseIterable {
    /// CRC-64-AVRO, the specification's 64-bit Rabin fingerprint.
    case rabin = "CRC-64-AVRO"
    case sha256 = "SHA-256"
    case md5 = "MD5"
}

extension AvroSchema {
    /// The fingerprint of `canonicalForm`. Rabin fingerprints are 8 bytes, little-endian, as in
    /// Avro's single-object encoding and Java's `SchemaNormalization.parsingFingerprint`.
    public func fingerprint(_ algorithm: AvroFingerprintAlgorithm) -> [UInt8] {
        let text = Array(canonicalForm.utf8)
        switch algorithm {
        case .rabin:
            let value = RabinFingerprint.compute(text)
            return (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
        case .sha256: return Array(SHA256.hash(data: text))
        case .md5: return Array(Insecure.MD5.hash(data: text))
        }
    }

    /// CRC-64-AVRO of `canonicalForm` as a number.
    public var rabinFingerprint: UInt64 { RabinFingerprint.compute(Array(canonicalForm.utf8)) }
}

/// CRC-64-AVRO as the specification defines it (polynomial given by `empty`).
enum RabinFingerprint {
    static let empty: UInt64 = 0xc15d_213a_a4d7_a795

    static let table: [UInt64] = (0..<256).map { index in
        var fingerprint = UInt64(index)
        for _ in 0..<8 {
            fingerprint = (fingerprint >> 1) ^ (empty & (0 &- (fingerprint & 1)))
        }
        return fingerprint
    }

    static func compute(_ bytes: [UInt8]) -> UInt64 {
        var fingerprint = empty
        for byte in bytes {
            fingerprint = (fingerprint >> 8) ^ table[Int((fingerprint ^ UInt64(byte)) & 0xff)]
        }
        return fingerprint
    }
}
