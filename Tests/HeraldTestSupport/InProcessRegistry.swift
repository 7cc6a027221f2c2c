import Foundation
public import HeraldKafka
public import HeraldRegistry
public import HeraldRuntime
public import Logging

/// A registry running inside this process: the very `RegistryServer.build` assembly the
/// `herald-registry` executable runs, on free ports and with topic, group and transactional-id
/// names of its own, so repeated runs (and tests) never see each other's schemas or fence each
/// other's leader.
public final class InProcessRegistry: Sendable {
    public let server: RegistryServer
    public let grpcPort: Int
    public let httpPort: Int
    public let topic: String
    private let group: RunningGroup

    public var grpcAddress: String { "127.0.0.1:\(grpcPort)" }
    public var httpBase: String { "http://127.0.0.1:\(httpPort)" }

    /// Starts the registry and returns once it serves (log replayed, a leader elected).
    /// - Parameters:
    ///   - prefix: Start of the private names, e.g. `herald-bench`.
    ///   - tls: The certificate both listeners serve TLS with; nil: plaintext.
    ///   - authentication: How callers' keys are checked; off unless a test is about keys.
    public static func start(
        kafka: KafkaConfiguration, prefix: String, tls: ListenerCertificate? = nil, authentication: CallAuthentication = .off,
        logger: Logger, timeout: Duration = .seconds(60)
    ) async throws -> InProcessRegistry {
        let suffix = "\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max))"
        var configuration = RegistryServer.Configuration(kafka: kafka)
        configuration.grpcPort = 0
        configuration.httpPort = 0
        configuration.listenerCertificate = tls
        configuration.authentication = authentication
        configuration.topic = "\(prefix)._schemas.\(suffix)"
        configuration.electionTopic = "\(prefix)._schemas.election.\(suffix)"
        configuration.electionGroup = "\(prefix)-registry.\(suffix)"
        configuration.transactionalID = "\(prefix)-registry-leader.\(suffix)"
        configuration.keysTopic = "\(prefix).api-keys.\(suffix)"
        configuration.auditTopic = "\(prefix).audit.\(suffix)"
        let server = try RegistryServer.build(configuration, logger: logger)
        let group = RunningGroup(server.services, logger: logger)
        let registry = InProcessRegistry(
            server: server, grpcPort: try await server.grpc.boundPort(), httpPort: await server.httpPort.value,
            topic: configuration.topic, group: group)
        let deadline = ContinuousClock.now + timeout
        while !server.health.isServing {
            guard ContinuousClock.now < deadline else {
                try? await registry.stop()
                throw InProcessRegistryError(description: "the in-process registry did not serve within \(timeout) (is the broker at \(kafka.bootstrapServers.joined(separator: ",")) up?)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return registry
    }

    private init(server: RegistryServer, grpcPort: Int, httpPort: Int, topic: String, group: RunningGroup) {
        self.server = server
        self.grpcPort = grpcPort
        self.httpPort = httpPort
        self.topic = topic
        self.group = group
    }

    /// Graceful stop, as on SIGTERM: resigns leadership, then stops the servers.
    public func stop() async throws {
        try await group.stop()
    }
}

public struct InProcessRegistryError: Error, CustomStringConvertible {
    public let description: String
}
