import ArgumentParser
import HeraldConsole
import HeraldRuntime
import Logging
import ServiceLifecycle

/// `herald-console`: parses options and runs the operators' console until SIGTERM or SIGINT.
@main
struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald-console",
        abstract: "Herald's operators' console: web pages over the services' public gRPC APIs, signed in with an API key."
    )

    @OptionGroup var options: ConsoleOptions

    @Option(help: "Seconds to finish requests in flight after SIGTERM before exiting anyway. Env: HERALD_SHUTDOWN_TIMEOUT.")
    var shutdownTimeout = HeraldEnvironment.int("shutdown-timeout", default: 30)

    @Option(help: "trace, debug, info, notice, warning, error or critical. Env: HERALD_LOG_LEVEL.")
    var logLevel = HeraldEnvironment.string("log-level", default: "info")

    func validate() throws {
        guard shutdownTimeout > 0 else { throw ValidationError("--shutdown-timeout must be positive") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
    }

    func run() async throws {
        HeraldLogging.bootstrap(level: Logger.Level(rawValue: logLevel) ?? .info)
        let logger = Logger(label: "herald.console")
        let configuration = try options.configuration()
        let built = try ConsoleServer.build(configuration, logger: logger)
        // SIGHUP re-reads the listener's certificate, as for every service.
        let reloading: [any Service] = configuration.listenerCertificate.map { [CertificateReloadService(certificates: [$0], logger: logger)] } ?? []
        let group = ServiceRunner.group(of: reloading + built.services, shutdownTimeout: .seconds(shutdownTimeout), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                let port = await built.boundPort.value
                logger.info("Console listening", metadata: ["http.port": "\(port)"])
            }
            try await tasks.waitForAll()
        }
    }
}
