import ArgumentParser

/// `herald-bench seed`: the naive pipeline and Herald under the same seeded SIGKILLs, publish
/// rate and retrying client, side by side (`make bench` runs it after the benchmarks).
struct SeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "The naive pipeline and Herald under the same SIGKILLs and retries, side by side."
    )

    @OptionGroup var shared: BenchSharedOptions
    @Option(help: "Events per second.") var rate = 250.0
    @Option(help: "Seed of the kill schedule (default: random, printed).") var killSeed: UInt64?

    func validate() throws {
        guard rate > 0 else { throw ValidationError("--rate must be positive") }
    }

    func run() async throws {
        try await SeedScenario(
            kafkaBrokers: shared.kafkaBrokers, events: shared.events ?? 5_000, rate: rate, rounds: shared.rounds ?? 2,
            seed: killSeed ?? UInt64.random(in: 0...UInt64.max), partitions: 6
        ).run()
    }
}
