import ArgumentParser
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldRuntime

/// A service a `herald` command talks to: the option naming its gRPC address, the address used
/// without it, and how a failed call is told on stderr.
protocol ServiceClientTarget {
    /// The address option, e.g. `router-url` (read from `HERALD_ROUTER_URL` when not given).
    static var addressOption: String { get }
    static var defaultAddress: String { get }
    /// How help names the service, e.g. "a router".
    static var name: String { get }
    /// The line on stderr for a call the service refused or that could not reach it.
    static func describe(_ error: RPCError, address: String) -> String
}

/// How a `herald` command reaches a service (its address, TLS and API key): declared once for
/// every service, and the one place a connection to one is set up.
struct ServiceClientOptions<Target: ServiceClientTarget>: ParsableArguments {
    @Option(
        name: .customLong(Target.addressOption),
        help: ArgumentHelp("gRPC address (host:port) of \(Target.name). Env: \(HeraldEnvironment.variableName(forOption: Target.addressOption)).")
    )
    var address = HeraldEnvironment.string(Target.addressOption, default: Target.defaultAddress)

    @OptionGroup(title: "TLS")
    var tls: ClientTLSOptions

    @OptionGroup(title: "API key (default: .herald/dev-admin-key when present)")
    var key: ClientKeyOptions

    func validate() throws {
        _ = try ServiceAddress.option(address)
    }

    /// Runs `body` with a connection to the service. A gRPC error goes to stderr as
    /// `Target.describe` tells it and becomes exit status 2.
    func withConnection<Result: Sendable>(
        _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
    ) async throws -> Result {
        let target = try ServiceAddress.option(address)
        do {
            return try await withGRPCClient(
                transport: .http2NIOPosix(target: target.grpcTarget, transportSecurity: tls.clientTLS.transportSecurity),
                interceptors: APIKeyClientInterceptor.sending(try key.key(fallbackFile: DevAdminKey.path)),
                handleClient: body
            )
        } catch let error as RPCError {
            printError(Target.describe(error, address: address))
            throw ExitCode(2)
        }
    }
}

/// The options of a `herald` command group whose every call waits at most `--timeout` and can
/// print JSON (`herald schema`, `herald key`, `herald route`): the connection, `--json` and
/// `--timeout`, declared once.
struct ServiceCallOptions<Target: ServiceClientTarget>: ParsableArguments {
    @OptionGroup var connection: ServiceClientOptions<Target>

    @Flag(help: "Print the result as JSON (one object on stdout) instead of text.")
    var json = false

    @Option(help: ArgumentHelp("Seconds to wait for each answer of \(Target.name)."))
    var timeout: Double = 30

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    /// Runs `body` with a connection to the service and the call options every call uses (the
    /// timeout); a gRPC error goes to stderr as `Target.describe` tells it and becomes exit status 2.
    func withConnection<Result: Sendable>(
        _ body: (GRPCClient<HTTP2ClientTransport.Posix>, CallOptions) async throws -> Result
    ) async throws -> Result {
        try await connection.withConnection { client in
            var options = CallOptions.defaults
            options.timeout = .milliseconds(Int64(timeout * 1000))
            return try await body(client, options)
        }
    }
}
