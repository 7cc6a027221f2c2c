public import ArgumentParser
public import Foundation
public import HeraldCore

/// How a service checks the API keys of its callers: `--bootstrap-key-file`, `--insecure-no-auth`,
/// `--metrics-require-key` (each also `HERALD_` + upper-case name). Without keys a service refuses
/// to start, unless explicitly run without authentication.
public struct AuthOptions: ParsableArguments, Sendable {
    @Option(help: """
        File of admin API keys a new cluster starts from: one hk_<id>_<secret> per line as `herald key generate` \
        prints them (blank lines and # comments allowed). Each holds every scope; only their hashes are kept. \
        Env: HERALD_BOOTSTRAP_KEY_FILE.
        """)
    public var bootstrapKeyFile = HeraldEnvironment.string("bootstrap-key-file", default: "")

    @Flag(help: """
        Check no API key at all: anyone who reaches a port may do anything. For a closed test network only; \
        a warning is logged every minute while it runs. Env: HERALD_INSECURE_NO_AUTH.
        """)
    public var insecureNoAuth = HeraldEnvironment.bool("insecure-no-auth", default: false)

    @Flag(help: "Require a key with metrics:read for /metrics (default: open to scrapers). Env: HERALD_METRICS_REQUIRE_KEY.")
    public var metricsRequireKey = HeraldEnvironment.bool("metrics-require-key", default: false)

    public init() {}

    public func validate() throws {
        if insecureNoAuth, !bootstrapKeyFile.isEmpty {
            throw ValidationError("--insecure-no-auth and --bootstrap-key-file contradict each other: give one")
        }
    }

    /// The bootstrap keys (nil without a file), read and checked now; only hashes stay in memory.
    public func bootstrapRing(now: Date = .now) throws -> KeyRing? {
        guard !bootstrapKeyFile.isEmpty else { return nil }
        let text: String
        do { text = try String(contentsOfFile: bootstrapKeyFile, encoding: .utf8) } catch {
            throw ValidationError("--bootstrap-key-file \(bootstrapKeyFile): cannot read it (\(error.localizedDescription))")
        }
        do { return KeyRing(try BootstrapKeys.records(parsing: text, file: bootstrapKeyFile, createdAt: now)) } catch {
            throw ValidationError(error.description)
        }
    }

    /// How calls are checked: against the bootstrap keys, or not at all with `--insecure-no-auth`.
    /// Without either the service must not start, and the error says how to give it keys.
    public func authentication() throws -> CallAuthentication {
        if insecureNoAuth { return .off }
        guard let ring = try bootstrapRing(), !ring.isEmpty else { throw NoAPIKeysConfigured() }
        return .keys(StaticKeyRing(ring), metricsRequireKey: metricsRequireKey)
    }
}

/// A service asked to start with no key to check calls against.
public struct NoAPIKeysConfigured: Error, CustomStringConvertible {
    public init() {}

    public var description: String {
        """
        no API keys configured, and Herald refuses calls it cannot authenticate. Generate an admin key with \
        `herald key generate > admin.key`, then start with --bootstrap-key-file admin.key (or HERALD_BOOTSTRAP_KEY_FILE); \
        or, on a closed test network only, --insecure-no-auth (HERALD_INSECURE_NO_AUTH=1)
        """
    }
}
