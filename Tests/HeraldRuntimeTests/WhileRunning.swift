import ServiceLifecycle

/// Runs `group` while `body` runs, then shuts it down gracefully and waits for it, also when
/// `body` throws (its error is rethrown).
func whileRunning(_ group: ServiceGroup, _ body: () async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            try await body()
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}
