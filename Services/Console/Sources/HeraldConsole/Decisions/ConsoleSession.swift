public import Foundation
public import HeraldCore

/// A signed-in operator: the API key they signed in with (kept only here, server-side), the scopes
/// it holds, the CSRF token every form of the session carries, and when the session ends.
public struct ConsoleSession: Sendable, Equatable {
    /// The opaque value of the session cookie; it names the session and reveals nothing about the key.
    public let token: String
    public let key: String
    public let scopes: Set<Scope>
    public let csrfToken: String
    public let expiresAt: Date

    public init(token: String, key: String, scopes: Set<Scope>, csrfToken: String, expiresAt: Date) {
        self.token = token
        self.key = key
        self.scopes = scopes
        self.csrfToken = csrfToken
        self.expiresAt = expiresAt
    }

    /// The `<id>` part of `hk_<id>_<secret>`, safe to show and to log.
    public var keyID: String {
        let parts = key.split(separator: "_")
        return parts.count == 3 ? String(parts[1]) : "?"
    }

    /// A new session for `key`, with fresh random cookie and CSRF tokens, ending `lifetime` after `now`.
    public static func start(key: String, scopes: Set<Scope>, now: Date, lifetime: Duration) -> ConsoleSession {
        ConsoleSession(
            token: randomToken(), key: key, scopes: scopes, csrfToken: randomToken(),
            expiresAt: now.addingTimeInterval(TimeInterval(lifetime.components.seconds)))
    }

    /// 32 random bytes as hex: unguessable, and safe in a cookie and a form field.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}

/// Whether a request's session cookie names a session that may act now.
public enum SessionCheck: Equatable, Sendable {
    case valid(ConsoleSession)
    /// No cookie, or one naming no session (signed out, or the console restarted).
    case missing
    /// The session existed but its lifetime is over: sign in again.
    case expired

    public init(_ session: ConsoleSession?, now: Date) {
        guard let session else { self = .missing; return }
        self = now < session.expiresAt ? .valid(session) : .expired
    }
}
