public import GRPCNIOTransportHTTP2Posix
public import NIOCertificateReloading
public import NIOSSL
import Synchronization

/// The certificate and key a listener presents, read from PEM files, and optionally the CA its
/// clients' certificates must chain to (mutual TLS).
///
/// New handshakes take whatever `reload()` last read, so a renewed certificate is served without
/// closing the listener or the connections already open. A reload that fails keeps the pair
/// that was working.
public final class ListenerCertificate: CertificateReloader, Sendable {
    public let certificateFile: String
    public let keyFile: String
    /// When set, clients must present a certificate signed by a CA in this PEM file.
    public let clientCAFile: String?
    private let current: Mutex<NIOSSLContextConfigurationOverride>

    /// Reads and checks the pair; throws `ListenerCertificate.Invalid` naming the file at fault.
    public init(certificateFile: String, keyFile: String, clientCAFile: String? = nil) throws {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.clientCAFile = clientCAFile
        current = Mutex(try Self.load(certificateFile: certificateFile, keyFile: keyFile, clientCAFile: clientCAFile))
    }

    /// Reads the files again; new handshakes use the new pair. Throws and keeps the old pair when
    /// the files are missing, unreadable, or do not belong together.
    public func reload() throws {
        let loaded = try Self.load(certificateFile: certificateFile, keyFile: keyFile, clientCAFile: clientCAFile)
        current.withLock { $0 = loaded }
    }

    public var sslContextConfigurationOverride: NIOSSLContextConfigurationOverride {
        current.withLock { $0 }
    }

    /// TLS for a gRPC listener: this certificate, and client certificates required when `clientCAFile` is set.
    public var grpcTransportSecurity: HTTP2ServerTransport.Posix.TransportSecurity {
        get throws {
            guard let clientCAFile else { return try .tls(certificateReloader: self) }
            return try .mTLS(certificateReloader: self) { config in
                config.trustRoots = .certificates([.file(path: clientCAFile, format: .pem)])
            }
        }
    }

    /// TLS for an HTTP listener, with the same certificate and client requirement.
    public var httpTLSConfiguration: TLSConfiguration {
        get throws {
            guard let clientCAFile else { return try .makeServerConfiguration(certificateReloader: self) }
            return try .makeServerConfigurationWithMTLS(certificateReloader: self, trustRoots: .file(clientCAFile))
        }
    }

    private static func load(certificateFile: String, keyFile: String, clientCAFile: String?) throws -> NIOSSLContextConfigurationOverride {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw Invalid(file: certificateFile, reason: "not a readable PEM certificate (\(error))")
        }
        guard !chain.isEmpty else { throw Invalid(file: certificateFile, reason: "holds no certificate") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw Invalid(file: keyFile, reason: "not a readable PEM private key (\(error))")
        }
        if let clientCAFile {
            do {
                guard !(try NIOSSLCertificate.fromPEMFile(clientCAFile)).isEmpty else {
                    throw Invalid(file: clientCAFile, reason: "holds no certificate")
                }
            } catch let invalid as Invalid {
                throw invalid
            } catch {
                throw Invalid(file: clientCAFile, reason: "not a readable PEM certificate (\(error))")
            }
        }
        // Building a context is where BoringSSL checks that the key belongs to the certificate.
        do {
            _ = try NIOSSLContext(configuration: .makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key)))
        } catch {
            throw Invalid(file: keyFile, reason: "does not match the certificate in \(certificateFile) (\(error))")
        }
        var loaded = NIOSSLContextConfigurationOverride()
        loaded.certificateChain = chain.map { .certificate($0) }
        loaded.privateKey = .privateKey(key)
        return loaded
    }

    /// A certificate, key or CA file that cannot serve.
    public struct Invalid: Error, CustomStringConvertible {
        public let file: String
        public let reason: String
        public var description: String { "\(file): \(reason)" }
    }
}
