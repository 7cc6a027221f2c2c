import ArgumentParser
import Foundation
import HeraldRuntime
import HeraldTestSupport

/// `herald-bench chaos`: the chaos suite of `make chaos`. Starts herald-registry, herald-producer,
/// herald-router and herald-delivery (built next to this executable) and a webhook receiver,
/// publishes at a steady rate from a client that retries failed calls with the same (source, id),
/// SIGKILLs and restarts every service at seeded random moments, and prints what arrived.
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "SIGKILL every service at random moments under load; count lost and duplicated deliveries.",
        discussion: """
            Exits non-zero when an acknowledged event did not reach every endpoint it routes to, when
            an (event, endpoint) got two distinct webhook-ids, or when an event was never acknowledged.
            The kill moments are drawn from --seed (printed when chosen at random), so a run can be repeated.
            """
    )

    @Option(help: "Kafka bootstrap servers. Env: HERALD_KAFKA_BROKERS.")
    var kafkaBrokers = HeraldEnvironment.string("kafka-brokers", default: "127.0.0.1:9092")
    @Option(help: "Events to publish.") var events = 20_000
    @Option(help: "Events per second.") var rate = 500.0
    @Option(help: "Rounds; every round SIGKILLs each of the four services once.") var rounds = 3
    @Option(help: "Seed of the kill schedule (default: random, printed).") var seed: UInt64?
    @Option(help: "Longest a killed service stays down before its restart, in ms.") var maxDowntimeMs = 500
    @Option(help: "How long to wait after publishing for the last deliveries, in seconds.") var drainTimeoutSeconds = 180
    @Option(help: "Partitions of the stack's topics.") var partitions = 6

    func validate() throws {
        guard events > 0, rate > 0, rounds >= 0, maxDowntimeMs >= 0, drainTimeoutSeconds > 0, partitions > 0 else {
            throw ValidationError("--events, --rate, --drain-timeout-seconds and --partitions must be positive; --rounds and --max-downtime-ms not negative")
        }
    }

    func run() async throws {
        ServiceProcess.killChildrenWhenStopped()
        let seed = seed ?? UInt64.random(in: 0...UInt64.max)
        var configuration = ChaosRun.Configuration(events: events, rate: rate, rounds: rounds, seed: seed)
        configuration.maxDowntime = .milliseconds(maxDowntimeMs)
        configuration.drainTimeout = .seconds(drainTimeoutSeconds)
        say("herald-bench chaos: seed \(seed) (repeat with --seed \(seed)), \(events) events at \(Int(rate))/s, \(rounds) round(s) × 4 SIGKILLs")

        let receiver = try await WebhookReceiver.start()
        let target: HeraldChaosTarget
        do {
            target = try await HeraldChaosTarget.start(receiver: receiver, partitions: partitions, brokers: kafkaBrokers)
        } catch {
            try? await receiver.stop()
            throw error
        }
        let result: ChaosResult
        do {
            let warmUp = try await ChaosRun.warmUp(target, receiver: receiver)
            say("stack ready; first event delivered after \(warmUp)")
            result = try await ChaosRun(configuration).run(target, receiver: receiver) { say($0) }
            say("")
            say(result.details)
            say("")
            say(ChaosResult.table([result]))
            say("\nevery service's log, all incarnations: \(try Self.saveLogs(of: target.stack, seed: seed))")
            try await target.stop()
            try await receiver.stop()
        } catch {
            target.kill()
            try? await receiver.stop()
            throw error
        }
        guard result.isExactlyOnce else {
            say("\nFAILED: not exactly once (seed \(seed))")
            throw ExitCode.failure
        }
    }
}

extension ChaosCommand {
    /// Writes each service's stderr (every incarnation) to `.herald/chaos/<seed>/<service>.log`.
    static func saveLogs(of stack: HeraldStack, seed: UInt64) throws -> String {
        let directory = URL(fileURLWithPath: ".herald/chaos/\(seed)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for service in stack.services {
            try Data(service.log.utf8).write(to: directory.appendingPathComponent("\(service.name).log"))
        }
        return directory.path
    }
}

/// One line on stdout, unbuffered: progress shows up as it happens, also through a pipe.
@Sendable func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
