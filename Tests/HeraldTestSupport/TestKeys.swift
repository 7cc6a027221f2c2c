public import Foundation
public import GRPCCore
public import HeraldCore
import HeraldRuntime

/// One admin API key per test process: every Herald executable a test starts accepts it (its
/// bootstrap key file) and sends it on its own calls (`HERALD_API_KEY`), and every test client
/// sends it, so suites about other things run with authentication on and never mention keys.
/// In-process assemblies check no keys unless a test says so; sending the key to them is harmless.
public enum TestKeys {
    public static let admin = APIKey.generate()

    /// A file holding `admin`, as `--bootstrap-key-file` reads it.
    public static let bootstrapFile: String = {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("herald-test-admin-\(ProcessInfo.processInfo.processIdentifier).key").path
        _ = FileManager.default.createFile(
            atPath: path, contents: Data("# admin key of one test process\n\(admin.presented)\n".utf8), attributes: [.posixPermissions: 0o600])
        return path
    }()

    /// What a child Herald process needs to accept and send `admin`.
    public static var environment: [String: String] {
        ["HERALD_BOOTSTRAP_KEY_FILE": bootstrapFile, "HERALD_API_KEY": admin.presented]
    }

    /// Client interceptors sending `admin`.
    public static var interceptors: [any ClientInterceptor] { APIKeyClientInterceptor.sending(admin.presented) }

    /// `authorization` header value sending `admin` to a REST route.
    public static var bearer: String { "Bearer \(admin.presented)" }
}
