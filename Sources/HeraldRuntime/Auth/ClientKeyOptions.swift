public import ArgumentParser
import Foundation
import HeraldCore

/// The API key a process sends on its own calls to another Herald service (the producer and
/// delivery to the registry, every `herald` command): `--api-key` or, kept out of process
/// listings, `--api-key-file` (each also `HERALD_API_KEY`, `HERALD_API_KEY_FILE`).
public struct ClientKeyOptions: ParsableArguments, Sendable {
    @Option(help: "API key (hk_<id>_<secret>) sent with calls to other Herald services. Env: HERALD_API_KEY.")
    public var apiKey = HeraldEnvironment.string("api-key", default: "")

    @Option(help: "File holding the API key to send (its first line), instead of --api-key. Env: HERALD_API_KEY_FILE.")
    public var apiKeyFile = HeraldEnvironment.string("api-key-file", default: "")

    public init() {}

    public func validate() throws {
        if !apiKey.isEmpty, !apiKeyFile.isEmpty { throw ValidationError("--api-key and --api-key-file: give one or neither") }
        _ = try key()
    }

    /// The key to send, nil when none is configured; a malformed one is refused naming where it came from.
    public func key(fallbackFile: String? = nil) throws -> String? {
        let (text, origin): (String, String)
        if !apiKey.isEmpty {
            (text, origin) = (apiKey, "--api-key")
        } else if let file = apiKeyFile.isEmpty ? fallbackFile : apiKeyFile {
            if apiKeyFile.isEmpty, !FileManager.default.fileExists(atPath: file) { return nil }
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw ValidationError("API key file \(file): cannot read it (\(error.localizedDescription))")
            }
            origin = "API key file \(file)"
        } else {
            return nil
        }
        let key = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        do { return try APIKey(parsing: key).presented } catch { throw ValidationError("\(origin): \(error.description)") }
    }
}
