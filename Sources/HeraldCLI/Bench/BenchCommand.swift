import ArgumentParser

/// `herald bench …`: each benchmark measures Herald and a baseline doing the same work on the
/// same machine in the same run, and prints both with their ratio.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput and latency against a baseline in the same run.",
        subcommands: [AvroBenchCommand.self, DeliveryBenchCommand.self, EndToEndBenchCommand.self, KafkaBenchCommand.self, PublishBenchCommand.self, RegistryBenchCommand.self, RouteBenchCommand.self]
    )
}
