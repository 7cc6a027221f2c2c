public import ArgumentParser
import Foundation

/// TLS for a service's gRPC and HTTP listeners. Part of `CommonOptions`; each option is also an
/// environment variable (`HERALD_TLS_CERT_FILE`, …). Without a certificate both listeners speak plaintext.
public struct ListenerTLSOptions: ParsableArguments, Sendable {
    @Option(help: """
        PEM certificate (chain) the gRPC and HTTP listeners present; with --tls-key-file they speak TLS only. \
        Re-read on SIGHUP. Env: HERALD_TLS_CERT_FILE.
        """)
    public var tlsCertFile = HeraldEnvironment.string("tls-cert-file", default: "")

    @Option(help: "PEM private key of --tls-cert-file. Env: HERALD_TLS_KEY_FILE.")
    public var tlsKeyFile = HeraldEnvironment.string("tls-key-file", default: "")

    @Option(help: """
        PEM CA(s) that client certificates must chain to: with it, both listeners refuse clients without one (mTLS). \
        Env: HERALD_TLS_CLIENT_CA_FILE.
        """)
    public var tlsClientCaFile = HeraldEnvironment.string("tls-client-ca-file", default: "")

    public init() {}

    public func validate() throws {
        guard tlsCertFile.isEmpty == tlsKeyFile.isEmpty else {
            throw ValidationError("--tls-cert-file and --tls-key-file go together: give both or neither")
        }
        guard tlsClientCaFile.isEmpty || !tlsCertFile.isEmpty else {
            throw ValidationError("--tls-client-ca-file needs --tls-cert-file and --tls-key-file")
        }
        for (option, path) in [("--tls-cert-file", tlsCertFile), ("--tls-key-file", tlsKeyFile), ("--tls-client-ca-file", tlsClientCaFile)]
        where !path.isEmpty && !FileManager.default.isReadableFile(atPath: path) {
            throw ValidationError("\(option) \(path): no such readable file")
        }
    }

    /// The listeners' certificate, read and checked now; nil when TLS is off.
    public func listenerCertificate() throws -> ListenerCertificate? {
        guard !tlsCertFile.isEmpty else { return nil }
        do {
            return try ListenerCertificate(
                certificateFile: tlsCertFile, keyFile: tlsKeyFile, clientCAFile: tlsClientCaFile.isEmpty ? nil : tlsClientCaFile)
        } catch let invalid as ListenerCertificate.Invalid {
            throw ValidationError("TLS listener certificate: \(invalid)")
        }
    }
}
