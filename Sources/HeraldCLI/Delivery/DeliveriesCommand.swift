import ArgumentParser
import Foundation
import GRPCCore
import HeraldProtos
import SwiftProtobuf

/// `herald deliveries get|list|show|health|dlq|redrive|watch`: the state of deliveries.
struct DeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries",
        abstract: "Inspect deliveries and their attempts, endpoint health, dead letters; redrive them, watch changes.",
        discussion: "Exit status: 0 on success, 2 when the delivery service refused the call or could not be reached.",
        subcommands: [DeliveriesGetCommand.self, DeliveriesListCommand.self, DeliveriesShowCommand.self, DeliveriesHealthCommand.self, DeliveriesReplayCommand.self, DeliveriesDLQCommand.self, DeliveriesRedriveCommand.self, DeliveriesWatchCommand.self]
    )
}

struct DeliveriesGetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "The deliveries of one event, one per endpoint.")
    @OptionGroup var options: DeliveryClientOptions
    @Option(help: "Event source.") var source: String
    @Option(help: "Event id.") var id: String

    func run() async throws {
        let (source, id) = (source, id)
        let response = try await options.withDelivery { try await $0.getDeliveries(.with { $0.eventSource = source; $0.eventID = id }) }
        options.emit(response) { response.deliveries.isEmpty ? "no deliveries for \(source)#\(id)" : response.deliveries.map(DeliveryText.record).joined(separator: "\n") }
    }
}

struct DeliveriesDLQCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dlq", abstract: "Dead-lettered deliveries, newest first.")
    @OptionGroup var options: DeliveryClientOptions
    @Option(help: "Only this endpoint.") var endpoint: String?
    @Option(help: "At most this many (0 = service default).") var limit: Int32 = 0

    func run() async throws {
        let (endpoint, limit) = (endpoint, limit)
        let response = try await options.withDelivery { try await $0.listDeadLetters(.with { $0.endpointID = endpoint ?? ""; $0.limit = limit }) }
        options.emit(response) { response.deliveries.isEmpty ? "no dead letters" : response.deliveries.map(DeliveryText.record).joined(separator: "\n") }
    }
}

struct DeliveriesRedriveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "redrive", abstract: "Send dead-lettered deliveries again, from attempt 0.")
    @OptionGroup var options: DeliveryClientOptions
    @Argument(help: "Delivery ids (see `herald deliveries dlq`).") var ids: [String] = []
    @Flag(help: "Redrive every dead letter (of --endpoint and since --since, if given).") var all = false
    @Option(help: "With --all: only this endpoint.") var endpoint: String?
    @Option(help: "With --all: dead-lettered at or after this ISO 8601 time or age (30m, 2h, 7d).") var since: String?

    func validate() throws {
        guard all != !ids.isEmpty else { throw ValidationError("give delivery ids or --all") }
        guard all || (endpoint == nil && since == nil) else { throw ValidationError("--endpoint and --since go with --all") }
        if let since { _ = try DeliveryTime.timestamp(since) }
    }

    func run() async throws {
        let request = try Herald_V1_RedriveRequest.with { request in
            request.deliveryIds = ids
            if all {
                // The service redrives by filter; with neither, every dead letter (since the epoch).
                request.endpointID = endpoint ?? ""
                request.since = try since.map(DeliveryTime.timestamp) ?? Google_Protobuf_Timestamp(seconds: 0)
            }
        }
        let response = try await options.withDelivery { try await $0.redrive(request) }
        options.emit(response) { "redriven \(response.redriven)" }
    }
}

struct DeliveriesWatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "watch", abstract: "Print every delivery change as it happens (Ctrl-C stops).")
    @OptionGroup var options: DeliveryClientOptions
    @Option(help: "Only this endpoint.") var endpoint: String?
    @Option(help: "Resume: first every delivery updated since this ISO 8601 time or age (30m, 2h, 7d).") var since: String?

    func validate() throws {
        if let since { _ = try DeliveryTime.timestamp(since) }
    }

    func run() async throws {
        let request = try Herald_V1_WatchDeliveriesRequest.with { request in
            request.endpointID = endpoint ?? ""
            if let since { request.since = try DeliveryTime.timestamp(since) }
        }
        let json = options.json
        try await options.withDelivery { client in
            try await client.watchDeliveries(request) { response in
                for try await record in response.messages {
                    if json {
                        var encoding = JSONEncodingOptions()
                        encoding.preserveProtoFieldNames = true
                        printFlushed((try? record.jsonString(options: encoding)) ?? "{}")
                    } else {
                        printFlushed(DeliveryText.record(record))
                    }
                }
            }
        }
    }
}
