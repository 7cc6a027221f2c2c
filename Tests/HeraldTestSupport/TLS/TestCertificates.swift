public import Foundation

/// A throwaway certificate authority and two certificates it signed, made with the openssl CLI
/// when a test starts: a server certificate for `127.0.0.1` / `localhost` and a client
/// certificate. Two calls make two unrelated authorities, which is how tests get a wrong CA.
public struct TestCertificates: Sendable {
    public let directory: URL
    public var caFile: String { path("ca.pem") }
    public var serverCertificateFile: String { path("server.pem") }
    public var serverKeyFile: String { path("server.key") }
    public var clientCertificateFile: String { path("client.pem") }
    public var clientKeyFile: String { path("client.key") }

    public static func make() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("herald-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        try certificates.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                  "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Herald Test CA"])
        try certificates.sign("server", subject: "/CN=localhost", extensions: "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
        try certificates.sign("client", subject: "/CN=herald-test-client", extensions: "extendedKeyUsage=clientAuth\n")
        return certificates
    }

    /// Removes the directory with every key in it.
    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    private func sign(_ name: String, subject: String, extensions: String) throws {
        try openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", subject])
        try extensions.write(toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
        try openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                     "-out", "\(name).pem", "-days", "2", "-extfile", "\(name).ext"])
    }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OpenSSLFailed(arguments: arguments, output: String(decoding: output, as: UTF8.self))
        }
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    struct OpenSSLFailed: Error, CustomStringConvertible {
        let arguments: [String]
        let output: String
        var description: String { "openssl \(arguments.joined(separator: " ")) failed: \(output)" }
    }
}
