import Foundation
import HeraldTestSupport

/// A `herald-registry` executable run as a child process, so tests can kill it with SIGKILL.
enum RegistryProcess {
    /// Starts the registry and returns once it reports its ports.
    static func start(_ names: RegistryNames, instance: String) async throws -> ServiceProcess {
        try await ServiceProcess.start("herald-registry", arguments: [
            "--kafka-brokers", TestEnvironment.brokers, "--grpc-port", "0", "--http-port", "0",
            "--instance-id", instance, "--schemas-topic", names.topic, "--election-topic", names.electionTopic,
            "--election-group", names.group, "--leader-transactional-id", names.transactionalID, "--keys-topic", names.keysTopic, "--audit-topic", names.auditTopic,
        ], readyMessage: "Registry listening")
    }
}

extension ServiceProcess {
    /// The registry's REST base URL.
    var base: String { "http://127.0.0.1:\(httpPort)" }
}
