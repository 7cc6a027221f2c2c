import ArgumentParser
import HeraldAvro
import HeraldKafka

/// Prints Herald's version and the versions of the C libraries actually loaded, which proves
/// that both link and load on this machine.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print Herald's version and the loaded librdkafka and Avro C libraries."
    )

    func run() throws {
        print("herald     \(HeraldVersion.current)")
        print("librdkafka \(KafkaLibrary.version)")
        print("avro-c     \(try AvroCLibrary.describeLoaded())")
    }
}
