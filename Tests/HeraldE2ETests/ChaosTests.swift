import Foundation
import HeraldTestSupport
import Testing

/// The short chaos run (`make chaos` runs 20,000 events): a retrying client publishes while every
/// service is SIGKILLed and restarted at seeded random moments; every acknowledged event must reach
/// every endpoint it routes to, and no (event, endpoint) may get two distinct webhook-ids.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct ChaosTests {
    @Test func nothingAcknowledgedIsLostOrActedOnTwiceWhileEveryServiceIsKilled() async throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var configuration = ChaosRun.Configuration(events: 2000, rate: 100, rounds: 2, seed: seed)
        configuration.drainTimeout = .seconds(120)
        let receiver = try await WebhookReceiver.start()
        let target: HeraldChaosTarget
        do { target = try await HeraldChaosTarget.start(receiver: receiver) } catch {
            try? await receiver.stop()
            throw error
        }
        do {
            _ = try await ChaosRun.warmUp(target, receiver: receiver)
            let result = try await ChaosRun(configuration).run(target, receiver: receiver) { print($0) }
            print(ChaosResult.table([result]))
            print(result.details)
            #expect(result.lost == 0, "acknowledged events lost (seed \(seed)):\n\(result.details)")
            #expect(result.duplicateEffects == 0, "duplicate effects (seed \(seed)):\n\(result.details)")
            #expect(result.unexpected == 0 && result.unreadable == 0, "deliveries nobody routed (seed \(seed))")
            #expect(result.unacknowledged.isEmpty, "events never acknowledged (seed \(seed)):\n\(result.details)")
            #expect(result.kills.count == 2 * ChaosRole.allCases.count)
            if !result.isExactlyOnce { Issue.record("the services' logs end:\n\(target.logTails(lines: 40))") }
            try await target.stop()
            try await receiver.stop()
        } catch {
            target.kill()
            try? await receiver.stop()
            Issue.record("seed \(seed); the services' logs end:\n\(target.logTails(lines: 40))")
            throw error
        }
    }
}
