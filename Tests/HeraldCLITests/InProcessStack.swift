import HeraldTestSupport

/// Runs `body` against a registry and a producer started in this process, and stops both however
/// `body` ends (a producer that fails to start stops the registry it was given).
func withInProcessStack(
    registry startRegistry: () async throws -> InProcessRegistry,
    producer startProducer: (InProcessRegistry) async throws -> InProcessProducer,
    _ body: (InProcessRegistry, InProcessProducer) async throws -> Void
) async throws {
    let registry = try await startRegistry()
    let producer: InProcessProducer
    do {
        producer = try await startProducer(registry)
    } catch {
        try? await registry.stop()
        throw error
    }
    do {
        try await body(registry, producer)
    } catch {
        await producer.stop()
        try? await registry.stop()
        throw error
    }
    await producer.stop()
    try await registry.stop()
}
