import Foundation

/// Whether a service checks API keys on its calls, and against which keys. The executables never
/// run `off` unless told to (`--insecure-no-auth`); in-process assemblies built by tests for
/// other concerns may.
public struct CallAuthentication: Sendable {
    /// The keys calls are checked against; nil: every call is let through.
    public let keys: (any KeyRingSource)?
    /// Whether `/metrics` needs a key with `metrics:read` (else it is open, for scrapers).
    public let metricsRequireKey: Bool

    /// No checks at all.
    public static let off = CallAuthentication(keys: nil, metricsRequireKey: false)

    /// Every call but the open ones must present a key from `source`.
    public static func keys(_ source: any KeyRingSource, metricsRequireKey: Bool = false) -> CallAuthentication {
        CallAuthentication(keys: source, metricsRequireKey: metricsRequireKey)
    }

    private init(keys: (any KeyRingSource)?, metricsRequireKey: Bool) {
        self.keys = keys
        self.metricsRequireKey = metricsRequireKey
    }
}

/// The credential in an `authorization` value: `Bearer <key>`, or HTTP Basic with the key id as
/// user and the secret as password (what Confluent clients send with `basic.auth.user.info`),
/// which presents `hk_<user>_<password>`. Anything else is passed on as is, to be refused as malformed.
public enum PresentedCredential {
    public static func key(inAuthorization value: String?) -> String? {
        if let value, let credential = plainBearer(value) { return credential }
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { return value }
        let scheme = parts[0].lowercased(), credential = parts[1].trimmingCharacters(in: .whitespaces)
        switch scheme {
        case "bearer":
            return credential
        case "basic":
            guard let decoded = Data(base64Encoded: credential).map({ String(decoding: $0, as: UTF8.self) }),
                  let colon = decoded.firstIndex(of: ":") else { return value }
            return "hk_\(decoded[..<colon])_\(decoded[decoded.index(after: colon)...])"
        default:
            return value
        }
    }

    /// The credential of `Bearer <credential>` as Herald's clients send it, on every call: no
    /// whitespace around the credential, so the general parse (trimming, splitting, lower-casing
    /// the scheme) would return the same. Nil for anything else.
    private static func plainBearer(_ value: String) -> String? {
        let prefix = "Bearer ".utf8
        guard value.utf8.starts(with: prefix) else { return nil }
        let credential = value.utf8.dropFirst(prefix.count)
        guard let first = credential.first, let last = credential.last, isVisibleASCII(first), isVisibleASCII(last) else { return nil }
        return String(Substring(credential))
    }

    private static func isVisibleASCII(_ byte: UInt8) -> Bool { (0x21...0x7E).contains(byte) }
}
