public import Foundation
import Glibc

/// `stunnel` terminating TLS on a free loopback port and forwarding the plaintext to `target`:
/// how tests put a TLS front on the local broker, which speaks plaintext only.
public final class TLSTerminator: Sendable {
    public let port: Int
    private let process: Process
    private let directory: URL

    /// Starts stunnel with the server certificate of `certificates` and returns once it listens.
    /// With `requireClientCertificate`, it also demands a client certificate signed by the same CA.
    public static func start(forwardingTo target: String, certificates: TestCertificates, requireClientCertificate: Bool = false) async throws -> TLSTerminator {
        let port = try ScratchBroker.freePort()
        let directory = certificates.directory.appendingPathComponent("stunnel-\(port)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = """
            foreground = yes
            pid =
            debug = warning
            [terminator]
            accept = 127.0.0.1:\(port)
            connect = \(target)
            cert = \(certificates.serverCertificateFile)
            key = \(certificates.serverKeyFile)

            """
        if requireClientCertificate {
            configuration += "CAfile = \(certificates.caFile)\nverifyPeer = yes\n"
        }
        let file = directory.appendingPathComponent("stunnel.conf")
        try configuration.write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/stunnel4")
        process.arguments = [file.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let terminator = TLSTerminator(port: port, process: process, directory: directory)
        let deadline = ContinuousClock.now + .seconds(20)
        while !Self.accepts(port: port) {
            guard process.isRunning, ContinuousClock.now < deadline else {
                terminator.stop()
                throw NotListening(port: port)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return terminator
    }

    private init(port: Int, process: Process, directory: URL) {
        self.port = port
        self.process = process
        self.directory = directory
    }

    public var address: String { "127.0.0.1:\(port)" }

    /// SIGKILL: stunnel keeps no state worth a graceful stop, and a child of Foundation's
    /// `Process` does not act on SIGTERM here.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    private static func accepts(port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    struct NotListening: Error, CustomStringConvertible {
        let port: Int
        var description: String { "stunnel did not start listening on 127.0.0.1:\(port)" }
    }
}
