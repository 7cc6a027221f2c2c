import Foundation
import HeraldTestSupport
import Testing

/// The `herald-registry` executable against a Kafka whose TLS certificate its CA file does not
/// vouch for: it must stop at start and say why, not time out later.
@Suite(.timeLimit(.minutes(2)))
struct KafkaTLSStartTests {
    @Test func aWrongKafkaCAStopsTheRegistryWithTheVerificationError() async throws {
        let certificates = try TestCertificates.make()
        let stranger = try TestCertificates.make()
        defer { certificates.remove(); stranger.remove() }
        let broker = TestEnvironment.brokers.split(separator: ",").first.map(String.init) ?? TestEnvironment.brokers
        let terminator = try await TLSTerminator.start(forwardingTo: broker, certificates: certificates)
        defer { terminator.stop() }

        do {
            let registry = try await ServiceProcess.start("herald-registry", arguments: [
                "--kafka-brokers", terminator.address, "--grpc-port", "0", "--http-port", "0",
                "--kafka-security-protocol", "ssl", "--kafka-ssl-ca-file", stranger.caFile,
            ], readyMessage: "Registry listening")
            _ = registry.terminate()
            Issue.record("the registry started although Kafka's certificate does not verify")
        } catch let ServiceProcess.Failure.exited(_, log) {
            #expect(log.contains("cannot reach Kafka at \(terminator.address) over ssl"), "\(log)")
            #expect(log.contains("certificate verify failed"), "\(log)")
        }
    }
}
