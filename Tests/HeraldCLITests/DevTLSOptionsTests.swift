import ArgumentParser
import HeraldTestSupport
import Testing

@testable import HeraldCLI

/// `herald dev` runs its own registry: when its listeners speak TLS, the producer and delivery in
/// the same process must be able to call that registry, or the options are refused before start.
struct DevTLSOptionsTests {
    @Test func listenerTLSWithoutTrustForTheOwnRegistryIsRefused() throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let pair = ["--tls-cert-file", certificates.serverCertificateFile, "--tls-key-file", certificates.serverKeyFile]
        let cases: [([String], String)] = [
            (pair, "--tls-cert-file needs --tls-ca-file in herald dev"),
            (pair + ["--tls-client-ca-file", certificates.caFile, "--tls-ca-file", certificates.caFile],
             "--tls-client-ca-file needs --tls-client-cert-file and --tls-client-key-file in herald dev"),
        ]
        for (arguments, message) in cases {
            #expect {
                _ = try DevCommand.parse(arguments)
            } throws: { error in
                DevCommand.message(for: error).contains(message)
            }
        }
        _ = try DevCommand.parse(pair + [
            "--tls-client-ca-file", certificates.caFile, "--tls-ca-file", certificates.caFile,
            "--tls-client-cert-file", certificates.clientCertificateFile, "--tls-client-key-file", certificates.clientKeyFile,
        ])
    }
}
