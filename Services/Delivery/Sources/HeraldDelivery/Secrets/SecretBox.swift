import Crypto
import Foundation

/// Encrypts endpoint secrets at rest (AES-GCM, 256-bit master keys). Stored form:
/// `aesgcm:<master key id>:` + base64 of nonce ‖ ciphertext ‖ tag, sealed with the newest key.
/// The form without an id (`aesgcm:` + base64), written by earlier versions and still in users'
/// topics, opens with whichever configured key authenticates it.
public struct SecretBox: Sendable {
    static let storedPrefix = "aesgcm:"
    public let keys: MasterKeys
    private let symmetricKeys: [String: SymmetricKey]

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public init(keys: MasterKeys) {
        self.keys = keys
        self.symmetricKeys = Dictionary(uniqueKeysWithValues: keys.keys.map { ($0.id, SymmetricKey(data: $0.bytes)) })
    }

    /// One key, with the id of a key written without one.
    /// - Parameter key: 32 bytes.
    public init(key: [UInt8]) throws(Failure) {
        do { self.init(keys: try MasterKeys([.init(id: MasterKeys.fingerprintID(key), bytes: key)])) } catch {
            throw Failure(description: "the secret key must be 32 bytes, got \(key.count)")
        }
    }

    public func seal(_ plaintext: String) throws -> String {
        let newest = keys.newest
        let box = try AES.GCM.seal(Array(plaintext.utf8), using: SymmetricKey(data: newest.bytes))
        guard let combined = box.combined else { throw Failure(description: "AES-GCM produced no combined form") }
        return Self.storedPrefix + newest.id + ":" + combined.base64EncodedString()
    }

    public func open(_ stored: String) throws -> String {
        guard stored.hasPrefix(Self.storedPrefix) else { throw Failure(description: "stored secret is not in the aesgcm: form") }
        let rest = stored.dropFirst(Self.storedPrefix.count)
        // Base64 has no ':', so a ':' means the form with a key id.
        let (id, encoded): (String?, Substring) = if let colon = rest.firstIndex(of: ":") {
            (String(rest[..<colon]), rest[rest.index(after: colon)...])
        } else {
            (nil, rest)
        }
        guard let combined = Data(base64Encoded: String(encoded)), let sealed = try? AES.GCM.SealedBox(combined: combined) else {
            throw Failure(description: "stored secret is not in the aesgcm: form")
        }
        if let id {
            guard let key = symmetricKeys[id] else {
                throw Failure(description: "sealed with master key '\(id)', which is not among this instance's keys (\(keyList))")
            }
            return String(decoding: try AES.GCM.open(sealed, using: key), as: UTF8.self)
        }
        for key in keys.keys.reversed() {
            if let plaintext = try? AES.GCM.open(sealed, using: symmetricKeys[key.id]!) { return String(decoding: plaintext, as: UTF8.self) }
        }
        throw Failure(description: "sealed without a key id, and none of this instance's master keys (\(keyList)) opens it")
    }

    /// The id of the master key a stored secret was sealed with; nil for the form without one.
    public static func keyID(of stored: String) -> String? {
        guard stored.hasPrefix(storedPrefix) else { return nil }
        let rest = stored.dropFirst(storedPrefix.count)
        return rest.firstIndex(of: ":").map { String(rest[..<$0]) }
    }

    private var keyList: String { keys.keys.map(\.id).joined(separator: ", ") }

    /// Where the master keys come from.
    public enum KeySource: Sendable, Hashable {
        /// The text form itself (`HERALD_SECRET_KEY`).
        case inline(String)
        /// A key file (`--secret-key-file`).
        case file(String)
        /// `herald dev`: a key file under `.herald/`, created with one key on first use.
        case developmentFile(String)

        /// A fresh random key, for a process whose endpoints live only as long as it does (benchmarks).
        public static func random() -> KeySource { .inline(MasterKeys.generateLine(id: "random")) }
    }

    /// Loads (or, for `.developmentFile`, creates) the keys.
    public static func load(_ source: KeySource) throws -> SecretBox {
        switch source {
        case .inline(let text):
            return SecretBox(keys: try MasterKeys(parsing: text, origin: "HERALD_SECRET_KEY"))
        case .file(let path):
            return SecretBox(keys: try MasterKeys(parsing: try readKeyFile(path), origin: path))
        case .developmentFile(let path):
            if !FileManager.default.fileExists(atPath: path) {
                let url = URL(fileURLWithPath: path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data((MasterKeys.generateLine(id: "dev-1") + "\n").utf8).write(to: url, options: .withoutOverwriting)
                try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            }
            return SecretBox(keys: try MasterKeys(parsing: try readKeyFile(path), origin: path))
        }
    }

    private static func readKeyFile(_ path: String) throws(Failure) -> String {
        do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw Failure(description: "--secret-key-file \(path): cannot read it: \(error.localizedDescription)")
        }
    }
}
