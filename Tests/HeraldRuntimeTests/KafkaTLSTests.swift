import ArgumentParser
import Foundation
import HeraldKafka
@testable import HeraldRuntime
import HeraldTestSupport
import Logging
import Testing

/// Kafka over verified TLS for real: stunnel, with certificates made for the test, terminates TLS
/// in front of the local broker. The local broker advertises its own plaintext address in
/// metadata, so what crosses the terminator is the bootstrap connection and its metadata; that
/// path is what these tests prove.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct KafkaTLSTests {
    static let broker = TestEnvironment.brokers.split(separator: ",").first.map(String.init) ?? TestEnvironment.brokers
    let logger = Logger(label: "test.kafka-tls")

    /// A TLS terminator in front of the broker with fresh certificates, for the length of `body`.
    func withTerminator(_ body: (TLSTerminator, TestCertificates) async throws -> Void) async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let terminator = try await TLSTerminator.start(forwardingTo: Self.broker, certificates: certificates)
        defer { terminator.stop() }
        try await body(terminator, certificates)
    }

    func options(brokers: String, _ arguments: [String]) throws -> CommonOptions {
        try CommonOptions.parse(["--kafka-brokers", brokers, "--kafka-timeout-ms", "10000"] + arguments)
    }

    @Test func metadataArrivesOverVerifiedTLS() async throws {
        try await withTerminator { terminator, certificates in
            let common = try options(brokers: terminator.address, ["--kafka-security-protocol", "ssl", "--kafka-ssl-ca-file", certificates.caFile])
            let topic = "herald-test.tls.\(UUID().uuidString)"
            let plain = try KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: [Self.broker]), logger: logger)
            try await plain.createTopic(topic, partitions: 1)
            await plain.close()

            // Verification is on (librdkafka's default, hostname included: the certificate names 127.0.0.1).
            let configuration = try await common.checkedKafkaConfiguration(clientID: "test-tls", logger: logger)
            let admin = try KafkaAdmin(configuration: configuration, logger: logger)
            let topics = try await admin.listTopics()
            await admin.close()
            #expect(topics.contains(topic))
        }
    }

    @Test func aWrongCAStopsTheStartWithTheVerificationError() async throws {
        try await withTerminator { terminator, _ in
            let stranger = try TestCertificates.make()
            defer { stranger.remove() }
            let common = try options(brokers: terminator.address, ["--kafka-security-protocol", "ssl", "--kafka-ssl-ca-file", stranger.caFile])
            let error = await #expect(throws: KafkaUnreachable.self) {
                try await common.checkedKafkaConfiguration(clientID: "test-tls", logger: logger)
            }
            // Refused on the handshake, not after waiting out the timeout.
            #expect(error?.cause.code == .tlsFailure)
            #expect(error?.description.contains("certificate verify failed") == true, "\(error.map(String.init(describing:)) ?? "")")
        }
    }

    @Test func aPlaintextClientGetsNothingFromTheTLSPort() async throws {
        try await withTerminator { terminator, _ in
            let configuration = KafkaConfiguration(bootstrapServers: [terminator.address], requestTimeout: .seconds(2))
            await #expect(throws: KafkaError.self) { try await KafkaConnectionCheck.verify(configuration, logger: logger) }
        }
    }
}
