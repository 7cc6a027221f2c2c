import Foundation
import HeraldCore
import Testing

@testable import HeraldConsole

@Suite("Console sessions, cookies and CSRF")
struct SessionTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aSessionIsValidUntilItsLifetimeEnds() {
        let session = ConsoleSession.start(key: "hk_0123456789abcdef_secret", scopes: [.routesRead], now: now, lifetime: .seconds(60))
        #expect(SessionCheck(session, now: now) == .valid(session))
        #expect(SessionCheck(session, now: now.addingTimeInterval(59)) == .valid(session))
        #expect(SessionCheck(session, now: now.addingTimeInterval(60)) == .expired)
        #expect(SessionCheck(nil, now: now) == .missing)
    }

    @Test func sessionsGetDistinctTokensAndShowOnlyTheKeyID() {
        let first = ConsoleSession.start(key: "hk_0123456789abcdef_secret", scopes: [], now: now, lifetime: .seconds(60))
        let second = ConsoleSession.start(key: "hk_0123456789abcdef_secret", scopes: [], now: now, lifetime: .seconds(60))
        #expect(first.token != second.token)
        #expect(first.csrfToken != first.token)
        #expect(first.token.count == 64)
        #expect(first.keyID == "0123456789abcdef")
        #expect(!first.token.contains("secret"))
    }

    @Test(arguments: [
        ("abc", "abc", true), ("abd", "abc", false), ("ab", "abc", false), ("abcd", "abc", false), ("", "abc", false), ("", "", false),
    ])
    func csrfTokenMustMatchExactly(submitted: String, expected: String, accepted: Bool) {
        #expect(CSRFCheck.accepts(submitted: submitted, expected: expected) == accepted)
    }

    @Test func aMissingCSRFTokenIsRefused() {
        #expect(!CSRFCheck.accepts(submitted: nil, expected: "abc"))
    }

    @Test func theCookieIsHttpOnlyStrictAndSecureOnlyOverTLS() {
        let plain = SessionCookie(secure: false).setting("t0k", maxAgeSeconds: 3600)
        #expect(plain == "herald_console_session=t0k; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict")
        let tls = SessionCookie(secure: true).setting("t0k", maxAgeSeconds: 3600)
        #expect(tls.hasSuffix("; HttpOnly; SameSite=Strict; Secure"))
        #expect(SessionCookie(secure: false).clearing.contains("Max-Age=0"))
    }

    @Test func theSessionTokenIsFoundAmongOtherCookies() {
        #expect(SessionCookie.token(inCookieHeaders: ["a=1; herald_console_session=xyz; b=2"]) == "xyz")
        #expect(SessionCookie.token(inCookieHeaders: ["a=1", "herald_console_session=q"]) == "q")
        #expect(SessionCookie.token(inCookieHeaders: ["herald_console_session_other=xyz"]) == nil)
        #expect(SessionCookie.token(inCookieHeaders: ["herald_console_session="]) == nil)
        #expect(SessionCookie.token(inCookieHeaders: []) == nil)
    }
}
