import Foundation
public import HeraldKafka
import HeraldProducer
public import HeraldRuntime
public import Logging

/// A producer running inside this process: the very `ProducerServer.build` assembly the
/// `herald-producer` executable runs, on a free port, writing to an events topic and under a
/// transactional id of its own.
public struct InProcessProducer: Sendable {
    public let grpcPort: Int
    public let httpPort: Int
    public let topic: String
    private let group: RunningGroup

    public var grpcAddress: String { "127.0.0.1:\(grpcPort)" }

    /// - Parameters:
    ///   - prefix: Start of the private names, e.g. `herald-bench`.
    ///   - tls: The certificate both listeners serve TLS with; nil: plaintext.
    ///   - registryTLS: How the producer reaches `registry`.
    ///   - authentication: How callers' keys are checked; off unless a test is about keys.
    ///   - registryKey: The key the producer's calls to `registry` send.
    public static func start(
        kafka: KafkaConfiguration, registry: InProcessRegistry, partitions: Int, prefix: String,
        tls: ListenerCertificate? = nil, registryTLS: ClientTLS = .plaintext,
        authentication: CallAuthentication = .off, registryKey: String? = nil, logger: Logger
    ) async throws -> InProcessProducer {
        let suffix = "\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max))"
        var configuration = ProducerServer.Configuration(kafka: kafka)
        configuration.grpcPort = 0
        configuration.httpPort = 0
        configuration.topic = "\(prefix).events.\(suffix)"
        configuration.partitions = partitions
        configuration.instanceID = "\(prefix).\(suffix)"
        configuration.registryAddress = registry.grpcAddress
        configuration.listenerCertificate = tls
        configuration.registryTLS = registryTLS
        configuration.authentication = authentication
        configuration.registryKey = registryKey
        let server = try await ProducerServer.build(configuration, logger: logger)
        let group = RunningGroup(server.services, logger: logger)
        return InProcessProducer(
            grpcPort: try await server.grpc.boundPort(), httpPort: await server.httpPort.value, topic: configuration.topic, group: group)
    }

    public func stop() async {
        try? await group.stop()
    }
}
