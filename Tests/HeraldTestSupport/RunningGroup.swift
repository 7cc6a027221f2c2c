public import Logging
public import ServiceLifecycle

/// Services running in this process until `stop()` (a graceful shutdown, as on SIGTERM).
public final class RunningGroup: Sendable {
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    public init(_ services: [any Service], logger: Logger) {
        let group = ServiceGroup(services: services, logger: logger)
        self.group = group
        task = Task { try await group.run() }
    }

    public func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}
