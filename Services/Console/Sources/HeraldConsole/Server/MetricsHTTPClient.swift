import AsyncHTTPClient
import HeraldRuntime
import NIOCore
import NIOSSL

/// How the overview's HTTP clients read `/metrics`: no redirects, a short connect timeout, and the
/// services' CA trusted (with the console's client certificate for mTLS) when one is configured.
/// Made once when the console starts, so a missing certificate file fails there, not on a page.
enum MetricsHTTPClient {
    static func configuration(tls: ClientTLS) throws -> HTTPClient.Configuration {
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
        return configuration
    }
}
