import Foundation
import Glibc

/// A private local broker on its own port (started with scripts/broker.sh, fresh data), for tests
/// that must make Kafka unreachable without disturbing the shared broker.
public struct ScratchBroker: Sendable {
    public let port: Int
    public var bootstrap: String { "127.0.0.1:\(port)" }

    public static func start() throws -> ScratchBroker {
        let broker = ScratchBroker(port: try freePort())
        try broker.script("up")
        return broker
    }

    /// SIGSTOP: connections stay open and nothing answers, like a hung broker or a partition.
    public func pause() throws { try signal(SIGSTOP) }
    public func resume() throws { try signal(SIGCONT) }

    public func stop() throws {
        try? resume()
        try script("down")
    }

    private func signal(_ signal: Int32) throws {
        let pidFile = Self.root.appendingPathComponent(".herald/broker-\(port)/pid")
        guard let pid = Int32(try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw BrokerScriptFailed(command: "read \(pidFile.path)", status: -1)
        }
        guard kill(pid, signal) == 0 else { throw BrokerScriptFailed(command: "kill -\(signal) \(pid)", status: errno) }
    }

    /// Runs scripts/broker.sh with posix_spawn and waitpid: Foundation's `Process` would wait for
    /// the broker too, because the broker inherits the socket it watches for the child's exit.
    private func script(_ command: String) throws {
        let script = Self.root.appendingPathComponent("scripts/broker.sh").path
        var environment = ProcessInfo.processInfo.environment
        environment["HERALD_KAFKA_PORT"] = "\(port)"
        environment["HERALD_KAFKA_BROKERS"] = bootstrap
        let arguments: [UnsafeMutablePointer<CChar>?] = [String](["/bin/bash", script, command]).map { strdup($0) } + [nil]
        let variables: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (arguments + variables).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", nil, nil, arguments, variables)
        guard spawned == 0 else { throw BrokerScriptFailed(command: command, status: spawned) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exitCode = (status >> 8) & 0xff
        guard status & 0x7f == 0, exitCode == 0 else { throw BrokerScriptFailed(command: command, status: status) }
    }

    struct BrokerScriptFailed: Error { let command: String; let status: Int32 }

    /// The package root, where scripts/ and the project venv live.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A port nothing listens on right now (the kernel's pick for an ephemeral bind).
    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw BrokerScriptFailed(command: "bind", status: errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
