import HeraldProtos
public import HeraldRuntime
public import Logging
public import ServiceLifecycle

/// Whether a service's health waits for its API keys: until its `KeyDirectory` has replayed
/// `herald.api-keys` it knows only bootstrap keys, so it must not say SERVING, whatever the rest
/// of it says.
public enum KeyReplayHold {
    /// Runs every one of `services` but `keys`, marks the service SERVING as its own start does
    /// once its topics are replayed, and reports whether it then said SERVING; then runs `keys`
    /// and waits until it does. Stops everything before returning.
    public static func servingBeforeReplay(_ server: some AssembledService, logger: Logger) async throws -> Bool {
        let (health, keys, services) = (server.health, server.keys, server.services)
        let others = RunningGroup(services.filter { ($0 as? KeyDirectory) !== keys }, logger: logger)
        health.setAll(.serving)
        let servingEarly = health.isServing
        let directory = RunningGroup([keys], logger: logger)
        do {
            try await TestEnvironment.eventually("SERVING once the keys are replayed") { health.isServing }
        } catch {
            try? await directory.stop()
            try? await others.stop()
            throw error
        }
        try await directory.stop()
        try await others.stop()
        return servingEarly
    }
}
