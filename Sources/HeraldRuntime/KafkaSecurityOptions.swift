public import ArgumentParser
import Foundation
public import HeraldKafka

/// How every Herald process protects and authenticates its Kafka connections: TLS, SASL, and
/// any other librdkafka property. Part of `CommonOptions`; each option is also an environment
/// variable (`HERALD_KAFKA_SECURITY_PROTOCOL`, …).
public struct KafkaSecurityOptions: ParsableArguments, Sendable {
    @Option(help: "plaintext, ssl, sasl_plaintext or sasl_ssl. Env: HERALD_KAFKA_SECURITY_PROTOCOL.")
    public var kafkaSecurityProtocol = HeraldEnvironment.string("kafka-security-protocol", default: "plaintext")

    @Option(help: """
        PEM file of the CA(s) that signed the brokers' certificates (ssl, sasl_ssl); default the system trust store. \
        Env: HERALD_KAFKA_SSL_CA_FILE.
        """)
    public var kafkaSslCaFile = HeraldEnvironment.string("kafka-ssl-ca-file", default: "")

    @Option(help: "PEM client certificate for brokers that require one (with --kafka-ssl-key-file). Env: HERALD_KAFKA_SSL_CERT_FILE.")
    public var kafkaSslCertFile = HeraldEnvironment.string("kafka-ssl-cert-file", default: "")

    @Option(help: "PEM private key of --kafka-ssl-cert-file. Env: HERALD_KAFKA_SSL_KEY_FILE.")
    public var kafkaSslKeyFile = HeraldEnvironment.string("kafka-ssl-key-file", default: "")

    @Option(help: "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (sasl_plaintext, sasl_ssl). Env: HERALD_KAFKA_SASL_MECHANISM.")
    public var kafkaSaslMechanism = HeraldEnvironment.string("kafka-sasl-mechanism", default: "")

    @Option(help: "SASL user name. Env: HERALD_KAFKA_SASL_USERNAME.")
    public var kafkaSaslUsername = HeraldEnvironment.string("kafka-sasl-username", default: "")

    @Option(help: """
        File holding the SASL password (one line; a trailing newline is ignored), so it stays out of \
        process listings. Env: HERALD_KAFKA_SASL_PASSWORD_FILE.
        """)
    public var kafkaSaslPasswordFile = HeraldEnvironment.string("kafka-sasl-password-file", default: "")

