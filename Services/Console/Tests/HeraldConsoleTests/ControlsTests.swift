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

    @Test func signInLearnsTheScopesFromTheServicesAnswers() {
        let outcomes: [Scope: RPCError.Code?] = [
            .routesRead: nil, .routesWrite: .permissionDenied, .endpointsRead: nil, .endpointsWrite: .invalidArgument,
            .deliveriesRead: .permissionDenied, .deliveriesRedrive: .permissionDenied, .schemasRead: .notFound,
        ]
        #expect(SignInDecision(key: "hk_0123456789abcdef_s", outcomes: outcomes) == .signedIn([.routesRead, .endpointsRead, .endpointsWrite, .schemasRead]))
    }

    @Test func signInRefusesUnknownKeysKeysWithoutScopesAndUnreachableServices() {
        let key = "hk_0123456789abcdef_s"
        guard case .refused = SignInDecision(key: key, outcomes: [.routesRead: .unauthenticated, .routesWrite: .unauthenticated]) else {
            Issue.record("an unknown key signed in"); return
        }
        guard case .refused(let none) = SignInDecision(key: key, outcomes: [.routesRead: .permissionDenied]) else {
            Issue.record("a key without scopes signed in"); return
        }
        #expect(none.contains("none of the scopes"))
        guard case .refused(let down) = SignInDecision(key: key, outcomes: [.routesRead: .unavailable]) else {
            Issue.record("signed in while the services were down"); return
        }
        #expect(down.contains("could not be reached"))
        guard case .refused(let malformed) = SignInDecision(key: "password", outcomes: [:]) else {
            Issue.record("a malformed key signed in"); return
        }
        #expect(malformed.contains("hk_"))
    }
}
