public import ArgumentParser
import Foundation
public import GRPCNIOTransportHTTP2Posix

/// How a gRPC client reaches another Herald service: plaintext, or TLS trusting the CA in
/// `caFile`, optionally presenting a client certificate for a listener that requires one (mTLS).
public struct ClientTLS: Sendable, Equatable {
    /// PEM CA(s) the server's certificate must chain to; nil means plaintext.
    public var caFile: String?
    public var certificateFile: String?
    public var keyFile: String?

    public static let plaintext = ClientTLS()

    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }

    /// The transport security for `HTTP2ClientTransport.Posix`; the server's certificate is verified
    /// in full (chain and host name).
    public var transportSecurity: HTTP2ClientTransport.Posix.TransportSecurity {
        guard let caFile else { return .plaintext }
        let trust: (inout HTTP2ClientTransport.Posix.TransportSecurity.TLS) -> Void = { config in
            config.trustRoots = .certificates([.file(path: caFile, format: .pem)])
        }
        guard let certificateFile, let keyFile else { return .tls(configure: trust) }
        return .mTLS(
            certificateChain: [.file(path: certificateFile, format: .pem)], privateKey: .file(path: keyFile, format: .pem), configure: trust)
    }
}

/// `--tls-ca-file`, `--tls-client-cert-file`, `--tls-client-key-file`: TLS for calls to another
/// Herald service (the registry, or the service a CLI command talks to). Each is also an
/// environment variable (`HERALD_TLS_CA_FILE`, …).
public struct ClientTLSOptions: ParsableArguments, Sendable {
    @Option(help: """
        PEM CA(s) that the called service's certificate must chain to; with it the client speaks TLS and \
        verifies the server's certificate and host name. Env: HERALD_TLS_CA_FILE.
        """)
    public var tlsCaFile = HeraldEnvironment.string("tls-ca-file", default: "")

    @Option(help: "PEM client certificate to present to a listener that requires one (mTLS); needs --tls-ca-file. Env: HERALD_TLS_CLIENT_CERT_FILE.")
    public var tlsClientCertFile = HeraldEnvironment.string("tls-client-cert-file", default: "")

    @Option(help: "PEM private key of --tls-client-cert-file. Env: HERALD_TLS_CLIENT_KEY_FILE.")
    public var tlsClientKeyFile = HeraldEnvironment.string("tls-client-key-file", default: "")

    public init() {}

    public func validate() throws {
        guard tlsClientCertFile.isEmpty == tlsClientKeyFile.isEmpty else {
            throw ValidationError("--tls-client-cert-file and --tls-client-key-file go together: give both or neither")
        }
        guard tlsClientCertFile.isEmpty || !tlsCaFile.isEmpty else {
            throw ValidationError("--tls-client-cert-file needs --tls-ca-file (a client certificate is only presented over TLS)")
        }
        for (option, path) in [("--tls-ca-file", tlsCaFile), ("--tls-client-cert-file", tlsClientCertFile), ("--tls-client-key-file", tlsClientKeyFile)]
        where !path.isEmpty && !FileManager.default.isReadableFile(atPath: path) {
            throw ValidationError("\(option) \(path): no such readable file")
        }
    }

    public var clientTLS: ClientTLS {
        ClientTLS(
            caFile: tlsCaFile.isEmpty ? nil : tlsCaFile,
            certificateFile: tlsClientCertFile.isEmpty ? nil : tlsClientCertFile,
            keyFile: tlsClientKeyFile.isEmpty ? nil : tlsClientKeyFile)
    }
}
