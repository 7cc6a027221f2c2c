import AsyncHTTPClient
import Foundation
import HeraldKafka
import HeraldRuntime
import HeraldTestSupport
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

/// TLS end to end over real sockets, with certificates made for the test: a registry requiring
/// client certificates (mTLS) and a TLS producer that reaches it with one, both the very
/// assemblies the executables run; the built `herald` binary registers and publishes through
/// them with `--tls-ca-file`, and each way of getting TLS wrong fails for its own reason.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct TLSPublishTests {
    /// What the CLI reports when a TLS handshake was refused (by either side).
    static let refusedHandshake = "closed the connection before completing the HTTP/2 connection preface"
    static let schema = #"{"type":"record","name":"Ping","namespace":"com.example","fields":[{"name":"n","type":"int"}]}"#

    @Test func theCLIPublishesThroughATLSProducerWhoseRegistryRequiresClientCertificates() async throws {
        let kafka = TestEnvironment.kafka()
        let logger = TestEnvironment.logger
        let certificates = try TestCertificates.make()
        let stranger = try TestCertificates.make()
        defer {
            certificates.remove()
            stranger.remove()
        }
        let registryCertificate = try ListenerCertificate(
            certificateFile: certificates.serverCertificateFile, keyFile: certificates.serverKeyFile, clientCAFile: certificates.caFile)
        let producerCertificate = try ListenerCertificate(certificateFile: certificates.serverCertificateFile, keyFile: certificates.serverKeyFile)
        try await withInProcessStack(
            registry: { try await InProcessRegistry.start(kafka: kafka, prefix: "herald-test-cli-tls", tls: registryCertificate, logger: logger) },
            producer: {
                try await InProcessProducer.start(
                    kafka: kafka, registry: $0, partitions: 2, prefix: "herald-test-cli-tls", tls: producerCertificate,
                    registryTLS: ClientTLS(caFile: certificates.caFile, certificateFile: certificates.clientCertificateFile, keyFile: certificates.clientKeyFile),
                    logger: logger)
            }
        ) { registry, producer in
            try await walkThrough(registry: registry, producer: producer, certificates: certificates, stranger: stranger)
        }
    }

    private func walkThrough(registry: InProcessRegistry, producer: InProcessProducer, certificates: TestCertificates, stranger: TestCertificates) async throws {
        let clientCertificate = ["--tls-client-cert-file", certificates.clientCertificateFile, "--tls-client-key-file", certificates.clientKeyFile]
        let herald = HeraldRun(registry: registry.grpcAddress)

        // mTLS: trusting the registry is not enough, it wants a client certificate. gRPC reports a
        // refused handshake only as a connection closed before HTTP/2 began; the same call with the
        // certificate succeeding below shows the certificate is what was missing.
        let anonymous = try await herald.run("schema", "register", "--subject", "pings-value", "--schema", Self.schema, "--tls-ca-file", certificates.caFile)
        #expect(anonymous.status == 2, "\(anonymous)")
        #expect(anonymous.stderr.contains(Self.refusedHandshake), "\(anonymous)")

        let registered = try await herald.run(
            ["schema", "register", "--subject", "pings-value", "--schema", Self.schema, "--tls-ca-file", certificates.caFile] + clientCertificate)
        #expect(registered.status == 0, "\(registered)")

        // The producer resolves the schema over mTLS and answers the CLI over TLS.
        let publisher = HeraldRun(registry: nil, environment: ["HERALD_PRODUCER_URL": producer.grpcAddress])
        let event = ["publish", "--type", "com.example.ping", "--source", "/tls", "--schema-subject", "pings-value", "--data", #"{"n":1}"#]
        let published = try await publisher.run(event + ["--tls-ca-file", certificates.caFile])
        #expect(published.status == 0, "\(published)")
        #expect(published.stdout.hasPrefix("published "), "\(published)")

        // A plaintext client gets no HTTP/2 from a TLS listener; a client trusting another CA refuses the certificate.
        let plaintext = try await publisher.run(event)
        #expect(plaintext.status == 2, "\(plaintext)")
        #expect(!plaintext.stdout.contains("published"), "\(plaintext)")
        #expect(plaintext.stderr.contains("cannot reach the producer"), "\(plaintext)")
        let untrusting = try await publisher.run(event + ["--tls-ca-file", stranger.caFile])
        #expect(untrusting.status == 2, "\(untrusting)")
        #expect(untrusting.stderr.contains(Self.refusedHandshake), "\(untrusting)")

        // /healthz is served over TLS on the producer's HTTP port.
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(certificates.caFile)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        do {
            let response = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(producer.httpPort)/healthz"), timeout: .seconds(10))
            #expect(response.status == .ok)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }
}
