import ArgumentParser
import Foundation
import HeraldDelivery
import HeraldProtos
import SwiftProtobuf

/// `herald endpoint put|get|list|delete|test`: webhook endpoints of the delivery service.
struct EndpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "endpoint",
        abstract: "Create, read, list, delete and test webhook endpoints.",
        discussion: "Exit status: 0 on success, 2 when the delivery service refused the call or could not be reached.",
        subcommands: [EndpointPutCommand.self, EndpointGetCommand.self, EndpointListCommand.self, EndpointDeleteCommand.self, EndpointTestCommand.self]
    )
}

struct EndpointPutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put",
        abstract: "Create or replace an endpoint.",
        discussion: """
            The service never returns secrets. Without --secret (and without --keep-secret) a new secret is \
            generated here and printed once on stderr: keep it to verify signatures (`herald sink --secret`). \
            A new secret rotates: the replaced one keeps signing beside it for the service's --secret-rotation-overlap. \
            --secret-header values are sealed like secrets and shown as <redacted>; give <redacted> as the value to keep the stored one.
            """
    )

    @OptionGroup var options: DeliveryClientOptions
    @Argument(help: "Endpoint id.") var id: String
    @Option(help: "http(s) URL the webhooks are POSTed to.") var url: String
    @Option(help: "Signing secret, whsec_ + base64.") var secret: String?
    @Flag(help: "Keep the endpoint's current secret (update without rotating).") var keepSecret = false
    @Flag(inversion: .prefixedNo, help: "Whether the endpoint receives deliveries.") var enabled = true
    @Option(help: "Attempts before dead-lettering (0 = service default).") var maxAttempts: Int32 = 0
    @Option(help: "Requests per second at most (0 = unlimited).") var rateLimit: Double = 0
    @Option(help: "Retry delays in seconds, comma-separated (default: the service's schedule).") var retrySchedule: String?
    @Option(name: .customLong("header"), help: "A header sent with every request, name=value (repeatable).") var headers: [String] = []
    @Option(name: .customLong("secret-header"), help: "A header sent with every request whose value is sealed and never shown, name=value (repeatable).")
    var secretHeaders: [String] = []
    @Option(help: "Free text.") var description: String?

    func validate() throws {
        for header in headers where !header.contains("=") { throw ValidationError("--header '\(header)' is not name=value") }
        for header in secretHeaders where !header.contains("=") { throw ValidationError("--secret-header '<name>=…' is not name=value") }
        if let retrySchedule, retrySchedule.split(separator: ",").contains(where: { Double($0) == nil || Double($0)! <= 0 }) {
            throw ValidationError("--retry-schedule must be positive numbers of seconds, comma-separated")
        }
        if secret != nil && keepSecret { throw ValidationError("give --secret or --keep-secret, not both") }
    }

    func run() async throws {
        var generated: String?
        if secret == nil && !keepSecret { generated = WebhookSecret.generate() }
        let endpoint = Herald_V1_Endpoint.with {
            $0.id = id
            $0.url = url
            $0.secret = secret ?? generated ?? ""
            $0.enabled = enabled
            $0.maxAttempts = maxAttempts
            $0.rateLimitPerSecond = rateLimit
            $0.description_p = description ?? ""
            for header in headers {
                let parts = header.split(separator: "=", maxSplits: 1)
                $0.headers[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            for header in secretHeaders {
                let parts = header.split(separator: "=", maxSplits: 1)
                $0.secretHeaders[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            $0.retrySchedule = (retrySchedule ?? "").split(separator: ",").compactMap { Double($0) }.map { seconds in
                Google_Protobuf_Duration(seconds: Int64(seconds), nanos: Int32((seconds - seconds.rounded(.down)) * 1e9))
            }
        }
        let stored = try await options.withDelivery { try await $0.putEndpoint(.with { $0.endpoint = endpoint }).endpoint }
        if let generated { printError("secret (shown once): \(generated)") }
        options.emit(stored) { DeliveryText.endpoint(stored) }
    }
}

struct EndpointGetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Show one endpoint (never its secret).")
    @OptionGroup var options: DeliveryClientOptions
    @Argument(help: "Endpoint id.") var id: String

    func run() async throws {
        let id = id
        let endpoint = try await options.withDelivery { try await $0.getEndpoint(.with { $0.id = id }).endpoint }
        options.emit(endpoint) { DeliveryText.endpoint(endpoint) }
    }
}

struct EndpointListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List every endpoint.")
    @OptionGroup var options: DeliveryClientOptions

    func run() async throws {
        let response = try await options.withDelivery { try await $0.listEndpoints(.init()) }
        options.emit(response) { response.endpoints.map(DeliveryText.endpoint).joined(separator: "\n") }
    }
}

struct EndpointDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete an endpoint.")
    @OptionGroup var options: DeliveryClientOptions
    @Argument(help: "Endpoint id.") var id: String

    func run() async throws {
        let id = id
        _ = try await options.withDelivery { try await $0.deleteEndpoint(.with { $0.id = id }) }
        if !options.json { print("deleted \(id)") }
    }
}

struct EndpointTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Send the endpoint one signed test event now and show its answer.",
        discussion: """
            The event has type herald.test and the CloudEvents extension heraldtest=true; it is signed like a \
            delivery and written to no topic. Exit status: 0 when the endpoint answered 2xx, 1 when it answered \
            otherwise or could not be reached, 2 when the delivery service refused the call or could not be reached.
            """
    )
    @OptionGroup var options: DeliveryClientOptions
    @Argument(help: "Endpoint id.") var id: String

    func run() async throws {
        let id = id
        let answer = try await options.withDelivery { try await $0.sendTestEvent(.with { $0.endpointID = id }) }
        options.emit(answer) { DeliveryText.testAnswer(answer) }
        if !answer.succeeded { throw ExitCode(1) }
    }
}
