public import GRPCCore
public import HeraldCore

/// What sign-in concludes from probing a key: for each scope the console uses, one call that needs
/// exactly that scope (a write probe sends a request the service refuses as invalid, so it changes
/// nothing). The services' answers say which scopes the key holds — the console learns them through
/// the public API, as any client could, and never stores more than the key itself.
public enum SignInDecision: Equatable, Sendable {
    case signedIn(Set<Scope>)
    case refused(String)

    /// `outcomes` holds, per probed scope, nil for a call that succeeded or the code it failed with.
    public init(key: String, outcomes: [Scope: RPCError.Code?]) {
        guard key.hasPrefix("hk_"), key.split(separator: "_").count == 3 else {
            self = .refused("That is not an API key: keys look like hk_<id>_<secret>.")
            return
        }
        if outcomes.values.contains(where: { $0 == .unauthenticated }) {
            self = .refused("The services do not accept this key (unknown, revoked or mistyped).")
            return
        }
        var held = Set<Scope>()
        var unreachable = 0
        for (scope, outcome) in outcomes {
            switch outcome {
            case .permissionDenied?: continue
            case .unavailable?, .deadlineExceeded?: unreachable += 1
            // Success, or a refusal of the probe's deliberately invalid request: the key passed the scope check.
            default: held.insert(scope)
            }
        }
        if held.isEmpty {
            self = .refused(unreachable > 0
                ? "The services could not be reached to check this key; try again when they are up."
                : "This key holds none of the scopes the console uses.")
            return
        }
        self = .signedIn(held)
    }
}
