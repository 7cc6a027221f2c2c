public import GRPCCore

/// Checks the API key of every RPC against the service's `RPCAccessTable`: the key comes as
/// `authorization: Bearer hk_…` metadata; no, malformed, unknown or revoked keys get
/// UNAUTHENTICATED, a key without the method's scope (or a method without a rule) PERMISSION_DENIED
/// naming it. An accepted call runs as its key (`CallerPrincipal`, `CallerKey.id`), streaming
/// bodies included (they run after `next` returns, outside its scope).
public struct APIKeyInterceptor: ServerInterceptor {
    let table: RPCAccessTable
    let keys: any KeyRingSource

    public init(table: RPCAccessTable, keys: any KeyRingSource) {
        self.table = table
        self.keys = keys
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let method = context.descriptor.fullyQualifiedMethod
        let presented = PresentedCredential.key(inAuthorization: request.metadata[stringValues: "authorization"].first(where: { _ in true }))
        let decision = AccessDecision.decide(call: method, rule: table.rule(for: method), presented: presented, ring: keys.ring)
        switch decision {
        case .open:
            return try await next(request, context)
        case .allowed(let principal, let credential):
            let response = try await CallerPrincipal.with(principal, credential: credential) { try await next(request, context) }
            return response.wrappingBody { body in try await CallerPrincipal.with(principal, credential: credential) { try await body() } }
        case .unauthenticated:
            throw RPCError(code: .unauthenticated, message: decision.refusal ?? "")
        case .denied, .unlisted:
            throw RPCError(code: .permissionDenied, message: decision.refusal ?? "")
        }
    }
}

/// Sends an API key with every call a client makes: a fixed key (a service's own `--api-key`, a
/// CLI's), or the key of the call being served (a registry follower forwarding a write to the
/// leader, which checks it again).
public struct APIKeyClientInterceptor: ClientInterceptor {
    public enum Source: Sendable {
        case fixed(String)
        case caller
    }

    let source: Source

    public init(_ source: Source) {
        self.source = source
    }

    /// The interceptors for a client sending `key`: none when there is no key to send.
    public static func sending(_ key: String?) -> [any ClientInterceptor] {
        key.map { [APIKeyClientInterceptor(.fixed($0))] } ?? []
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>,
        context: ClientContext,
        next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
    ) async throws -> StreamingClientResponse<Output> {
        let key: String? = switch source {
        case .fixed(let key): key
        case .caller: CallerPrincipal.credential
        }
        guard let key else { return try await next(request, context) }
        var request = request
        request.metadata.replaceOrAddString("Bearer \(key)", forKey: "authorization")
        return try await next(request, context)
    }
}
