import ArgumentParser

@main
struct Herald: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald",
        abstract: "Herald: exactly-once notification pipeline on Kafka.",
        version: HeraldVersion.current,
        subcommands: [VersionCommand.self, DevCommand.self, SmokeCommand.self, PublishCommand.self, SchemaCommand.self, RouteCommand.self, KeyCommand.self, EndpointCommand.self, DeliveriesCommand.self, SinkCommand.self, AuditCommand.self]
    )
}

enum HeraldVersion {
    static let current = "0.1.0"
}
