import HeraldKafka
import Testing

/// `ReplayReadiness` without a broker: who waits for a replay, and what they learn when it ends.
@Suite struct ReplayReadinessTests {
    struct TopicMissing: Error {}

    @Test func waitersReturnOnceTheReplayCatchesUpAndLaterFailuresDoNotUndoIt() async throws {
        let readiness = ReplayReadiness()
        try await readiness.run {
            #expect(!readiness.isReady)
            async let waiting: Void = readiness.waitUntilReady()
            readiness.markReady()
            try await waiting
        }
        #expect(readiness.isReady)
        try await readiness.waitUntilReady()
    }

    @Test func aReplayThatFailsBeforeCatchingUpFailsEveryWait() async throws {
        let readiness = ReplayReadiness()
        await #expect(throws: TopicMissing.self) {
            try await readiness.run {
                throw TopicMissing()
            }
        }
        await #expect(throws: TopicMissing.self) { try await readiness.waitUntilReady() }
        #expect(!readiness.isReady)
    }

    @Test func aReplayThatStopsBeforeCatchingUpEndsWaitsAsCancelled() async throws {
        let readiness = ReplayReadiness()
        try await readiness.run {}
        await #expect(throws: CancellationError.self) { try await readiness.waitUntilReady() }
    }
}
