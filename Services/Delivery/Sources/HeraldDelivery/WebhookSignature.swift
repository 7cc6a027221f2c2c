import Crypto
import Foundation

/// Standard Webhooks signing (docs/API.md, "The webhook request"): `v1,` + base64 HMAC-SHA256 keyed with
/// the base64-decoded part of the `whsec_` secret, over `id.timestamp.body`.
public struct WebhookSecret: Sendable, Hashable {
    public static let prefix = "whsec_"
    /// The HMAC key.
    public let key: [UInt8]

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
    }

    /// A new secret: `whsec_` + base64 of 32 random bytes.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix + Data(bytes).base64EncodedString()
    }

    /// The `webhook-signature` header value.
    public func signature(id: String, timestamp: Int64, body: [UInt8]) -> String {
        var message = Array("\(id).\(timestamp).".utf8)
        message.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
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

/// Encrypts endpoint secrets at rest (AES-GCM, 256-bit key). Stored form: `aesgcm:` + base64 of
/// nonce ‖ ciphertext ‖ tag.
public struct SecretBox: Sendable {
    static let storedPrefix = "aesgcm:"
    private let key: SymmetricKey

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// - Parameter key: 32 bytes.
    public init(key: [UInt8]) throws(Failure) {
        guard key.count == 32 else { throw Failure(description: "the secret key must be 32 bytes, got \(key.count)") }
        self.key = SymmetricKey(data: key)
    }

    public func seal(_ plaintext: String) throws -> String {
        let box = try AES.GCM.seal(Array(plaintext.utf8), using: key)
        guard let combined = box.combined else { throw Failure(description: "AES-GCM produced no combined form") }
        return Self.storedPrefix + combined.base64EncodedString()
    }

    public func open(_ stored: String) throws -> String {
        guard stored.hasPrefix(Self.storedPrefix), let combined = Data(base64Encoded: String(stored.dropFirst(Self.storedPrefix.count))) else {
            throw Failure(description: "stored secret is not in the aesgcm: form")
        }
        let plaintext = try AES.GCM.open(AES.GCM.SealedBox(combined: combined), using: key)
        return String(decoding: plaintext, as: UTF8.self)
    }

    /// Where the key comes from: `HERALD_SECRET_KEY` (base64 of 32 bytes), else a key file (same
    /// form), else in development a key generated once under `.herald/` (with a warning).
    public enum KeySource: Sendable, Hashable {
        case base64(String)
        case file(String)
        case developmentFile(String)

        /// A fresh random key, for a process whose endpoints live only as long as it does (benchmarks).
        public static func random() -> KeySource {
            .base64(Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString())
        }
    }

    /// Loads (or, for `.developmentFile`, creates) the key. Returns the box and whether a
    /// development key was used, which the caller should warn about.
    public static func load(_ source: KeySource) throws -> SecretBox {
        switch source {
        case .base64(let text):
            return try SecretBox(key: try decode(text, from: "HERALD_SECRET_KEY"))
        case .file(let path):
            let text = try String(contentsOfFile: path, encoding: .utf8)
            return try SecretBox(key: try decode(text, from: path))
        case .developmentFile(let path):
            if FileManager.default.fileExists(atPath: path) {
                return try SecretBox(key: try decode(try String(contentsOfFile: path, encoding: .utf8), from: path))
            }
            let key = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
            let url = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data((Data(key).base64EncodedString() + "\n").utf8).write(to: url, options: .withoutOverwriting)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            return try SecretBox(key: key)
        }
    }

    private static func decode(_ text: String, from origin: String) throws(Failure) -> [UInt8] {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Failure(description: "\(origin): the secret key must be base64 of 32 bytes")
        }
        return Array(data)
    }
}
