import GRPCCore
import HeraldCore
import Testing

@testable import HeraldConsole

@Suite("What a key may see and change in the console")
struct ControlsTests {
    @Test func aReadOnlyKeySeesPagesButNoWriteControls() {
        let controls = ConsoleControls(scopes: [.routesRead, .endpointsRead, .deliveriesRead])
        #expect(controls.showsRoutes && controls.showsEndpoints && controls.showsDeliveries)
        #expect(!controls.editRoutes && !controls.editEndpoints && !controls.redrive)
        for write in ConsoleControls.Write.allCases { #expect(!controls.permits(write)) }
    }

    @Test func eachWriteNeedsItsOwnScope() {
        #expect(ConsoleControls(scopes: [.routesWrite]).permits(.putRoute))
        #expect(!ConsoleControls(scopes: [.routesWrite]).permits(.putEndpoint))
        #expect(ConsoleControls(scopes: [.endpointsWrite]).permits(.putEndpoint))
        #expect(ConsoleControls(scopes: [.deliveriesRedrive]).permits(.redrive))
        #expect(!ConsoleControls(scopes: [.deliveriesRead]).permits(.redrive))
        #expect(ConsoleControls(scopes: Set(Scope.allCases)).editRoutes)
    }

    @Test func signInTakesTheScopesWhoAmIAnswers() {
        let answer = SignInDecision.Answer.scopes(["routes:read", "endpoints:read", "endpoints:write", "schemas:read", "keys:admin", "future:scope"])
        // keys:admin is no console page and an unknown name is ignored: neither is kept.
        #expect(SignInDecision(key: "hk_0123456789abcdef_s", answer: answer) == .signedIn([.routesRead, .endpointsRead, .endpointsWrite, .schemasRead]))
    }

    @Test func signInRefusesUnknownKeysKeysWithoutScopesAndUnreachableServices() {
        let key = "hk_0123456789abcdef_s"
        guard case .refused(let unknown) = SignInDecision(key: key, answer: .failed(.unauthenticated)) else {
            Issue.record("an unknown key signed in"); return
        }
        #expect(unknown.contains("do not accept"))
        guard case .refused(let none) = SignInDecision(key: key, answer: .scopes(["events:publish", "metrics:read"])) else {
            Issue.record("a key without console scopes signed in"); return
        }
        #expect(none.contains("none of the scopes"))
        guard case .refused(let down) = SignInDecision(key: key, answer: .failed(.unavailable)) else {
            Issue.record("signed in while the registry was down"); return
        }
        #expect(down.contains("could not be reached"))
        // A registry that checks no keys (--insecure-no-auth) cannot say: every control is shown.
        #expect(SignInDecision(key: key, answer: .failed(.failedPrecondition)) == .signedIn(SignInDecision.consoleScopes))
        guard case .refused(let malformed) = SignInDecision(key: "password", answer: nil) else {
            Issue.record("a malformed key signed in"); return
        }
        #expect(malformed.contains("hk_"))
    }
}
