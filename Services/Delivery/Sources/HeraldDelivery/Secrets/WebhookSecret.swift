import Crypto
import Foundation

/// Standard Webhooks signing (docs/API.md, "The webhook request"): `v1,` + base64 HMAC-SHA256 keyed with
/// the base64-decoded part of the `whsec_` secret, over `id.timestamp.body`.
public struct WebhookSecret: Sendable, Hashable {
    public static let prefix = "whsec_"
    /// The HMAC key.
    public let key: [UInt8]
    /// HMAC-SHA256 keyed with `key`: each signature goes on from a copy instead of keying anew.
    private let keyed: HMAC<SHA256>

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Parses `whsec_<base64>`; the key must be 16 to 64 bytes.
    public init(_ text: String) throws(Invalid) {
        guard text.hasPrefix(Self.prefix) else { throw Invalid(description: "secret: must start with '\(Self.prefix)'") }
        guard let key = Data(base64Encoded: String(text.dropFirst(Self.prefix.count))) else {
            throw Invalid(description: "secret: the part after '\(Self.prefix)' is not base64")
        }
        guard (16...64).contains(key.count) else { throw Invalid(description: "secret: key must be 16 to 64 bytes, got \(key.count)") }
        self.key = Array(key)
        self.keyed = HMAC<SHA256>(key: SymmetricKey(data: key))
    }

    public static func == (a: WebhookSecret, b: WebhookSecret) -> Bool { a.key == b.key }

    public func hash(into hasher: inout Hasher) { hasher.combine(key) }

    /// A new secret: `whsec_` + base64 of 32 random bytes.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix + Data(bytes).base64EncodedString()
    }

    /// The `webhook-signature` header value.
    public func signature(id: String, timestamp: Int64, body: [UInt8]) -> String {
        var mac = keyed
        var prefix = Array(id.utf8)
        prefix.append(UInt8(ascii: "."))
        prefix.append(contentsOf: String(timestamp).utf8)
        prefix.append(UInt8(ascii: "."))
        mac.update(data: prefix)
        mac.update(data: body)
        return "v1," + Data(mac.finalize()).base64EncodedString()
    }

    /// Whether any `v1,` signature in a (space-separated) header matches.
    public func verify(signatureHeader: String, id: String, timestamp: Int64, body: [UInt8]) -> Bool {
        let expected = signature(id: id, timestamp: timestamp, body: body)
        return signatureHeader.split(separator: " ").contains { candidate in
            // Constant time over equal lengths.
            let a = Array(candidate.utf8), b = Array(expected.utf8)
            return a.count == b.count && zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
        }
    }
}
