import ArgumentParser
import HeraldRuntime

/// `herald bench …`: each benchmark measures Herald and a baseline doing the same work on the
/// same machine in the same run, and prints both with their ratio. `herald bench --scenario seed`
/// runs a scenario instead: Herald beside the naive pipeline under the same crashes.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput and latency against a baseline in the same run.",
        subcommands: [AvroBenchCommand.self, DeliveryBenchCommand.self, EndToEndBenchCommand.self, KafkaBenchCommand.self, PublishBenchCommand.self, RegistryBenchCommand.self, RouteBenchCommand.self, NaiveWorkerCommand.self]
    )

    @OptionGroup var shared: BenchSharedOptions
    @OptionGroup(title: "Scenario") var scenario: ScenarioOptions

    func run() async throws {
        guard let name = scenario.scenario else { throw CleanExit.helpRequest(self) }
        switch name {
        case .seed:
            try await SeedScenario(
                kafkaBrokers: shared.kafkaBrokers, events: shared.events ?? 5_000, rate: scenario.rate, rounds: shared.rounds ?? 2,
                seed: scenario.killSeed ?? UInt64.random(in: 0...UInt64.max), partitions: 6
            ).run()
        }
    }
}

/// Options of `herald bench` that its benchmarks take too. swift-argument-parser gives an option
/// to the parent command whenever parent and subcommand both declare it, so `herald bench route
/// --events 5` would set the scenario's events and leave the benchmark's default. Declared once,
/// here, they reach every benchmark through the same option group (`@OptionGroup var shared`).
struct BenchSharedOptions: ParsableArguments {
    @Option(help: "Kafka bootstrap servers. Env: HERALD_KAFKA_BROKERS.")
    var kafkaBrokers = HeraldEnvironment.string("kafka-brokers", default: "127.0.0.1:9092")
    @Option(help: "Events to measure (default: the benchmark's own; the seed scenario's is 5,000 per side, route's 50,000).")
    var events: Int?
    @Option(help: "Rounds (default 2): the route and kafka benchmarks keep each side's best round; the seed scenario SIGKILLs each role once per round.")
    var rounds: Int?

    func validate() throws {
        guard !kafkaBrokers.isEmpty else { throw ValidationError("--kafka-brokers must name at least one broker") }
        guard (events ?? 1) > 0 else { throw ValidationError("--events must be positive") }
        guard (rounds ?? 0) >= 0 else { throw ValidationError("--rounds must not be negative") }
    }
}

/// The options of `herald bench --scenario …` (with `--kafka-brokers`, `--events` and `--rounds`).
struct ScenarioOptions: ParsableArguments {
    enum Scenario: String, ExpressibleByArgument, CaseIterable { case seed }

    @Option(help: "seed: the naive pipeline and Herald under the same SIGKILLs and retries, side by side.")
    var scenario: Scenario?
    @Option(help: "Events per second.") var rate = 250.0
    @Option(help: "Seed of the kill schedule (default: random, printed).") var killSeed: UInt64?

    func validate() throws {
        guard rate > 0 else { throw ValidationError("--rate must be positive") }
    }
}
