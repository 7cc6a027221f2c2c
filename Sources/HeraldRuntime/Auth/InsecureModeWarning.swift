public import Logging
public import ServiceLifecycle

/// Logs, every `interval` while it runs, that the service checks no key: an insecure start must
/// not go unnoticed in the logs.
public struct InsecureModeWarning: Service {
    let interval: Duration
    let logger: Logger

    public init(interval: Duration = .seconds(60), logger: Logger) {
        self.interval = interval
        self.logger = logger
    }

    /// The warning for `authentication`, or nothing when keys are checked.
    public static func services(for authentication: CallAuthentication, logger: Logger) -> [any Service] {
        authentication.keys == nil ? [InsecureModeWarning(logger: logger)] : []
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                logger.warning("Authentication is off (--insecure-no-auth): every caller may do anything")
                try await Task.sleep(for: interval)
            }
        }
    }
}
