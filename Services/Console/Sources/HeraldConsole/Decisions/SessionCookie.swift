import Foundation

/// The session cookie's `Set-Cookie` values and how a request's `Cookie` header is read.
///
/// HttpOnly keeps the token from page scripts, SameSite=Strict keeps other sites' requests from
/// carrying it, Secure (whenever the console serves TLS) keeps it off plaintext connections.
public struct SessionCookie: Sendable, Equatable {
    public static let name = "herald_console_session"

    public let secure: Bool

    public init(secure: Bool) {
        self.secure = secure
    }

    /// The header that sets `token` for `maxAgeSeconds`.
    public func setting(_ token: String, maxAgeSeconds: Int64) -> String {
        attributes("\(Self.name)=\(token)", maxAge: maxAgeSeconds)
    }

    /// The header that removes the cookie (sign-out, an expired session).
    public var clearing: String { attributes("\(Self.name)=", maxAge: 0) }

    private func attributes(_ pair: String, maxAge: Int64) -> String {
        pair + "; Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    /// The session token in a request's `Cookie` header values, if any.
    public static func token(inCookieHeaders headers: [String]) -> String? {
        for header in headers {
            for pair in header.split(separator: ";") {
                let trimmed = pair.trimmingCharacters(in: .whitespaces)
                guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == name else { continue }
                let value = trimmed[trimmed.index(after: equals)...]
                if !value.isEmpty { return String(value) }
            }
        }
        return nil
    }
}
