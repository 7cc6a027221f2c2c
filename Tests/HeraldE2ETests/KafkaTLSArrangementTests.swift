import HeraldKafka
import HeraldTestSupport
import Testing

/// What makes a run of this target over `scripts/kafka-tls.sh` a proof that every service reached
/// Kafka over verified TLS: the one broker address there is (the address clients bootstrap from
/// and the one its metadata names, which the script checks at start) gives a plaintext client
/// nothing, while the same address over TLS answers; and a service trusting another CA stops at
/// start, saying why. Only over that arrangement (`HERALD_TEST_KAFKA_TLS_CA_FILE`).
@Suite(.serialized, .enabled(if: TestEnvironment.overTLS, "needs the TLS-only broker of scripts/kafka-tls.sh"), .timeLimit(.minutes(2)))
struct KafkaTLSArrangementTests {
    @Test func theBrokerAddressAnswersOverVerifiedTLSAndNothingInPlaintext() async throws {
        let plaintext = KafkaConfiguration(bootstrapServers: [TestEnvironment.brokers], requestTimeout: .seconds(3))
        await #expect(throws: KafkaError.self) { try await KafkaConnectionCheck.verify(plaintext, logger: TestEnvironment.logger) }
        // The same address verifying the arrangement's CA: what the plaintext client missed is TLS, not a broker.
        try await KafkaConnectionCheck.verify(TestEnvironment.kafka(), logger: TestEnvironment.logger)
    }

    @Test func aServiceTrustingAnotherCAStopsAtStartWithTheVerificationFailure() async throws {
        let stranger = try TestCertificates.make()
        defer { stranger.remove() }
        let failure = await #expect(throws: ServiceProcess.Failure.self) {
            let router = try await ServiceProcess.start("herald-router", arguments: [
                "--kafka-brokers", TestEnvironment.brokers, "--kafka-security-protocol", "ssl", "--kafka-ssl-ca-file", stranger.caFile,
                "--kafka-timeout-ms", "10000", "--grpc-port", "0", "--http-port", "0", "--data-dir", TestEnvironment.temporaryDirectory("tls-router"),
            ], readyMessage: "Router listening")
            router.kill()
        }
        guard case .exited(_, let log) = failure else {
            Issue.record("the router did not exit at start: \(failure.map { "\($0)" } ?? "it started")")
            return
        }
        #expect(log.contains("cannot reach Kafka at \(TestEnvironment.brokers) over ssl"), "\(log)")
        #expect(log.contains("certificate verify failed"), "\(log)")
    }
}
