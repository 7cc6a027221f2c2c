import ArgumentParser
import HeraldKafka
import HeraldRuntime
import Logging

/// `herald-bench`: the development tool that measures Herald. Each benchmark runs Herald and a
/// baseline doing the same work on the same machine in the same run, and prints both with their
/// ratio; `seed` runs Herald beside the naive pipeline under the same crashes, `chaos` kills
/// every service at random moments under load, and `soak` samples every service's memory under a
/// long steady load; `delivery-log` times list queries of a large delivery log and
/// `delivery-log-follower` the rate its follower applies records at. Not shipped with `herald`: it runs from a checkout
/// (its baselines are the Python scripts in `Benchmarks/`).
@main
struct HeraldBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald-bench",
        abstract: "Measure Herald against a baseline in the same run; crash it under load.",
        subcommands: [
            AvroBenchCommand.self, DeliveryBenchCommand.self, DeliveryLogBenchCommand.self, FollowerBenchCommand.self, EndToEndBenchCommand.self, KafkaBenchCommand.self,
            PublishBenchCommand.self, PublishAuthBenchCommand.self, RegistryBenchCommand.self, RouteBenchCommand.self,
            SeedCommand.self, ChaosCommand.self, SoakCommand.self, NaiveWorkerCommand.self,
        ]
    )
}

/// Options that several benchmarks and the seed scenario take, declared once so each keeps the
/// same name, environment variable and validation; each command picks its own default.
struct BenchSharedOptions: ParsableArguments {
    @Option(help: "Kafka bootstrap servers. Env: HERALD_KAFKA_BROKERS.")
    var kafkaBrokers = HeraldEnvironment.string("kafka-brokers", default: "127.0.0.1:9092")
    @Option(help: "Events to measure (default: the command's own; the seed scenario's is 5,000 per side, route's 50,000).")
    var events: Int?
    @Option(help: "Rounds (default 2): the route and kafka benchmarks keep each side's best round; the seed scenario SIGKILLs each role once per round.")
    var rounds: Int?

    func validate() throws {
        guard !kafkaBrokers.isEmpty else { throw ValidationError("--kafka-brokers must name at least one broker") }
        guard (events ?? 1) > 0 else { throw ValidationError("--events must be positive") }
        guard (rounds ?? 0) >= 0 else { throw ValidationError("--rounds must not be negative") }
    }

    /// `--kafka-brokers` as the Kafka configuration a benchmark's clients use.
    func kafka(requestTimeout: Duration = .seconds(30)) -> KafkaConfiguration {
        KafkaConfiguration(bootstrapServers: kafkaBrokers.split(separator: ",").map(String.init), requestTimeout: requestTimeout)
    }
}

extension Logger {
    /// A benchmark's logger: warnings and worse only, so the services it runs do not bury the figures.
    static func bench(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .warning
        return logger
    }
}
