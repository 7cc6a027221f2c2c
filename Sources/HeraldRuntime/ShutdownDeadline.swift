import Foundation
public import Logging
public import ServiceLifecycle

/// Bounds graceful shutdown: once it begins, the process exits when `timeout` runs out, even if
/// a call, a stream or a webhook send never finishes. The exit runs on a dispatch queue, so it
/// happens even when every task of Swift's cooperative pool is stuck.
///
/// List it last in the service group: the group tells its services to shut down in reverse order,
/// one after the other, so the deadline starts before any service begins to drain.
public struct ShutdownDeadline: Service {
    public let timeout: Duration
    private let logger: Logger

    public init(timeout: Duration, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    public func run() async throws {
        // Throws only when the group is cancelled, which needs no deadline.
        guard (try? await gracefulShutdown()) != nil else { return }
        let (timeout, logger) = (timeout, logger)
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) {
            logger.critical("Graceful shutdown did not finish within --shutdown-timeout; exiting", metadata: ["timeout": "\(timeout)"])
            exit(1)
        }
    }
}
