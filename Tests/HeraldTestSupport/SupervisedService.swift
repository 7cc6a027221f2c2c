import Foundation
import Synchronization

/// One service as a child process that can be crashed and brought back: the first start binds
/// any free ports, every restart reuses them, the same arguments and the same environment — so
/// clients reconnect where they were, and the instance id (transactional id, static group
/// membership) is the one the crashed incarnation had.
public final class SupervisedService: Sendable {
    /// What the caller calls this service in reports (`registry`, `producer`, …).
    public let name: String
    public let grpcPort: Int
    public let httpPort: Int
    private let executable: String
    private let arguments: [String]
    private let environment: [String: String]
    private let readyMessage: String
    private let state: Mutex<State>

    private struct State {
        var current: ServiceProcess
        /// What earlier incarnations logged before they were killed.
        var earlierLogs: [String] = []
        var restarts = 0
    }

    /// Starts `executable` with `arguments` plus `--grpc-port` and `--http-port` (0 the first time).
    public static func start(
        _ name: String, executable: String, arguments: [String], environment: [String: String] = [:], readyMessage: String
    ) async throws -> SupervisedService {
        let process = try await ServiceProcess.start(
            executable, arguments: arguments + ["--grpc-port", "0", "--http-port", "0"], environment: environment, readyMessage: readyMessage)
        return SupervisedService(
            name: name, executable: executable, arguments: arguments, environment: environment, readyMessage: readyMessage, process: process)
    }

    private init(name: String, executable: String, arguments: [String], environment: [String: String], readyMessage: String, process: ServiceProcess) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.readyMessage = readyMessage
        self.grpcPort = process.grpcPort
        self.httpPort = process.httpPort
        self.state = Mutex(State(current: process))
    }

    /// SIGKILL (no shutdown code runs), `downtime` with the service gone, then the same
    /// executable again on the same ports; returns once it logged its ready line.
    public func crash(downtime: Duration = .zero) async throws {
        let killed = state.withLock { $0.current }
        killed.kill()
        state.withLock {
            $0.earlierLogs.append(killed.log)
            $0.restarts += 1
        }
        if downtime > .zero { try await Task.sleep(for: downtime) }
        // The ports were the dead process's: another process taking one in between is unlikely
        // but possible, so a failed start is retried a few times before it counts.
        var attempt = 0
        while true {
            do {
                let process = try await ServiceProcess.start(
                    executable, arguments: arguments + ["--grpc-port", "\(grpcPort)", "--http-port", "\(httpPort)"],
                    environment: environment, readyMessage: readyMessage)
                state.withLock { $0.current = process }
                return
            } catch ServiceProcess.Failure.exited(let name, let log) where attempt < 4 {
                attempt += 1
                state.withLock { $0.earlierLogs.append("\(name) exited before it was ready:\n\(log)") }
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// How many times `crash` brought the service back.
    public var restarts: Int { state.withLock { $0.restarts } }

    /// Everything every incarnation wrote to stderr, oldest first, separated by a marker line.
    public var log: String {
        state.withLock { ($0.earlierLogs + [$0.current.log]).joined(separator: "--- SIGKILL, restarted\n") }
    }

    /// SIGKILL the running incarnation.
    public func kill() { state.withLock { $0.current }.kill() }

    /// The running incarnation's process id (to read its memory from `/proc`).
    public var processIdentifier: Int32 { state.withLock { $0.current }.process.processIdentifier }

    /// SIGTERM the running incarnation; returns its exit status.
    public func terminate() -> Int32 { state.withLock { $0.current }.terminate() }
}
