import ArgumentParser
import Foundation
@testable import HeraldKafka
@testable import HeraldRuntime
import HeraldTestSupport
import Logging
import Testing

/// `--kafka-security-protocol` and its companions: what reaches librdkafka, and a clear error for
/// every combination that cannot work.
@Suite struct KafkaSecurityOptionsTests {
    /// The librdkafka properties a process started with `arguments` would hand to its clients.
    func clientProperties(_ arguments: [String]) throws -> [String: String] {
        try CommonOptions.parse(arguments).kafkaConfiguration(clientID: "test").clientProperties
    }

    func rejection(_ arguments: [String]) -> String? {
        do {
            _ = try CommonOptions.parse(arguments)
            return nil
        } catch {
            return CommonOptions.message(for: error)
        }
    }

    func temporaryFile(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("herald-secret-\(UUID().uuidString)").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func plaintextByDefault() throws {
        #expect(try clientProperties([])["security.protocol"] == "plaintext")
    }

    @Test func saslSettingsReachLibrdkafka() async throws {
        let password = try temporaryFile("s3cret\n")
        // librdkafka loads the CA when the client is created, so it must be a real one.
        let certificates = try TestCertificates.make()
        let ca = certificates.caFile
        defer { try? FileManager.default.removeItem(atPath: password); certificates.remove() }
        let arguments = [
            "--kafka-security-protocol", "sasl_ssl", "--kafka-sasl-mechanism", "scram-sha-512",
            "--kafka-sasl-username", "herald", "--kafka-sasl-password-file", password, "--kafka-ssl-ca-file", ca,
            "--kafka-property", "ssl.endpoint.identification.algorithm=none", "--kafka-property", "client.rack=eu-west-1a",
        ]
        let properties = try clientProperties(arguments)
        #expect(properties["security.protocol"] == "sasl_ssl")
        #expect(properties["sasl.mechanisms"] == "SCRAM-SHA-512")
        #expect(properties["sasl.username"] == "herald")
        #expect(properties["sasl.password"] == "s3cret")
        #expect(properties["ssl.ca.location"] == ca)
        #expect(properties["ssl.endpoint.identification.algorithm"] == "none")
        #expect(properties["client.rack"] == "eu-west-1a")
        // librdkafka itself accepts every one of them (it rejects unknown names and values at creation).
        let admin = try KafkaAdmin(configuration: try CommonOptions.parse(arguments).kafkaConfiguration(clientID: "test"), logger: .init(label: "test"))
        await admin.close()
    }

    @Test func saslPlaintextCarriesNoTLSFiles() throws {
        let password = try temporaryFile("pw")
        defer { try? FileManager.default.removeItem(atPath: password) }
        let properties = try clientProperties([
            "--kafka-security-protocol", "SASL_PLAINTEXT", "--kafka-sasl-mechanism", "PLAIN",
            "--kafka-sasl-username", "u", "--kafka-sasl-password-file", password,
        ])
        #expect(properties["security.protocol"] == "sasl_plaintext")
        #expect(properties["sasl.mechanisms"] == "PLAIN")
        #expect(properties["sasl.password"] == "pw")
        #expect(properties["ssl.ca.location"] == nil)
    }

    @Test func aPropertyLibrdkafkaDoesNotKnowFailsAtCreation() throws {
        let configuration = try CommonOptions.parse(["--kafka-property", "no.such.property=1"]).kafkaConfiguration(clientID: "test")
        #expect(throws: KafkaError.self) { try KafkaAdmin(configuration: configuration, logger: .init(label: "test")) }
    }

    @Test(arguments: [
        (["--kafka-security-protocol", "tls"], "unknown --kafka-security-protocol 'tls'"),
        (["--kafka-ssl-ca-file", "/etc/hostname"], "--kafka-ssl-ca-file needs --kafka-security-protocol ssl or sasl_ssl"),
        (["--kafka-security-protocol", "ssl", "--kafka-ssl-ca-file", "/no/such/ca.pem"], "--kafka-ssl-ca-file /no/such/ca.pem: no such file"),
        (["--kafka-security-protocol", "ssl", "--kafka-ssl-ca-file", "/tmp"], "--kafka-ssl-ca-file /tmp: not a readable file"),
        (["--kafka-security-protocol", "ssl", "--kafka-ssl-cert-file", "/etc/hostname"], "--kafka-ssl-cert-file and --kafka-ssl-key-file go together"),
        (["--kafka-security-protocol", "sasl_ssl"], "--kafka-security-protocol sasl_ssl needs --kafka-sasl-mechanism"),
        (["--kafka-security-protocol", "sasl_ssl", "--kafka-sasl-mechanism", "GSSAPI"], "unknown --kafka-sasl-mechanism 'GSSAPI'"),
        (["--kafka-security-protocol", "sasl_plaintext", "--kafka-sasl-mechanism", "PLAIN"], "needs --kafka-sasl-username"),
        (["--kafka-security-protocol", "sasl_plaintext", "--kafka-sasl-mechanism", "PLAIN", "--kafka-sasl-username", "u"], "needs --kafka-sasl-password-file"),
        (["--kafka-security-protocol", "sasl_plaintext", "--kafka-sasl-mechanism", "PLAIN", "--kafka-sasl-username", "u",
          "--kafka-sasl-password-file", "/no/such/password"], "--kafka-sasl-password-file /no/such/password: no such file"),
        (["--kafka-security-protocol", "ssl", "--kafka-sasl-mechanism", "PLAIN"], "--kafka-sasl-mechanism needs --kafka-security-protocol sasl_plaintext or sasl_ssl"),
        (["--kafka-property", "linger.ms"], "--kafka-property 'linger.ms' must be key=value"),
        (["--kafka-property", "=5"], "--kafka-property '=5' must be key=value"),
    ])
    func invalidCombinationsAreRefused(arguments: [String], message: String) {
        let rejected = rejection(arguments)
        #expect(rejected?.contains(message) == true, "\(arguments) gave \(rejected ?? "no error")")
    }

    @Test func anEmptyPasswordFileIsRefused() throws {
        let password = try temporaryFile("\n")
        defer { try? FileManager.default.removeItem(atPath: password) }
        let rejected = rejection([
            "--kafka-security-protocol", "sasl_plaintext", "--kafka-sasl-mechanism", "PLAIN",
            "--kafka-sasl-username", "u", "--kafka-sasl-password-file", password,
        ])
        #expect(rejected?.contains("must hold the password on one non-empty line") == true)
    }
}
