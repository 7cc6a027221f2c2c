import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldKafka
import HeraldProtos
import HeraldTestSupport
import Logging
import SwiftProtobuf

/// The naive pipeline as a chaos target: an ingest process (plays the registry and the producer:
/// a kill of either hits it) and a deliver process (plays the router and delivery), both
/// `herald-bench naive-worker`, restarted on the same ports with the same group member id.
final class NaiveChaosTarget: ChaosTarget {
    let name = "naive"
    private let ingest: SupervisedService
    private let worker: SupervisedService
    private let client: GRPCClient<HTTP2ClientTransport.Posix>
    private let connections: Task<Void, any Error>

    static func start(receiver: WebhookReceiver, brokers: String, partitions: Int, logger: Logger) async throws -> NaiveChaosTarget {
        let prefix = "herald-seed-naive.\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max))"
        let topic = "\(prefix).events"
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: brokers.split(separator: ",").map(String.init)), logger: logger)
        try await admin.createTopic(topic, partitions: partitions, ignoreIfExists: true)
        await admin.close()
        let common = ["naive-worker", "--bootstrap-servers", brokers, "--topic", topic, "--group", "\(prefix).deliver",
                      "--instance-id", "naive", "--receiver-url", receiver.url]
        let ingest = try await SupervisedService.start(
            "ingest", executable: "herald-bench", arguments: common + ["--role", "ingest"], readyMessage: "Naive ingest listening")
        do {
            let worker = try await SupervisedService.start(
                "deliver", executable: "herald-bench", arguments: common + ["--role", "deliver"], readyMessage: "Naive worker listening")
            return try NaiveChaosTarget(ingest: ingest, worker: worker)
        } catch {
            ingest.kill()
            throw error
        }
    }

    private init(ingest: SupervisedService, worker: SupervisedService) throws {
        self.ingest = ingest
        self.worker = worker
        let client = GRPCClient(transport: try .http2NIOPosix(
            target: .ipv4(address: "127.0.0.1", port: ingest.grpcPort), transportSecurity: .plaintext))
        self.client = client
        connections = Task { try await client.runConnections() }
    }

    func crash(_ role: ChaosRole, downtime: Duration) async throws {
        switch role {
        case .registry, .producer: try await ingest.crash(downtime: downtime)
        case .router, .delivery: try await worker.crash(downtime: downtime)
        }
    }

    func publish(_ event: Herald_V1_Event, timeout: Duration) async throws {
        var options = CallOptions.defaults
        options.timeout = timeout
        _ = try await Herald_V1_Producer.Client(wrapping: client).publish(.with { $0.event = event }, options: options)
    }

    func logTails(lines: Int) -> String {
        [ingest, worker].map { "--- naive \($0.name)\n" + $0.log.split(separator: "\n").suffix(lines).joined(separator: "\n") }.joined(separator: "\n")
    }

    /// The naive processes have no graceful shutdown worth waiting for.
    func stop() {
        client.beginGracefulShutdown()
        connections.cancel()
        worker.kill()
        ingest.kill()
    }
}
