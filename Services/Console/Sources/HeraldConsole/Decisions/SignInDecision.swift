public import GRPCCore
public import HeraldCore

/// What sign-in concludes from the registry's `herald.v1.Keys/WhoAmI` answer for a key: its scopes
/// (any valid key may ask about itself) decide which pages and write controls the console shows.
/// Nothing is probed: no call is made that needs a scope, so no refusal is logged or counted for
/// a key that simply lacks one.
public enum SignInDecision: Equatable, Sendable {
    case signedIn(Set<Scope>)
    case refused(String)

    /// The registry's answer to `WhoAmI`: the key's scope names, or the code the call failed with.
    public enum Answer: Equatable, Sendable {
        case scopes([String])
        case failed(RPCError.Code)
    }

    /// The scopes a console page needs: reads for the pages, writes for the controls.
    public static let consoleScopes: Set<Scope> = [
        .routesRead, .routesWrite, .endpointsRead, .endpointsWrite, .deliveriesRead, .deliveriesRedrive, .schemasRead, .metricsRead,
    ]

    /// `answer` is nil when nothing was asked (the text is no key).
    public init(key: String, answer: Answer?) {
        guard key.hasPrefix("hk_"), key.split(separator: "_").count == 3, let answer else {
            self = .refused("That is not an API key: keys look like hk_<id>_<secret>.")
            return
        }
        switch answer {
        case .failed(.unauthenticated):
            self = .refused("The services do not accept this key (unknown, revoked or mistyped).")
        case .failed(.unavailable), .failed(.deadlineExceeded):
            self = .refused("The registry could not be reached to check this key; try again when it is up.")
        case .failed(.failedPrecondition):
            // The registry checks no keys (--insecure-no-auth): every control is shown, and each
            // service still refuses what the key may not do if it checks keys itself.
            self = .signedIn(Self.consoleScopes)
        case .failed(let code):
            self = .refused("The registry could not describe this key (\(code)).")
        case .scopes(let names):
            // Scope names this console does not know (a newer registry's) are ignored, not fatal.
            let held = Set(names.compactMap(Scope.init(rawValue:))).intersection(Self.consoleScopes)
            // metrics:read alone shows nothing but figures: it is not enough to sign in.
            self = held.subtracting([.metricsRead]).isEmpty ? .refused("This key holds none of the scopes the console uses.") : .signedIn(held)
        }
    }
}
