import Foundation
import HeraldKafka
import HeraldTestSupport
import Logging
import Testing

@testable import HeraldCLI

/// `herald schema …` end to end: the built `herald` binary against a registry running in this
/// process (the very `RegistryServer.build` assembly, on port 0 with topics of its own).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct SchemaCommandTests {
    static let orderV1 = #"{"type":"record","name":"Order","namespace":"com.example","fields":[{"name":"id","type":"string"}]}"#
    /// v1 plus a field with a default: backward compatible.
    static let orderV2 = #"{"type":"record","name":"Order","namespace":"com.example","fields":[{"name":"id","type":"string"},{"name":"note","type":"string","default":""}]}"#
    /// v1 plus a field without a default: not backward compatible.
    static let orderBreaking = #"{"type":"record","name":"Order","namespace":"com.example","fields":[{"name":"id","type":"string"},{"name":"count","type":"int"}]}"#

    @Test func registerGetVersionsCheckConfigDelete() async throws {
        let registry = try await startRegistry()
        do {
            try await walkThrough(registry)
            try await registry.stop()
        } catch {
            try? await registry.stop()
            throw error
        }
    }

    private func walkThrough(_ registry: InProcessRegistry) async throws {
        let herald = HeraldRun(registry: registry.grpcAddress)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("herald-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let v2File = directory.appendingPathComponent("order-v2.avsc")
        try Data(Self.orderV2.utf8).write(to: v2File)
        let breakingFile = directory.appendingPathComponent("order-breaking.avsc")
        try Data(Self.orderBreaking.utf8).write(to: breakingFile)

        // register: text and JSON, from --schema and --file; registering again answers the same id.
        let first = try await herald.run("schema", "register", "--subject", "orders-value", "--schema", Self.orderV1)
        #expect(first.status == 0, "\(first)")
        let v1ID = try #require(first.stdout.split(separator: " ").last.flatMap { Int($0.dropLast(2)) }, "\(first)")
        #expect(first.stdout == "registered orders-value version 1 (schema id \(v1ID))\n")
        let again = try await herald.json("schema", "register", "--subject", "orders-value", "--schema", Self.orderV1)
        #expect(again["id"] as? Int == v1ID && again["version"] as? Int == 1)
        let second = try await herald.json("schema", "register", "--subject", "orders-value", "--file", v2File.path)
        #expect(second["version"] as? Int == 2)
        let v2ID = try #require(second["id"] as? Int)
        #expect(v2ID != v1ID)

        // get: by id and by subject/version.
        let byID = try await herald.run("schema", "get", "--id", "\(v1ID)")
        #expect(byID.status == 0)
        #expect(byID.stdout == "id: \(v1ID)\nsubjects: orders-value\n\(Self.orderV1)\n")
        let latest = try await herald.json("schema", "get", "--subject", "orders-value", "--version", "latest")
        #expect(latest["version"] as? Int == 2 && latest["id"] as? Int == v2ID && latest["schema"] as? String == Self.orderV2)
        let first1 = try await herald.run("schema", "get", "--subject", "orders-value", "--version", "1")
        #expect(first1.stdout.hasPrefix("subject: orders-value\nversion: 1\nid: \(v1ID)\n"))

        // list and versions.
        #expect(try await herald.run("schema", "list").stdout == "orders-value\n")
        #expect(try await herald.json("schema", "list", "--prefix", "nope")["subjects"] as? [String] == [])
        #expect(try await herald.run("schema", "versions", "--subject", "orders-value").stdout == "1\n2\n")

        // check: incompatible exits 1 and lists each incompatibility; compatible exits 0.
        let breaking = try await herald.run("schema", "check", "--subject", "orders-value", "--file", breakingFile.path)
        #expect(breaking.status == 1, "\(breaking)")
        #expect(breaking.stdout.hasPrefix("incompatible\n  - "))
        #expect(breaking.stdout.contains("count"))
        let breakingJSON = try await herald.run("schema", "check", "--subject", "orders-value", "--schema", Self.orderBreaking, "--json")
        #expect(breakingJSON.status == 1)
        let object = try JSONSerialization.jsonObject(with: Data(breakingJSON.stdout.utf8)) as? [String: Any]
        #expect(object?["compatible"] as? Bool == false)
        #expect((object?["messages"] as? [String])?.isEmpty == false)
        let fine = try await herald.run("schema", "check", "--subject", "orders-value", "--schema", Self.orderV2, "--version", "latest")
        #expect(fine.status == 0 && fine.stdout == "compatible\n", "\(fine)")

        // config: a subject without its own level shows the global one; set is case-insensitive.
        #expect(try await herald.run("schema", "config").stdout == "global: BACKWARD\n")
        #expect(try await herald.run("schema", "config", "--subject", "orders-value").stdout == "orders-value: BACKWARD (global default)\n")
        #expect(try await herald.run("schema", "config", "--subject", "orders-value", "--set", "none").stdout == "orders-value: NONE\n")
        let config = try await herald.json("schema", "config", "--subject", "orders-value")
        #expect(config["compatibility"] as? String == "NONE" && config["inherited"] as? Bool == false)
        // Under NONE the breaking schema registers.
        #expect(try await herald.json("schema", "register", "--subject", "orders-value", "--file", breakingFile.path)["version"] as? Int == 3)
        let badLevel = try await herald.run("schema", "config", "--set", "sideways")
        #expect(badLevel.status != 0 && badLevel.stderr.contains("sideways"))

        // delete: one version, then the subject, then for good.
        #expect(try await herald.run("schema", "delete", "--subject", "orders-value", "--version", "1").stdout == "deleted orders-value version 1\n")
        #expect(try await herald.run("schema", "versions", "--subject", "orders-value").stdout == "2\n3\n")
        #expect(try await herald.run("schema", "versions", "--subject", "orders-value", "--deleted").stdout == "1\n2\n3\n")
        let permanentFirst = try await herald.run("schema", "delete", "--subject", "orders-value", "--permanent")
        #expect(permanentFirst.status == 2 && permanentFirst.stderr.hasPrefix("error: FAILED_PRECONDITION: "), "\(permanentFirst)")
        #expect(try await herald.run("schema", "delete", "--subject", "orders-value").stdout == "deleted orders-value versions 2, 3\n")
        #expect(try await herald.json("schema", "delete", "--subject", "orders-value", "--permanent")["versions"] as? [Int] == [1, 2, 3])

        // Errors: the gRPC status and the registry's message on stderr, exit status 2.
        let gone = try await herald.run("schema", "versions", "--subject", "orders-value")
        #expect(gone.status == 2 && gone.stdout.isEmpty)
        #expect(gone.stderr.hasPrefix("error: NOT_FOUND: ") && gone.stderr.contains("orders-value"), "\(gone)")
        let invalid = try await herald.run("schema", "register", "--subject", "x", "--schema", "{not a schema")
        #expect(invalid.status == 2 && invalid.stderr.hasPrefix("error: INVALID_ARGUMENT: "), "\(invalid)")
        let both = try await herald.run("schema", "get", "--id", "1", "--subject", "x")
        #expect(both.status != 0 && both.status != 2 && both.stderr.contains("exactly one of --id or --subject"))
    }

    @Test func unreachableRegistryIsNamed() async throws {
        // Nothing listens on port 1 of the loopback address.
        let result = try await HeraldRun(registry: "127.0.0.1:1").run("schema", "list")
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("error: cannot reach the registry at 127.0.0.1:1: UNAVAILABLE"), "\(result)")
    }

    @Test func registryURLComesFromTheEnvironment() async throws {
        let result = try await HeraldRun(registry: nil, environment: ["HERALD_REGISTRY_URL": "127.0.0.1:2"]).run("schema", "list")
        #expect(result.status == 2)
        #expect(result.stderr.contains("cannot reach the registry at 127.0.0.1:2"), "\(result)")
    }

    private func startRegistry() async throws -> InProcessRegistry {
        let kafka = TestEnvironment.kafka()
        let logger = TestEnvironment.logger
        return try await InProcessRegistry.start(kafka: kafka, prefix: "herald-test-cli", logger: logger)
    }
}

