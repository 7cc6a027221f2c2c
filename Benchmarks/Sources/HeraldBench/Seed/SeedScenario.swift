import Foundation
import HeraldRuntime
import HeraldTestSupport
import Logging

/// `herald-bench seed`: the naive pipeline (no transactions, offsets committed for
/// whatever was read, random partitioning, no de-duplication, a fresh webhook-id per request)
/// and Herald's default configuration, each under the same seeded SIGKILL schedule, the same
/// publish rate and the same retrying client, side by side.
struct SeedScenario {
    var kafkaBrokers: String
    var events: Int
    var rate: Double
    var rounds: Int
    var seed: UInt64
    var partitions: Int

    func run() async throws {
        ServiceProcess.killChildrenWhenStopped()
        let logger = Logger.bench("herald.bench.seed")
        var configuration = ChaosRun.Configuration(events: events, rate: rate, rounds: rounds, seed: seed)
        // What the naive side lost never arrives: stop waiting for it after a minute.
        configuration.drainTimeout = .seconds(60)
        configuration.eventDeadline = .seconds(60)
        say("herald-bench seed: kill seed \(seed) (repeat with --kill-seed \(seed)), \(events) events at \(Int(rate))/s, "
              + "\(rounds) round(s) × 4 SIGKILLs, the same schedule for both")

        var results: [ChaosResult] = []
        for side in ["naive", "herald"] {
            say("\n== \(side)")
            let receiver = try await WebhookReceiver.start()
            do {
                let result: ChaosResult
                if side == "naive" {
                    let target = try await NaiveChaosTarget.start(receiver: receiver, brokers: kafkaBrokers, partitions: partitions, logger: logger)
                    defer { target.stop() }
                    result = try await Self.run(configuration, on: target, receiver: receiver)
                } else {
                    let target = try await HeraldChaosTarget.start(receiver: receiver, partitions: partitions, label: "herald-seed", brokers: kafkaBrokers)
                    do {
                        result = try await Self.run(configuration, on: target, receiver: receiver)
                        try await target.stop()
                    } catch {
                        target.kill()
                        throw error
                    }
                }
                results.append(result)
                try await receiver.stop()
            } catch {
                try? await receiver.stop()
                throw error
            }
        }
        say("")
        say(ChaosResult.table(results))
        say("""

            lost: acknowledged events that never reached an endpoint they route to. Duplicate effects: extra
            distinct webhook-ids for one (event, endpoint) — the receiver cannot tell them apart. Repeats: the
            same webhook-id again, which a Standard Webhooks receiver drops. Latency: first publish attempt to
            first arrival. Error rate: failed publish calls (the client retried them) over all calls.
            """)
    }

    private static func run(_ configuration: ChaosRun.Configuration, on target: any ChaosTarget, receiver: WebhookReceiver) async throws -> ChaosResult {
        let warmUp = try await ChaosRun.warmUp(target, receiver: receiver)
        say("\(target.name) ready; first event delivered after \(warmUp)")
        let result = try await ChaosRun(configuration).run(target, receiver: receiver) { say($0) }
        say(result.details)
        return result
    }
}
