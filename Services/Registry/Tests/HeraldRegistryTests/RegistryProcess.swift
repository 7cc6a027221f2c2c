import Foundation
import Synchronization

/// A `herald-registry` executable run as a child process, so tests can kill it with SIGKILL.
final class RegistryProcess: Sendable {
    let process: Process
    let grpcPort: Int
    let httpPort: Int

    var base: String { "http://127.0.0.1:\(httpPort)" }

    /// Starts the registry and returns once it reports its ports.
    static func start(_ names: RegistryNames, instance: String) async throws -> RegistryProcess {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = [
            "--kafka-brokers", TestEnvironment.brokers, "--grpc-port", "0", "--http-port", "0",
            "--instance-id", instance, "--schemas-topic", names.topic, "--election-topic", names.electionTopic,
            "--election-group", names.group, "--leader-transactional-id", names.transactionalID,
        ]
        let pipe = Pipe()
        process.standardError = pipe
        let ports = Mutex<(grpc: Int, http: Int)?>(nil)
        let buffer = Mutex<String>("")
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil; return }
            buffer.withLock { text in
                text += String(decoding: data, as: UTF8.self)
                guard let line = text.split(separator: "\n").first(where: { $0.contains("msg=\"Registry listening\"") }) else { return }
                func field(_ name: String) -> Int? {
                    line.split(separator: " ").first { $0.hasPrefix(name + "=") }.flatMap { Int($0.dropFirst(name.count + 1)) }
                }
                if let grpc = field("grpc.port"), let http = field("http.port") {
                    ports.withLock { $0 = $0 ?? (grpc, http) }
                }
            }
        }
        try process.run()
        var found: (grpc: Int, http: Int)?
        try await TestEnvironment.eventually("herald-registry \(instance) to listen") {
            found = ports.withLock { $0 }
            return found != nil || !process.isRunning
        }
        guard let found else { throw ProcessExited(instance: instance) }
        return RegistryProcess(process: process, grpcPort: found.grpc, httpPort: found.http)
    }

    private init(process: Process, grpcPort: Int, httpPort: Int) {
        self.process = process
        self.grpcPort = grpcPort
        self.httpPort = httpPort
    }

    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM; returns the exit status.
    func terminate() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    struct ProcessExited: Error { let instance: String }
    struct ExecutableNotFound: Error { let searchedFrom: String }

    /// Built next to the test bundle (the test target depends on it).
    private static func executable() throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("herald-registry")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw ExecutableNotFound(searchedFrom: CommandLine.arguments[0])
    }
}
