import Foundation
import GRPCCore
import HeraldCore
import Hummingbird
import Logging
import Mustache
import NIOCore

/// What every page handler shares: the service clients, the sessions, the templates, and the steps
/// each request goes through (a valid session; for a write, the CSRF token and the scope).
struct Console: Sendable {
    let clients: ServiceClients
    let metrics: MetricsReader
    let sessions: SessionStore
    let cookie: SessionCookie
    let sessionLifetime: Duration
    let templates: MustacheLibrary
    let logger: Logger

    /// What the page frame shows around a page's own body.
    struct Frame {
        let title: String
        let signedIn: Bool
        /// No scopes when signed out: the navigation then shows nothing.
        let controls: ConsoleControls
        let csrf: String
        let keyID: String
        let notice: String?
        let error: String?
        let body: String
    }

    /// `template` rendered with `view`, inside the page frame.
    func page(
        _ title: String, _ template: String, _ view: Any, session: ConsoleSession?,
        notice: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok
    ) -> Response {
        let body = templates.render(view, withTemplate: template) ?? ""
        let frame = Frame(
            title: title, signedIn: session != nil, controls: ConsoleControls(scopes: session?.scopes ?? []),
            csrf: session?.csrfToken ?? "", keyID: session?.keyID ?? "", notice: notice, error: error, body: body)
        let html = templates.render(frame, withTemplate: "layout") ?? ""
        return Response(status: status, headers: Self.htmlHeaders, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A page reached by the redirect after a form post: the post's outcome comes in the query
    /// (`notice` or `error`), so reloading the page never sends the form again.
    func page(_ title: String, _ template: String, _ view: Any, session: ConsoleSession, after request: Request) -> Response {
        let query = request.uri.queryParameters
        return page(title, template, view, session: session, notice: query.get("notice"), error: query.get("error"))
    }

    static let htmlHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .cacheControl: "no-store",
        // Scripts and styles only from the console itself; no framing by other sites.
        .init("Content-Security-Policy")!: "default-src 'self'; frame-ancestors 'none'",
        .init("X-Content-Type-Options")!: "nosniff",
    ]

    static func redirect(_ location: String, setCookie: String? = nil) -> Response {
        var headers: HTTPFields = [.location: location]
        if let setCookie { headers[.setCookie] = setCookie }
        return Response(status: .seeOther, headers: headers)
    }

    func check(_ request: Request) -> SessionCheck {
        let token = SessionCookie.token(inCookieHeaders: request.headers[values: .cookie])
        return SessionCheck(sessions.session(token), now: Date())
    }

    /// Runs `body` for a signed-in user; otherwise sends them to sign in. A service's refusal
    /// becomes the page's error message, the service's own words.
    func signedIn(_ request: Request, _ title: String, _ body: (ConsoleSession) async throws -> Response) async -> Response {
        switch check(request) {
        case .missing:
            return Self.redirect("/signin")
        case .expired:
            return Self.redirect("/signin?expired=1", setCookie: cookie.clearing)
        case .valid(let session):
            do {
                return try await body(session)
            } catch {
                return page(title, "empty", [String: String](), session: session, error: Self.describe(error), status: Self.status(of: error))
            }
        }
    }

    /// A form post: signed in, carrying the session's CSRF token, and (for `write`) made with a key
    /// holding its scope. `body` gets the decoded form.
    func post(
        _ request: Request, _ title: String, write: ConsoleControls.Write?,
        _ body: @escaping (ConsoleSession, FormBody) async throws -> Response
    ) async -> Response {
        var request = request
        let form: FormBody
        do {
            form = FormBody(String(buffer: try await request.collectBody(upTo: 256 * 1024)))
        } catch {
            return page(title, "empty", [String: String](), session: nil, error: "The form could not be read.", status: .badRequest)
        }
        return await signedIn(request, title) { session in
            guard CSRFCheck.accepts(submitted: form["csrf"], expected: session.csrfToken) else {
                logger.warning("Form refused: CSRF token missing or wrong", metadata: ["herald.key.id": "\(session.keyID)"])
                return page(title, "empty", [String: String](), session: session,
                    error: "This form is out of date or did not come from the console; reload the page and try again.", status: .forbidden)
            }
            if let write, !ConsoleControls(scopes: session.scopes).permits(write) {
                return page(title, "empty", [String: String](), session: session,
                    error: "Your API key lacks the scope '\(write.scope.rawValue)' this change needs.", status: .forbidden)
            }
            return try await body(session, form)
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? RPCError {
            if error.code == .unavailable { return "A Herald service could not be reached: \(error.message)" }
            return "\(error.code): \(error.message)"
        }
        return "\(error)"
    }

    static func status(of error: any Error) -> HTTPResponse.Status {
        switch (error as? RPCError)?.code {
        case .permissionDenied?: .forbidden
        case .unauthenticated?: .unauthorized
        case .notFound?: .notFound
        case .invalidArgument?: .badRequest
        default: .badGateway
        }
    }
}
