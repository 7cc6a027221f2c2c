public import Foundation
import Synchronization

/// A Herald executable run as a child process, so a test can SIGKILL it like a crash would.
/// Its stderr (logfmt) is kept; `start` returns once it logged its ready line with its ports.
public final class ServiceProcess: Sendable {
    public let process: Process
    public let grpcPort: Int
    public let httpPort: Int
    private let output: Output

    /// Children started and not exited yet, by pid, so a command told to stop can take them down.
    private static let running = Mutex<Set<Int32>>([])

    /// The child's stderr so far, shared with the pipe's reader.
    private final class Output: Sendable {
        let text = Mutex("")
    }

    /// Starts `executable` (built next to the test bundle), with the test admin key
    /// (`TestKeys.environment`) and then `environment` added to this process's, and waits for a log line whose message
    /// is `readyMessage` carrying `grpc.port=` and `http.port=`.
    public static func start(
        _ executable: String, arguments: [String], environment: [String: String] = [:], readyMessage: String,
        timeout: Duration = .seconds(60)
    ) async throws -> ServiceProcess {
        let process = Process()
        process.executableURL = try builtExecutable(executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(TestKeys.environment) { $1 }.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardError = pipe
        let output = Output()
        // Blocking reads on a thread of their own until the child closes stderr: a
        // `readabilityHandler` is a dispatch source, and one torn down as the child dies has
        // crashed the test process inside libdispatch's event loop.
        let reader = pipe.fileHandleForReading
        Thread {
            while true {
                let data = reader.availableData
                if data.isEmpty { break }
                output.text.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }.start()
        process.terminationHandler = { exited in _ = running.withLock { $0.remove(exited.processIdentifier) } }
        try process.run()
        _ = running.withLock { $0.insert(process.processIdentifier) }
        let deadline = ContinuousClock.now + timeout
        while true {
            let text = output.text.withLock { $0 }
            if let line = text.split(separator: "\n").first(where: { $0.contains("msg=\"\(readyMessage)\"") }),
               let grpc = field("grpc.port", in: line), let http = field("http.port", in: line) {
                return ServiceProcess(process: process, grpcPort: grpc, httpPort: http, output: output)
            }
            guard process.isRunning else { throw Failure.exited(executable, log: text) }
            guard ContinuousClock.now < deadline else {
                process.terminate()
                throw Failure.notReady(executable, log: text)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private init(process: Process, grpcPort: Int, httpPort: Int, output: Output) {
        self.process = process
        self.grpcPort = grpcPort
        self.httpPort = httpPort
        self.output = output
    }

    /// Everything the process wrote to stderr so far.
    public var log: String { output.text.withLock { $0 } }

    /// SIGKILL: no shutdown code runs, as in a crash.
    public func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// The exit status once the process exited by itself, or `nil` if it still runs after `timeout`.
    public func exitStatus(within timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// SIGTERM; returns the exit status.
    public func terminate() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Makes SIGTERM and SIGINT to this process SIGKILL every child still running, then exit
    /// (143 or 130): a harness stopped from outside leaves no services behind.
    public static func killChildrenWhenStopped() {
        for (signal, status) in [(SIGTERM, Int32(143)), (SIGINT, Int32(130))] {
            Foundation.signal(signal, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
            source.setEventHandler {
                for pid in running.withLock({ $0 }) { Foundation.kill(pid, SIGKILL) }
                exit(status)
            }
            source.resume()
            stopHandlers.append(source)
        }
    }

    /// Keeps the signal sources alive for the life of the process. Written only by
    /// `killChildrenWhenStopped`, which a command calls once before starting anything.
    nonisolated(unsafe) private static var stopHandlers: [any DispatchSourceSignal] = []

    public enum Failure: Error, CustomStringConvertible {
        case exited(String, log: String)
        case notReady(String, log: String)
        case executableNotFound(String, searchedFrom: String)

        public var description: String {
            switch self {
            case .exited(let name, let log): "\(name) exited before it was ready:\n\(log)"
            case .notReady(let name, let log): "\(name) was not ready in time:\n\(log)"
            case .executableNotFound(let name, let from): "\(name) is not built next to \(from)"
            }
        }
    }

    static func field(_ name: String, in line: Substring) -> Int? {
        line.split(separator: " ").first { $0.hasPrefix(name + "=") }.flatMap { Int($0.dropFirst(name.count + 1)) }
    }

    /// Executables a test target depends on are built into the same directory as the test bundle.
    public static func builtExecutable(_ name: String) throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw Failure.executableNotFound(name, searchedFrom: CommandLine.arguments[0])
    }
}
