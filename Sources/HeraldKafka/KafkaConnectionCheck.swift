import Foundation
public import Logging
import Synchronization

/// Proves at start that the cluster can be reached with the configured transport security.
///
/// librdkafka retries a failed TLS handshake or SASL exchange forever and reports it only through
/// its error callback, so a wrong CA or a bad password would otherwise surface as a timeout on
/// whatever call a service makes first. A service that checks first stops with librdkafka's own
/// reason instead (`certificate verify failed`, `Authentication failed`).
public enum KafkaConnectionCheck {
    /// Returns once a broker answered a metadata request. Throws `.tlsFailure` or
    /// `.authenticationFailure` as soon as a connection fails that way, since retrying cannot fix
    /// it; throws `.timedOut`, naming the last connection error, when no broker answered within
    /// the configuration's request timeout.
    public static func verify(_ configuration: KafkaConfiguration, logger: Logger) async throws {
        let failures = ConnectionFailures()
        let client = try RDKafkaClient(
            kind: .producer,
            properties: configuration.clientProperties,
            callbacks: RDKafkaClient.Callbacks(logger: logger) { error in failures.record(error) }
        )
        let timeout = configuration.requestTimeout
        let brokers = configuration.bootstrapServers.joined(separator: ",")
        try await BlockingExecutor(label: "herald.kafka.connection-check").run {
            let deadline = ContinuousClock.now + timeout
            while true {
                // Serves the error callback, which is where TLS and SASL failures arrive.
                while client.poll(timeoutMilliseconds: 0) {}
                if let definitive = failures.definitive { throw definitive }
                do {
                    _ = try client.topicNames(timeout: .milliseconds(200))
                    return
                } catch {
                    failures.record(error)
                }
                guard ContinuousClock.now < deadline else {
                    let last = failures.last.map { "; last connection error: \($0.message)" } ?? ""
                    throw KafkaError(code: .timedOut, message: "no broker of \(brokers) answered within \(timeout)\(last)")
                }
            }
        }
    }
}

/// Connection errors seen during a check, shared between librdkafka's callback and the checking thread.
private final class ConnectionFailures: Sendable {
    private struct State {
        var last: KafkaError?
        var definitive: KafkaError?
    }

    private let state = Mutex(State())

    func record(_ error: any Error) {
        guard let error = error as? KafkaError else { return }
        state.withLock { state in
            if error.code == .tlsFailure || error.code == .authenticationFailure {
                state.definitive = state.definitive ?? error
            }
            // A timeout or "all brokers are down" says less than the connection error behind it.
            if ![.timedOut, .allBrokersDown].contains(error.code) || state.last == nil { state.last = error }
        }
    }

    var last: KafkaError? { state.withLock { $0.last } }
    var definitive: KafkaError? { state.withLock { $0.definitive } }
}
