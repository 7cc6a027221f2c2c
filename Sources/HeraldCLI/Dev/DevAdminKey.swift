import Foundation
import HeraldCore

/// The admin key of `herald dev`: made on first start and kept in `.herald/dev-admin-key` (mode
/// 0600), where every `herald` command finds it when given no `--api-key`, so local development
/// runs with authentication on without anyone copying keys around.
enum DevAdminKey {
    static let path = ".herald/dev-admin-key"

    /// The key in `path`, or a new one written there; `created` says which (the new key is printed once).
    static func loadOrCreate(at path: String = path) throws -> (key: APIKey, created: Bool) {
        if FileManager.default.fileExists(atPath: path) {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            do { return (try APIKey(parsing: line.trimmingCharacters(in: .whitespaces)), false) } catch {
                throw DevAdminKeyError(path: path, reason: "\(error.description); delete it to have a new key made")
            }
        }
        let key = APIKey.generate()
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.createFile(
            atPath: path, contents: Data((key.presented + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw DevAdminKeyError(path: path, reason: "cannot create it")
        }
        return (key, true)
    }
}

struct DevAdminKeyError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "\(path): \(reason)" }
}
