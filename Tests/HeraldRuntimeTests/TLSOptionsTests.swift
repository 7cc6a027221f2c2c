import ArgumentParser
import HeraldKafka
import HeraldRuntime
import HeraldTestSupport
import Testing

/// The TLS options every service shares: what they must come with, the clear error when they do
/// not, and what a service's configuration takes from them. Certificates are made for each test.
struct TLSOptionsTests {
    typealias RegistryClient = ServiceConfigurationTests.RegistryClient

    @Test func listenerAndRegistryTLSReachTheConfiguration() throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let common = try CommonOptions.parse([
            "--tls-cert-file", certificates.serverCertificateFile, "--tls-key-file", certificates.serverKeyFile,
            "--tls-client-ca-file", certificates.caFile,
            "--tls-ca-file", certificates.caFile,
            "--tls-client-cert-file", certificates.clientCertificateFile, "--tls-client-key-file", certificates.clientKeyFile,
        ])
        let client: RegistryClient = try common.configuration("producer", authentication: .off)
        #expect(client.listenerCertificate?.certificateFile == certificates.serverCertificateFile)
        #expect(client.listenerCertificate?.clientCAFile == certificates.caFile)
        #expect(client.registryTLS == ClientTLS(
            caFile: certificates.caFile, certificateFile: certificates.clientCertificateFile, keyFile: certificates.clientKeyFile))
    }

    @Test func withoutTLSOptionsEverythingIsPlaintext() throws {
        let client: RegistryClient = try CommonOptions.parse([]).configuration("producer", authentication: .off)
        #expect(client.listenerCertificate == nil)
        #expect(client.registryTLS == .plaintext)
    }

    @Test func aKeyThatIsNotTheCertificatesIsRefusedNamingIt() throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let common = try CommonOptions.parse([
            "--tls-cert-file", certificates.serverCertificateFile, "--tls-key-file", certificates.clientKeyFile,
        ])
        #expect {
            let _: RegistryClient = try common.configuration("producer", authentication: .off)
        } throws: { error in
            "\(error)".contains("\(certificates.clientKeyFile): does not match the certificate in \(certificates.serverCertificateFile)")
        }
    }

    @Test func incompleteOrMissingFilesAreRefusedWithTheReason() throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let cases: [([String], String)] = [
            (["--tls-cert-file", certificates.serverCertificateFile], "--tls-cert-file and --tls-key-file go together"),
            (["--tls-key-file", certificates.serverKeyFile], "--tls-cert-file and --tls-key-file go together"),
            (["--tls-client-ca-file", certificates.caFile], "--tls-client-ca-file needs --tls-cert-file and --tls-key-file"),
            (["--tls-cert-file", "/nonexistent/server.pem", "--tls-key-file", certificates.serverKeyFile],
             "--tls-cert-file /nonexistent/server.pem: no such readable file"),
            (["--tls-ca-file", "/nonexistent/ca.pem"], "--tls-ca-file /nonexistent/ca.pem: no such readable file"),
            (["--tls-ca-file", certificates.caFile, "--tls-client-cert-file", certificates.clientCertificateFile],
             "--tls-client-cert-file and --tls-client-key-file go together"),
            (["--tls-client-cert-file", certificates.clientCertificateFile, "--tls-client-key-file", certificates.clientKeyFile],
             "--tls-client-cert-file needs --tls-ca-file"),
        ]
        for (arguments, message) in cases {
            #expect {
                _ = try CommonOptions.parse(arguments)
            } throws: { error in
                CommonOptions.message(for: error).contains(message)
            }
        }
    }
}
