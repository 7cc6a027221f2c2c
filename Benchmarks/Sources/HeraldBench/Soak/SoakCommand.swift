import ArgumentParser
import Foundation
import HeraldProtos
import HeraldRuntime
import HeraldTestSupport
import Logging
import Synchronization

/// `herald-bench soak` (`make soak`): Herald's four executables under a long steady load, their
/// resident memory sampled from `/proc` as the events go through.
struct SoakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Many events through the whole pipeline at a steady rate; RSS of each service over time.",
        discussion: """
            Starts herald-registry, herald-producer, herald-router and herald-delivery (built next to \
            this executable) and a counting webhook receiver, publishes --events at --rate, samples each \
            service's VmRSS every --sample-interval-ms, waits for every delivery, then prints per service \
            the RSS after warm-up, its peak, and its slope in MB per million events after warm-up.

            Exits non-zero when router or delivery peaks above --rss-limit-mb, a publish failed for good, \
            or webhooks are missing. List-query latency over stored deliveries is measured apart by \
            `herald-bench delivery-log`.
            """
    )

    @Option(help: "Kafka bootstrap servers. Env: HERALD_KAFKA_BROKERS.")
    var kafkaBrokers = HeraldEnvironment.string("kafka-brokers", default: "127.0.0.1:9092")
    @Option(help: "Events to publish.") var events = 2_000_000
    @Option(help: "Events per second.") var rate = 1000.0
    @Option(help: "Partitions of the stack's topics.") var partitions = 6
    @Option(help: "How often each service's RSS is read, in ms.") var sampleIntervalMs = 1000
    @Option(help: "Share of the events counted as warm-up (left out of the slope).") var warmUp = 0.1
    @Option(help: "Router and delivery must stay at or under this RSS, in MB.") var rssLimitMb = 250.0
    @Option(help: "How long to wait after publishing for the last deliveries, in seconds.") var drainTimeoutSeconds = 300

    func validate() throws {
        guard events > 0, rate > 0, partitions > 0, sampleIntervalMs > 0, rssLimitMb > 0, drainTimeoutSeconds > 0 else {
            throw ValidationError("--events, --rate, --partitions, --sample-interval-ms, --rss-limit-mb and --drain-timeout-seconds must be positive")
        }
        guard (0..<1).contains(warmUp) else { throw ValidationError("--warm-up must be at least 0 and below 1") }
    }

    func run() async throws {
        ServiceProcess.killChildrenWhenStopped()
        let logger = Logger.bench("herald-bench.soak")
        say("herald-bench soak: \(events) events at \(Int(rate))/s through the four services on \(kafkaBrokers), RSS every \(sampleIntervalMs) ms")
        let receiver = try await SoakReceiver.start(logger: logger)
        let target: HeraldChaosTarget
        do {
            target = try await HeraldChaosTarget.start(receiverURL: receiver.url, partitions: partitions, label: "herald-soak", brokers: kafkaBrokers)
        } catch {
            await receiver.stop()
            throw error
        }
        let outcome: SoakOutcome
        do {
            outcome = try await SoakRun(
                events: events, rate: rate, sampleInterval: .milliseconds(sampleIntervalMs), drainTimeout: .seconds(drainTimeoutSeconds)
            ).run(target, receiver: receiver) { say($0) }
            try await target.stop()
            await receiver.stop()
        } catch {
            target.kill()
            await receiver.stop()
            throw error
        }

        let report = SoakReport(
            samples: outcome.samples, services: target.stack.services.map(\.name), warmUpEvents: Int(Double(events) * warmUp),
            limitMB: rssLimitMb, limited: ["router", "delivery"])
        say("")
        say("\(outcome.acknowledged) of \(events) events acknowledged (\(outcome.failed) failed for good), \(outcome.delivered) of \(outcome.expectedDeliveries) webhooks received, \(outcome.samples.count) samples")
        say("")
        say(report.table)
        say("")
        say("list-query latency over stored deliveries: measured apart by herald-bench delivery-log")
        guard report.passed, outcome.failed == 0, outcome.delivered >= outcome.expectedDeliveries else {
            say("\nFAILED: " + [
                report.passed ? nil : "router or delivery above \(rssLimitMb) MB",
                outcome.failed == 0 ? nil : "\(outcome.failed) events never acknowledged",
                outcome.delivered >= outcome.expectedDeliveries ? nil : "\(outcome.expectedDeliveries - outcome.delivered) webhooks missing",
            ].compactMap { $0 }.joined(separator: "; "))
            throw ExitCode.failure
        }
    }
}
