public import Foundation

/// The admin keys a new cluster starts from: a file with one `hk_…` key per line as
/// `herald key generate` prints them (blank lines and `#` comments allowed). Each becomes a
/// `KeyRecord` holding every scope and only the key's hash, so the secret leaves memory with the
/// file's text.
public enum BootstrapKeys {
    /// The name every bootstrap record carries in `ListKeys` and logs.
    public static let recordName = "bootstrap"

    /// The records for the keys in `text` (the contents of `file`, named in errors).
    public static func records(parsing text: String, file: String, createdAt: Date) throws(BootstrapKeyError) -> [KeyRecord] {
        var records: [KeyRecord] = []
        var seen: [String: Int] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            let content = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if content.isEmpty || content.hasPrefix("#") { continue }
            let key: APIKey
            do { key = try APIKey(parsing: content) } catch { throw BootstrapKeyError(file: file, line: line, reason: error.description) }
            if let first = seen[key.id] {
                throw BootstrapKeyError(file: file, line: line, reason: "key id \(key.id) is already on line \(first)")
            }
            seen[key.id] = line
            records.append(KeyRecord(key: key, name: recordName, scopes: Set(Scope.allCases), createdAt: createdAt))
        }
        guard !records.isEmpty else {
            throw BootstrapKeyError(file: file, line: nil, reason: "no key in it (one hk_<id>_<secret> per line, as `herald key generate` prints)")
        }
        return records
    }
}

/// Why a bootstrap key file was refused, naming the file and, when one is at fault, the line.
public struct BootstrapKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let reason: String

    public init(file: String, line: Int?, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String {
        "bootstrap key file \(file)\(line.map { " line \($0)" } ?? ""): \(reason)"
    }
}
