import ArgumentParser
import Foundation
import GRPCCore
import HeraldDelivery
import HeraldProtos
import SwiftProtobuf

/// `herald deliveries list`: deliveries from the delivery log, filtered, a page at a time.
struct DeliveriesListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Deliveries from the delivery log, most recently updated first.")
    @OptionGroup var options: DeliveryClientOptions
    @Option(help: "Only this endpoint.") var endpoint: String?
    @Option(help: "Only this state: pending, succeeded, retrying or dead.") var state: String?
    @Option(help: "Only this event type.") var type: String?
    @Option(help: "Only this event source.") var source: String?
    @Option(help: "Updated at or after: an ISO 8601 time or an age (30m, 2h, 7d).") var since: String?
    @Option(help: "Updated before: an ISO 8601 time or an age.") var until: String?
    @Option(help: "Deliveries per page (0 = service default, at most 1000).") var limit: Int32 = 0
    @Option(help: "Continue from a previous page's next-page token.") var pageToken: String?

    func validate() throws {
        if let state { _ = try DeliveryTime.state(state) }
        if let since { _ = try DeliveryTime.timestamp(since) }
        if let until { _ = try DeliveryTime.timestamp(until) }
    }

    func run() async throws {
        let request = try Herald_V1_ListDeliveriesRequest.with { request in
            request.endpointID = endpoint ?? ""
            if let state { request.state = try DeliveryTime.state(state) }
            request.eventType = type ?? ""
            request.eventSource = source ?? ""
            if let since { request.since = try DeliveryTime.timestamp(since) }
            if let until { request.until = try DeliveryTime.timestamp(until) }
            request.pageSize = limit
            request.pageToken = pageToken ?? ""
        }
        let response = try await options.withDelivery { try await $0.listDeliveries(request) }
        options.emit(response) {
            var lines = response.deliveries.map(DeliveryText.record)
            if lines.isEmpty { lines = ["no deliveries"] }
            if !response.nextPageToken.isEmpty { lines.append("next page: --page-token \(response.nextPageToken)") }
            return lines.joined(separator: "\n")
        }
    }
}

/// `herald deliveries show ID`: one delivery with every attempt.
struct DeliveriesShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One delivery and all its attempts, oldest first.")
    @OptionGroup var options: DeliveryClientOptions
    @Argument(help: "Delivery id (the webhook-id).") var id: String

    func run() async throws {
        let id = id
        let response = try await options.withDelivery { try await $0.getDelivery(.with { $0.deliveryID = id }) }
        options.emit(response) {
            ([DeliveryText.record(response.delivery)] + response.attempts.map(DeliveryText.attempt)).joined(separator: "\n")
        }
    }
}

/// `herald deliveries health ENDPOINT`: how an endpoint has fared lately.
struct DeliveriesHealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "health", abstract: "An endpoint's success rate, durations, last error and circuit.")
    @OptionGroup var options: DeliveryClientOptions
    @Argument(help: "Endpoint id.") var endpoint: String
    @Option(help: "How far back: 30m, 2h, 7d.") var window = "1h"

    func validate() throws { _ = try DeliveryTime.age(window) }

    func run() async throws {
        let (endpoint, window) = (endpoint, try DeliveryTime.age(window))
        let response = try await options.withDelivery { try await $0.getEndpointHealth(.with { $0.endpointID = endpoint; $0.window = window }) }
        options.emit(response) {
            var line = "\(response.endpointID)  attempts=\(response.attempts)  succeeded=\(response.succeeded)"
            line += "  success_rate=\(String(format: "%.3f", response.successRate))  circuit=\(response.circuit)"
            if response.hasP50Duration { line += "  p50=\(DeliveryText.seconds(response.p50Duration))  p99=\(DeliveryText.seconds(response.p99Duration))" }
            if !response.lastError.isEmpty { line += "  last_error=\"\(response.lastError)\"" }
            return line
        }
    }
}

/// `herald deliveries replay`: an endpoint's delivered events of a time range, sent again.
struct DeliveriesReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "Send an endpoint's delivered events of a time range again, as new deliveries marked as replays.")
    @OptionGroup var options: DeliveryClientOptions
    @Option(help: "Whose delivered events.") var endpoint: String
    @Option(help: "Delivered at or after: an ISO 8601 time or an age (30m, 2h, 7d).") var since: String
    @Option(help: "Delivered before: an ISO 8601 time or an age (default now).") var until: String?
    @Option(help: "Send them to this endpoint instead.") var to: String?

    func validate() throws {
        _ = try DeliveryTime.timestamp(since)
        if let until { _ = try DeliveryTime.timestamp(until) }
    }

    func run() async throws {
        let request = try Herald_V1_ReplayRequest.with { request in
            request.endpointID = endpoint
            request.since = try DeliveryTime.timestamp(since)
            request.until = try until.map(DeliveryTime.timestamp) ?? Google_Protobuf_Timestamp(date: Date())
            request.toEndpointID = to ?? ""
        }
        let response = try await options.withDelivery { try await $0.replay(request) }
        options.emit(response) { "replayed \(response.replayed)" + (response.missing > 0 ? ", \(response.missing) no longer on the deliveries topic" : "") }
    }
}

/// Times and states as the delivery commands take them.
enum DeliveryTime {
    static func age(_ text: String) throws -> Google_Protobuf_Duration {
        do {
            let (seconds, _) = try DeliveryLogRetention.parse(text).components
            return Google_Protobuf_Duration(seconds: seconds)
        } catch {
            throw ValidationError("'\(text)': not an age such as 30m, 2h or 7d")
        }
    }

    static func timestamp(_ text: String) throws -> Google_Protobuf_Timestamp {
        if let date = ISO8601DateFormatter().date(from: text) { return Google_Protobuf_Timestamp(date: date) }
        guard let (seconds, _) = try? DeliveryLogRetention.parse(text).components else {
            throw ValidationError("'\(text)': not an ISO 8601 time (2026-01-31T12:00:00Z) or an age (30m, 2h, 7d)")
        }
        return Google_Protobuf_Timestamp(date: Date().addingTimeInterval(-TimeInterval(seconds)))
    }

    static func state(_ text: String) throws -> Herald_V1_DeliveryState {
        let states: [String: Herald_V1_DeliveryState] = ["pending": .pending, "succeeded": .succeeded, "retrying": .retrying, "dead": .dead]
        guard let state = states[text.lowercased()] else { throw ValidationError("--state: '\(text)' is not pending, succeeded, retrying or dead") }
        return state
    }
}