/// Runs the built `herald` binary, pointed at one registry.
struct HeraldRun {
    struct Result: CustomStringConvertible {
        let status: Int32
        let stdout: String
        let stderr: String

        var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
    }

    /// nil: leave `--registry-url` out (the environment decides).
    let registry: String?
    var environment: [String: String] = [:]

    func run(_ arguments: String...) async throws -> Result {
        try await run(arguments)
    }

    /// Runs with `--json`, expects exit status 0, and parses stdout as one JSON object.
    func json(_ arguments: String...) async throws -> [String: Any] {
        let result = try await run(arguments + ["--json"])
        #expect(result.status == 0, "\(result)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
    }

    func run(_ arguments: [String]) async throws -> Result {
        let process = Process()
        process.executableURL = try Self.executable()
        // Subcommand options follow the subcommand path (`schema register …`).
        process.arguments = arguments + (registry.map { ["--registry-url", $0] } ?? [])
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "HERALD_REGISTRY_URL")
        environment.merge(self.environment) { $1 }
        process.environment = environment
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        // Read both pipes while the process runs, so a large output never blocks it.
        async let out = Self.readAll(stdout.fileHandleForReading)
        async let err = Self.readAll(stderr.fileHandleForReading)
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return Result(status: status, stdout: await out, stderr: await err)
    }

    private static func readAll(_ handle: FileHandle) async -> String {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: String(decoding: handle.readDataToEndOfFile(), as: UTF8.self))
            }
        }
    }

    struct ExecutableNotFound: Error { let searchedFrom: String }

    /// `herald`, built next to the test bundle.
    static func executable() throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("herald")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw ExecutableNotFound(searchedFrom: CommandLine.arguments[0])
    }
}
