import AsyncHTTPClient
import HeraldRuntime
import NIOCore
import NIOSSL
import ServiceLifecycle

/// The HTTP client the overview reads `/metrics` with, trusting the services' CA when one is
/// configured; as a service, it is shut down with the console (a client must be, before it goes).
struct MetricsHTTPClient: Service {
    let client: HTTPClient

    init(tls: ClientTLS) throws {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5)))
        if let caFile = tls.caFile {
            var trust = TLSConfiguration.makeClientConfiguration()
            trust.trustRoots = .file(caFile)
            if let certificateFile = tls.certificateFile, let keyFile = tls.keyFile {
                trust.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) }
                trust.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
            }
            configuration.tlsConfiguration = trust
        }
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