    @Option(help: """
        Any librdkafka property as key=value, applied after every other setting (repeatable). \
        Env: HERALD_KAFKA_PROPERTY, several separated by ';'.
        """)
    public var kafkaProperty: [String] = HeraldEnvironment.string("kafka-property", default: "")
        .split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }

    public init() {}

    public func validate() throws {
        _ = try settings()
    }

    /// The librdkafka security settings and extra properties these options describe. Throws a
    /// `ValidationError` naming the option when they do not fit together or a file is unreadable;
    /// reads the SASL password file.
    public func settings() throws -> (security: KafkaConfiguration.Security, properties: [String: String]) {
        guard let kind = KafkaSecurityProtocol(rawValue: kafkaSecurityProtocol.lowercased()) else {
            throw ValidationError("unknown --kafka-security-protocol '\(kafkaSecurityProtocol)': use plaintext, ssl, sasl_plaintext or sasl_ssl")
        }
        let properties = try Self.properties(kafkaProperty)
        let tls = try tlsSettings(for: kind)
        guard kind.usesSASL else {
            for (name, value) in [("--kafka-sasl-mechanism", kafkaSaslMechanism), ("--kafka-sasl-username", kafkaSaslUsername),
                                  ("--kafka-sasl-password-file", kafkaSaslPasswordFile)] where !value.isEmpty {
                throw ValidationError("\(name) needs --kafka-security-protocol sasl_plaintext or sasl_ssl (it is \(kind.rawValue))")
            }
            return (tls.map { .tls($0) } ?? .plaintext, properties)
        }
        return (.sasl(try saslSettings(for: kind), tls: tls), properties)
    }

    private func tlsSettings(for kind: KafkaSecurityProtocol) throws -> KafkaConfiguration.TLS? {
        let files = [("--kafka-ssl-ca-file", kafkaSslCaFile), ("--kafka-ssl-cert-file", kafkaSslCertFile), ("--kafka-ssl-key-file", kafkaSslKeyFile)]
        guard kind.usesTLS else {
            for (name, path) in files where !path.isEmpty {
                throw ValidationError("\(name) needs --kafka-security-protocol ssl or sasl_ssl (it is \(kind.rawValue))")
            }
            return nil
        }
        for (name, path) in files where !path.isEmpty { try Self.requireReadable(path, option: name) }
        guard kafkaSslCertFile.isEmpty == kafkaSslKeyFile.isEmpty else {
            throw ValidationError("--kafka-ssl-cert-file and --kafka-ssl-key-file go together: give both or neither")
        }
        return KafkaConfiguration.TLS(
            caLocation: kafkaSslCaFile.isEmpty ? nil : kafkaSslCaFile,
            certificateLocation: kafkaSslCertFile.isEmpty ? nil : kafkaSslCertFile,
            keyLocation: kafkaSslKeyFile.isEmpty ? nil : kafkaSslKeyFile)
    }

    private func saslSettings(for kind: KafkaSecurityProtocol) throws -> KafkaConfiguration.SASL {
        let mechanisms: [String: KafkaConfiguration.SASL.Mechanism] = [
            "PLAIN": .plain, "SCRAM-SHA-256": .scramSHA256, "SCRAM-SHA-512": .scramSHA512,
        ]
        guard !kafkaSaslMechanism.isEmpty else {
            throw ValidationError("--kafka-security-protocol \(kind.rawValue) needs --kafka-sasl-mechanism (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)")
        }
        guard let mechanism = mechanisms[kafkaSaslMechanism.uppercased()] else {
            throw ValidationError("unknown --kafka-sasl-mechanism '\(kafkaSaslMechanism)': use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
        }
        guard !kafkaSaslUsername.isEmpty else {
            throw ValidationError("--kafka-security-protocol \(kind.rawValue) needs --kafka-sasl-username")
        }
        guard !kafkaSaslPasswordFile.isEmpty else {
            throw ValidationError("--kafka-security-protocol \(kind.rawValue) needs --kafka-sasl-password-file")
        }
        try Self.requireReadable(kafkaSaslPasswordFile, option: "--kafka-sasl-password-file")
        let contents = try String(contentsOfFile: kafkaSaslPasswordFile, encoding: .utf8)
        let password = contents.hasSuffix("\r\n") ? String(contents.dropLast(2)) : contents.hasSuffix("\n") ? String(contents.dropLast()) : contents
        guard !password.isEmpty, !password.contains("\n") else {
            throw ValidationError("--kafka-sasl-password-file \(kafkaSaslPasswordFile) must hold the password on one non-empty line")
        }
        return KafkaConfiguration.SASL(mechanism: mechanism, username: kafkaSaslUsername, password: password)
    }

    /// `key=value` entries as librdkafka properties; the value may itself contain '='.
    static func properties(_ entries: [String]) throws -> [String: String] {
        var result: [String: String] = [:]
        for entry in entries {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw ValidationError("--kafka-property '\(entry)' must be key=value")
            }
            result[String(entry[..<equals]).trimmingCharacters(in: .whitespaces)] = String(entry[entry.index(after: equals)...])
        }
        return result
    }

    private static func requireReadable(_ path: String, option: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ValidationError("\(option) \(path): no such file")
        }
        guard !isDirectory.boolValue, FileManager.default.isReadableFile(atPath: path) else {
            throw ValidationError("\(option) \(path): not a readable file")
        }
    }
}

/// The values of `--kafka-security-protocol`, as librdkafka's `security.protocol` spells them.
enum KafkaSecurityProtocol: String, CaseIterable {
    case plaintext
    case ssl
    case saslPlaintext = "sasl_plaintext"
    case saslSSL = "sasl_ssl"

    var usesTLS: Bool { self == .ssl || self == .saslSSL }
    var usesSASL: Bool { self == .saslPlaintext || self == .saslSSL }
}
