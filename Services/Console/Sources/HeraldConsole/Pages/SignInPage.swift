import Foundation
import GRPCCore
import HeraldCore
import Hummingbird
import Logging
import NIOCore

/// `/signin` and `/signout`.
struct SignInPage {
    let console: Console

    func register(on router: Router<BasicRequestContext>) {
        router.get("signin") { request, _ -> Response in
            let expired = request.uri.queryParameters.get("expired") != nil
            return console.page("Sign in", "signin", [String: String](), session: nil,
                notice: expired ? "Your session ended; sign in again." : nil)
        }
        router.post("signin") { request, _ -> Response in
            var request = request
            let form = FormBody(String(buffer: try await request.collectBody(upTo: 16 * 1024)))
            let key = form["key"] ?? ""
            // A text that is no key is refused without asking the registry anything.
            let answer = key.hasPrefix("hk_") ? await KeyIdentity(clients: console.clients).answer(key: key) : nil
            switch SignInDecision(key: key, answer: answer) {
            case .refused(let reason):
                return console.page("Sign in", "signin", [String: String](), session: nil, error: reason, status: .unauthorized)
            case .signedIn(let scopes):
                let session = ConsoleSession.start(key: key, scopes: scopes, now: Date(), lifetime: console.sessionLifetime)
                console.sessions.insert(session)
                console.logger.info("Signed in", metadata: ["herald.key.id": "\(session.keyID)", "scopes": "\(scopes.map(\.rawValue).sorted())"])
                return Console.redirect("/", setCookie: console.cookie.setting(session.token, maxAgeSeconds: console.sessionLifetime.components.seconds))
            }
        }
        router.post("signout") { request, _ -> Response in
            await console.post(request, "Sign out", write: nil) { session, _ in
                console.sessions.remove(session.token)
                return Console.redirect("/signin", setCookie: console.cookie.clearing)
            }
        }
    }
}
