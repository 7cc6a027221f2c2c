import Crypto
import Foundation

/// The master keys that seal endpoint secrets, oldest first: the newest seals, every one opens, so
/// a new key is added as the last line and the old ones stay until nothing sealed with them is left.
///
/// Text form (the `--secret-key-file`, or `HERALD_SECRET_KEY` itself): one key per line,
/// `<id> <base64 of 32 bytes>`; entries may also be separated by `;` (for an environment variable);
/// blank lines and lines starting with `#` are ignored. The id is 1–64 of `[A-Za-z0-9._-]` and is
/// written beside every secret the key seals. A line holding only a key (the single-key form of
/// earlier versions) gets the id `fp-` + the first 8 hex digits of the key's SHA-256, so it stays
/// stable wherever that key is written.
public struct MasterKeys: Sendable {
    public struct Key: Sendable {
        public let id: String
        public let bytes: [UInt8]
    }

    /// Oldest first; never empty.
    public let keys: [Key]

    /// The key that seals.
    public var newest: Key { keys[keys.count - 1] }

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public init(_ keys: [Key]) throws(Invalid) {
        guard !keys.isEmpty else { throw Invalid(description: "no master key given") }
        var seen: Set<String> = []
        for key in keys {
            guard Self.isValidID(key.id) else { throw Invalid(description: "master key id '\(key.id)': must be 1–64 of letters, digits, '.', '_', '-'") }
            guard key.bytes.count == 32 else { throw Invalid(description: "master key '\(key.id)': must be 32 bytes, got \(key.bytes.count)") }
            guard seen.insert(key.id).inserted else { throw Invalid(description: "master key id '\(key.id)' appears twice") }
        }
        self.keys = keys
    }

    /// Parses the text form; `origin` names where the text came from in errors.
    public init(parsing text: String, origin: String) throws(Invalid) {
        var keys: [Key] = []
        let entries = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == ";" }
        for (index, entry) in entries.enumerated() {
            let line = entry.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            let (id, encoded): (String?, String) = switch fields.count {
            case 1: (nil, fields[0])
            case 2: (fields[0], fields[1])
            default: throw Invalid(description: "\(origin): entry \(index + 1): expected '<id> <base64 key>', got \(fields.count) fields")
            }
            guard let bytes = Data(base64Encoded: encoded), bytes.count == 32 else {
                throw Invalid(description: "\(origin): entry \(index + 1): the key must be base64 of 32 bytes")
            }
            keys.append(Key(id: id ?? Self.fingerprintID(Array(bytes)), bytes: Array(bytes)))
        }
        guard !keys.isEmpty else { throw Invalid(description: "\(origin): holds no master key ('<id> <base64 of 32 bytes>' per line)") }
        do { try self.init(keys) } catch { throw Invalid(description: "\(origin): \(error.description)") }
    }

    /// A line of the text form with a fresh random key.
    public static func generateLine(id: String) -> String {
        "\(id) \(Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString())"
    }

    /// The id a key written without one gets.
    public static func fingerprintID(_ bytes: [UInt8]) -> String {
        "fp-" + SHA256.hash(data: bytes).prefix(4).map { String(format: "%02x", $0) }.joined()
    }

    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }
}
