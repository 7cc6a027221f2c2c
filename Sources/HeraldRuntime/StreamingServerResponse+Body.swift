public import GRPCCore

extension StreamingServerResponse {
    /// The response with `around` wrapped about its body. A streaming handler's work happens in
    /// the body, which runs after an interceptor's `next` returned, so outside any task-local or
    /// clock the interceptor set up around `next`: an interceptor that must cover the whole call
    /// wraps the body too. A refused call has no body and is returned as it is.
    public func wrappingBody(
        _ around: @escaping @Sendable (_ body: () async throws -> Metadata) async throws -> Metadata
    ) -> Self {
        guard case .success(var contents) = accepted else { return self }
        let producer = contents.producer
        contents.producer = { writer in try await around { try await producer(writer) } }
        var response = self
        response.accepted = .success(contents)
        return response
    }
}
