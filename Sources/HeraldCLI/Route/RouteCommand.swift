import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldProtos
import HeraldRuntime
import SwiftProtobuf

/// `herald route …`: the router's gRPC API (`herald.v1.Router`) from the command line.
///
/// Exit codes: 0 on success, 2 when the router answered with an error or could not be reached.
struct RouteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Create, show, list and delete routes (which events go to which endpoints).",
        discussion: """
            Talks to the router's gRPC API. A route's filter parts must all match; an empty part \
            matches everything. Type and source patterns are exact or a prefix ending in '*'. \
            Exit status: 0 on success, 2 when the router answered with an error or could not be reached.
            """,
        subcommands: [RoutePutCommand.self, RouteGetCommand.self, RouteListCommand.self, RouteDeleteCommand.self]
    )
}

enum RouterTarget: ServiceClientTarget {
    static let addressOption = "router-url"
    static let defaultAddress = "127.0.0.1:50052"
    static let name = "a router"

    static func describe(_ error: RPCError, address: String) -> String {
        error.code == .unavailable || error.code == .deadlineExceeded
            ? "error: cannot reach the router at \(address): \(error.code.canonicalName): \(error.message)"
            : "error: \(error.code.canonicalName): \(error.message)"
    }
}

/// Options every `herald route` subcommand takes.
typealias RouterClientOptions = ServiceCallOptions<RouterTarget>

extension ServiceCallOptions<RouterTarget> {
    /// Runs `body` with a router client; a gRPC error goes to stderr and becomes exit status 2.
    func withRouter<Result: Sendable>(
        _ body: (Herald_V1_Router.Client<HTTP2ClientTransport.Posix>, CallOptions) async throws -> Result
    ) async throws -> Result {
        try await withConnection { client, options in try await body(Herald_V1_Router.Client(wrapping: client), options) }
    }

    func emit(_ routes: [Herald_V1_Route], single: Bool) throws {
        if json {
            var options = JSONEncodingOptions()
            options.preserveProtoFieldNames = true
            if single, let route = routes.first {
                print(try route.jsonString(options: options))
            } else {
                print("[" + (try routes.map { try $0.jsonString(options: options) }).joined(separator: ",") + "]")
            }
        } else {
            if routes.isEmpty && !single { print("no routes") }
            print(routes.map(Self.text).joined(separator: "\n\n"))
        }
    }

    static func text(_ route: Herald_V1_Route) -> String {
        func list(_ values: [String]) -> String { values.isEmpty ? "any" : values.joined(separator: ", ") }
        var lines = [
            "route \(route.id)\(route.enabled ? "" : " (disabled)")",
            "  types:       \(list(route.filter.types))",
            "  sources:     \(list(route.filter.sources))",
            "  subject:     \(route.filter.subjectPrefix.isEmpty ? "any" : route.filter.subjectPrefix + "…")",
            "  extensions:  \(route.filter.extensions.isEmpty ? "any" : route.filter.extensions.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))",
            "  endpoints:   \(route.endpointIds.joined(separator: ", "))",
        ]
        if !route.description_p.isEmpty { lines.append("  description: \(route.description_p)") }
        return lines.joined(separator: "\n")
    }
}

struct RoutePutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put",
        abstract: "Create or replace a route.",
        discussion: "Example: herald route put --id orders --type 'com.example.order.*' --endpoint billing --endpoint crm"
    )

    @OptionGroup var router: RouterClientOptions

    @Option(help: "The route's id.")
    var id: String

    @Option(name: .customLong("type"), help: ArgumentHelp("An event type pattern: exact, or a prefix ending in '*' (repeatable).", valueName: "pattern"))
    var types: [String] = []

    @Option(name: .customLong("source"), help: ArgumentHelp("An event source pattern: exact, or a prefix ending in '*' (repeatable).", valueName: "pattern"))
    var sources: [String] = []

    @Option(help: "The event subject must start with this.")
    var subjectPrefix = ""

    @Option(name: .customLong("extension"), help: ArgumentHelp("An extension attribute that must be present with this value (repeatable).", valueName: "name=value"))
    var extensions: [String] = []

    @Option(name: .customLong("endpoint"), help: ArgumentHelp("An endpoint id that receives matching events (repeatable, at least one).", valueName: "id"))
    var endpoints: [String] = []

    @Flag(help: "Store the route disabled (it matches nothing until enabled).")
    var disabled = false

    @Option(help: "Free text shown with the route.")
    var description: String = ""

    func validate() throws {
        guard !endpoints.isEmpty else { throw ValidationError("name at least one --endpoint") }
        for pair in extensions where !pair.contains("=") || pair.hasPrefix("=") {
            throw ValidationError("--extension takes name=value, not '\(pair)'")
        }
    }

    func run() async throws {
        let route = Herald_V1_Route.with {
            $0.id = id
            $0.filter = .with {
                $0.types = types
                $0.sources = sources
                $0.subjectPrefix = subjectPrefix
                for pair in extensions {
                    let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    $0.extensions[String(parts[0])] = String(parts[1])
                }
            }
            $0.endpointIds = endpoints
            $0.enabled = !disabled
            $0.description_p = description
        }
        let stored = try await router.withRouter { client, options in
            try await client.putRoute(.with { $0.route = route }, options: options).route
        }
        try router.emit([stored], single: true)
    }
}

struct RouteGetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Show one route.")

    @OptionGroup var router: RouterClientOptions

    @Option(help: "The route's id.")
    var id: String

    func run() async throws {
        let id = id
        let route = try await router.withRouter { client, options in
            try await client.getRoute(.with { $0.id = id }, options: options).route
        }
        try router.emit([route], single: true)
    }
}

struct RouteListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List every route, by id.")

    @OptionGroup var router: RouterClientOptions

    func run() async throws {
        let routes = try await router.withRouter { client, options in
            try await client.listRoutes(.init(), options: options).routes
        }
        try router.emit(routes, single: false)
    }
}

struct RouteDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a route.")

    @OptionGroup var router: RouterClientOptions

    @Option(help: "The route's id.")
    var id: String

    func run() async throws {
        let id = id
        _ = try await router.withRouter { client, options in
            try await client.deleteRoute(.with { $0.id = id }, options: options)
        }
        if router.json { print(#"{"deleted":"\#(id)"}"#) } else { print("deleted route \(id)") }
    }
}
