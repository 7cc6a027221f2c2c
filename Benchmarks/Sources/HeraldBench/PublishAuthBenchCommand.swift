import ArgumentParser
import Foundation
import HeraldCore
import HeraldKafka
import HeraldRuntime
import HeraldTestSupport
import Logging

/// `herald-bench publish-auth`: what checking API keys costs a publish. Two producers in this
/// process, the same assembly on the same broker, one checking every call's key (SHA-256 of the
/// presented key against the ring) and one checking none; the same workloads alternate between
/// them for several rounds, and the medians are compared (the issue allows 5 %).
struct PublishAuthBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish-auth",
        abstract: "Publish throughput with API keys checked on every call beside the same producer checking none."
    )

    @OptionGroup var shared: BenchSharedOptions

    @Option(help: "Concurrent unary Publish callers.")
    var concurrency = 64

    @Option(help: "Seconds the unary workload runs per round, on each side.")
    var duration: Double = 5

    @Option(help: ArgumentHelp("Profile instead of measuring rates: under callgrind, the side --profile-side names serves this many unary "
        + "Publish calls between zeroed and dumped counters (Benchmarks/profile-publish-auth.sh)."))
    var profileCalls: Int?

    @Option(help: "The side --profile-calls profiles: on (keys checked) or off.")
    var profileSide: ProfileSide = .on

    enum ProfileSide: String, ExpressibleByArgument {
        case on, off
    }

    /// Events sent over one PublishStream per round, on each side (`--events`).
    var streamEvents: Int { shared.events ?? 20_000 }
    /// Rounds, the median of each side reported (`--rounds`; 3 unless given).
    var rounds: Int { max(1, shared.rounds ?? 3) }

    func validate() throws {
        guard concurrency > 0, duration > 0 else { throw ValidationError("--concurrency and --duration must be positive") }
        guard (profileCalls ?? 1) > 0 else { throw ValidationError("--profile-calls must be positive") }
    }

    func run() async throws {
        let logger = Logger.bench("herald.bench.publish-auth")
        let kafka = shared.kafka(requestTimeout: .seconds(20))
        let ring = KeyRing([KeyRecord(key: TestKeys.admin, name: "bench", scopes: Set(Scope.allCases), createdAt: .now)])
        let registry = try await InProcessRegistry.start(kafka: kafka, prefix: "herald-bench-auth", logger: logger)
        var started: [InProcessProducer] = []
        do {
            if let profileCalls {
                let producer = try await InProcessProducer.start(
                    kafka: kafka, registry: registry, partitions: 12, prefix: "herald-bench-auth",
                    authentication: profileSide == .on ? .keys(StaticKeyRing(ring)) : .off, logger: logger)
                started.append(producer)
                let events = try await PublishBenchWork.events(count: 1000, payloadBytes: 1024, registry: registry)
                try await PublishAuthProfile.run(events, port: producer.grpcPort, side: profileSide.rawValue, calls: profileCalls, callers: concurrency)
            } else {
                try await compare(kafka: kafka, registry: registry, ring: ring, started: &started, logger: logger)
            }
        } catch {
            for producer in started { await producer.stop() }
            try? await registry.stop()
            throw error
        }
        for producer in started { await producer.stop() }
        try await registry.stop()
    }

    /// Both sides, rounds alternating, then the table of medians.
    private func compare(
        kafka: KafkaConfiguration, registry: InProcessRegistry, ring: KeyRing, started: inout [InProcessProducer], logger: Logger
    ) async throws {
        let checking = try await InProcessProducer.start(
            kafka: kafka, registry: registry, partitions: 12, prefix: "herald-bench-auth", authentication: .keys(StaticKeyRing(ring)), logger: logger)
        started.append(checking)
        let open = try await InProcessProducer.start(kafka: kafka, registry: registry, partitions: 12, prefix: "herald-bench-auth", logger: logger)
        started.append(open)
        let events = try await PublishBenchWork.events(count: streamEvents, payloadBytes: 1024, registry: registry)
        print("Publish with keys checked vs not, \(rounds) rounds alternating, median: \(streamEvents) events per stream, "
            + "\(concurrency) unary callers for \(duration) s, 1 KiB payloads, on \(shared.kafkaBrokers)")
        var samples: [String: [Double]] = [:]
        for round in 1...rounds {
            // Alternate which side goes first, so a warming broker favours neither.
            for (name, producer) in round % 2 == 1 ? [("keys on", checking), ("keys off", open)] : [("keys off", open), ("keys on", checking)] {
                let stream = try await PublishBenchWork.stream(events, port: producer.grpcPort)
                let unary = try await PublishBenchWork.unary(events, port: producer.grpcPort, callers: concurrency, seconds: duration)
                samples["PublishStream, \(name)", default: []].append(stream.rate)
                samples["Publish, \(name)", default: []].append(unary.rate)
                print("  round \(round) \(name): PublishStream \(KafkaBenchTable.rate(stream.rate)) events/s, "
                    + "Publish \(KafkaBenchTable.rate(unary.rate)) events/s")
            }
        }
        print()
        print("| workload | keys off (median) | keys on (median) | on / off |")
        print("|---|---|---|---|")
        for workload in ["PublishStream", "Publish"] {
            let off = Self.median(samples["\(workload), keys off"] ?? []), on = Self.median(samples["\(workload), keys on"] ?? [])
            print("| \(workload) | \(KafkaBenchTable.rate(off)) events/s | \(KafkaBenchTable.rate(on)) events/s | "
                + String(format: "%.1f %%", off > 0 ? on / off * 100 : 0) + " |")
        }
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
