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

    @OptionGroup(title: "Scenario") var scenario: ScenarioOptions

    func run() async throws {
        guard let name = scenario.scenario else { throw CleanExit.helpRequest(self) }
        switch name {
        case .seed:
            try await SeedScenario(
                kafkaBrokers: scenario.kafkaBrokers, events: scenario.events, rate: scenario.rate, rounds: scenario.rounds,
                seed: scenario.killSeed ?? UInt64.random(in: 0...UInt64.max), partitions: 6
            ).run()
        }
    }
}

/// The options of `herald bench --scenario …`.
struct ScenarioOptions: ParsableArguments {
    enum Scenario: String, ExpressibleByArgument, CaseIterable { case seed }

    @Option(help: "seed: the naive pipeline and Herald under the same SIGKILLs and retries, side by side.")
    var scenario: Scenario?
    @Option(help: "Kafka bootstrap servers. Env: HERALD_KAFKA_BROKERS.")
    var kafkaBrokers = HeraldEnvironment.string("kafka-brokers", default: "127.0.0.1:9092")
    @Option(help: "Events each side publishes.") var events = 5_000
    @Option(help: "Events per second.") var rate = 250.0
    @Option(help: "Rounds; every round SIGKILLs each role (registry, producer, router, delivery) once.") var rounds = 2
    @Option(help: "Seed of the kill schedule (default: random, printed).") var killSeed: UInt64?

    func validate() throws {
        guard events > 0, rate > 0, rounds >= 0 else { throw ValidationError("--events and --rate must be positive, --rounds not negative") }
    }
}
