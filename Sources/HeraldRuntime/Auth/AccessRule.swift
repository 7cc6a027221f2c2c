public import HeraldCore

/// What a call needs to be let through: nothing (health, reflection, `/healthz`), any valid API
/// key whatever its scopes (a key asking about itself), or an API key holding one scope.
public enum AccessRule: Hashable, Sendable, CustomStringConvertible {
    case open
    case anyKey
    case requires(Scope)

    public var description: String {
        switch self {
        case .open: "open"
        case .anyKey: "any valid key"
        case .requires(let scope): scope.rawValue
        }
    }
}

/// The outcome of checking one call against its rule and the current keys: a value, so the gRPC
/// interceptor and the HTTP middleware only carry it out and the table of outcomes is tested
/// without a server.
public enum AccessDecision: Equatable, Sendable {
    /// Let through without a key (an open rule); nothing is bound for the handler.
    case open
    /// Let through as this key.
    case allowed(Principal, credential: String)
    /// No usable key: UNAUTHENTICATED / 401. Unknown and revoked keys read the same to the caller.
    case unauthenticated(AuthenticationFailure)
    /// A valid key without the scope: PERMISSION_DENIED / 403.
    case denied(missing: Scope, keyID: String)
    /// The call has no rule at all: refused whatever the key (fail closed), PERMISSION_DENIED / 403.
    case unlisted(String)

    /// Decides `call` (its method or route, for the message) under `rule` for `presented`.
    public static func decide(call: String, rule: AccessRule?, presented: String?, ring: KeyRing) -> AccessDecision {
        if rule == .open { return .open }
        let principal: Principal
        switch ring.authenticate(presented) {
        case .failure(let failure): return .unauthenticated(failure)
        case .success(let authenticated): principal = authenticated
        }
        switch rule {
        case .anyKey?:
            return .allowed(principal, credential: presented ?? "")
        case .requires(let scope)?:
            guard principal.has(scope) else { return .denied(missing: scope, keyID: principal.keyID) }
            return .allowed(principal, credential: presented ?? "")
        case .open?, nil:
            return .unlisted(call)
        }
    }

    /// What the caller is told when refused; nil when let through. Unknown and revoked keys get
    /// the same words, so a caller cannot learn which ids once existed.
    public var refusal: String? {
        switch self {
        case .open, .allowed: nil
        case .unauthenticated(.missing): "no API key: send 'authorization: Bearer hk_…' (gRPC) or HTTP Basic/Bearer (REST)"
        case .unauthenticated(.malformed): "malformed API key: a key looks like hk_<id>_<secret>"
        case .unauthenticated(.unknown), .unauthenticated(.revoked): "API key not accepted: unknown or revoked"
        case .denied(let scope, let keyID): "API key \(keyID) lacks the scope '\(scope.rawValue)'"
        case .unlisted(let call): "\(call) has no access rule in this service, so it is refused"
        }
    }
}

/// The key a call was authenticated with, for the handler: who it runs as (publish narrowing)
/// and the credential itself (a registry follower forwards it to the leader, which checks it
/// again); `CallerKey.id` reads its id. Bound by the interceptor and middleware that check keys,
/// as one task-local value: every call binds it, and each binding costs the call a task-local push.
public enum CallerPrincipal {
    struct Binding: Sendable {
        let principal: Principal
        let credential: String
    }

    @TaskLocal static var binding: Binding?

    /// nil for open calls and for services run with `--insecure-no-auth`.
    public static var current: Principal? { binding?.principal }
    /// The presented `hk_…` key of the call; never log it.
    public static var credential: String? { binding?.credential }

    /// Runs `body` as `principal` (and so with `CallerKey.id` set to its id).
    public static func with<Value>(
        _ principal: Principal, credential: String, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> Value
    ) async rethrows -> Value {
        try await $binding.withValue(Binding(principal: principal, credential: credential)) { try await body() }
    }
}
