import Crypto
import Foundation

/// An API key as a caller presents it: `hk_<key id>_<secret>`. The id names the key in logs, audit
/// records and `ListKeys`; the secret is 32 random bytes in lowercase hex and is shown only once.
public struct APIKey: Hashable, Sendable, CustomStringConvertible {
    public static let prefix = "hk"
    static let idLength = 16
    static let secretBytes = 32

    public let id: String
    public let secret: String

    /// A new key with a random id and secret.
    public static func generate() -> APIKey {
        var generator = SystemRandomNumberGenerator()
        return APIKey(uncheckedID: randomHex(bytes: idLength / 2, using: &generator),
                      secret: randomHex(bytes: secretBytes, using: &generator))
    }

    /// Parses a presented key; every malformed shape is refused with the reason.
    public init(parsing text: String) throws(APIKeyError) {
        let parts = text.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == Self.prefix else { throw .malformed("an API key looks like hk_<id>_<secret>") }
        guard parts[1].count == Self.idLength, parts[1].allSatisfy(\.isLowercaseHexDigit) else {
            throw .malformed("the key id must be \(Self.idLength) lowercase hex digits")
        }
        guard parts[2].count == Self.secretBytes * 2, parts[2].allSatisfy(\.isLowercaseHexDigit) else {
            throw .malformed("the key secret must be \(Self.secretBytes * 2) lowercase hex digits")
        }
        self.init(uncheckedID: String(parts[1]), secret: String(parts[2]))
    }

    /// The id part of `presented` if it has a key's length and prefix (nothing else is checked),
    /// without copying it: `VerifiedKeys` looks a presented key up by it on every call.
    static func id(inPresented presented: String) -> Substring? {
        let utf8 = presented.utf8
        guard utf8.count == prefix.utf8.count + 1 + idLength + 1 + secretBytes * 2, utf8.starts(with: prefix.utf8),
              utf8[utf8.index(utf8.startIndex, offsetBy: prefix.utf8.count)] == UInt8(ascii: "_") else { return nil }
        let start = utf8.index(utf8.startIndex, offsetBy: prefix.utf8.count + 1)
        return Substring(utf8[start..<utf8.index(start, offsetBy: idLength)])
    }

    /// Whether `text` is shaped like a key id (for id arguments such as `RevokeKey`).
    public static func isValidID(_ text: String) -> Bool {
        text.count == idLength && text.allSatisfy(\.isLowercaseHexDigit)
    }

    private init(uncheckedID id: String, secret: String) {
        self.id = id
        self.secret = secret
    }

    /// The full key, as the caller sends it. Never log it.
    public var presented: String { "\(Self.prefix)_\(id)_\(secret)" }

    /// What is stored instead of the secret: SHA-256 of the whole presented key, in hex. Keys are
    /// high-entropy, so a fast hash suffices (no password KDF on every call).
    public var hash: String { Self.hash(of: presented) }

    static func hash(of presented: String) -> String {
        lowercaseHex(SHA256.hash(data: Data(presented.utf8)))
    }

    /// Only the id: printing a key by accident must not leak its secret.
    public var description: String { "hk_\(id)_…" }

    private static func randomHex(bytes: Int, using generator: inout SystemRandomNumberGenerator) -> String {
        lowercaseHex((0..<bytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// Two lowercase hex digits per byte, written straight into UTF-8 (the hash is computed on
    /// every authenticated call).
    private static func lowercaseHex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

public enum APIKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case unknownScope(String)

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed API key: \(reason)"
        case .unknownScope(let name):
            "unknown scope '\(name)' (valid: \(Scope.allCases.map(\.rawValue).sorted().joined(separator: ", ")))"
        }
    }
}

extension Character {
    var isLowercaseHexDigit: Bool { ("0"..."9").contains(self) || ("a"..."f").contains(self) }
}
