import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldProtos
import SwiftProtobuf
import HeraldRuntime

/// `herald schema …`: the registry's gRPC API (`herald.v1.Registry`) from the command line.
///
/// Exit codes: 0 on success, 1 when `check` finds the schema incompatible, 2 when the registry
/// answered with an error or could not be reached (the gRPC status and message go to stderr).
struct SchemaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Register, read, check and delete Avro schemas in the Herald registry.",
        discussion: """
            Talks to the registry's gRPC API. Exit status: 0 on success, 1 when `check` finds the \
            schema incompatible, 2 when the registry answered with an error or could not be reached.
            """,
        subcommands: [
            SchemaRegisterCommand.self, SchemaGetCommand.self, SchemaListCommand.self, SchemaVersionsCommand.self,
            SchemaCheckCommand.self, SchemaConfigCommand.self, SchemaDeleteCommand.self,
        ]
    )
}

enum RegistryTarget: ServiceClientTarget {
    static let addressOption = "registry-url"
    static let defaultAddress = "127.0.0.1:50050"
    static let name = "the schema registry"

    static func describe(_ error: RPCError, address: String) -> String {
        RegistryFailure.describe(error, target: address)
    }
}

/// Options every `herald schema` and `herald key` subcommand takes.
typealias RegistryClientOptions = ServiceCallOptions<RegistryTarget>

extension ServiceCallOptions<RegistryTarget> {
    /// Runs `body` with a registry client. A gRPC error is reported on stderr with its status and
    /// the registry's message, and turns into exit status 2.
    func withRegistry<Result: Sendable>(
        _ body: (RegistryClient) async throws -> Result
    ) async throws -> Result {
        try await withConnection { client, options in
            try await body(RegistryClient(client: Herald_V1_Registry.Client(wrapping: client), options: options))
        }
    }

    /// Prints `value` as JSON when `--json` is set, else `text()`.
    func emit(_ value: some Encodable, text: () -> String) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(value), as: UTF8.self))
        } else {
            print(text())
        }
    }
}

/// The generated client and the call options every call uses.
struct RegistryClient: Sendable {
    let client: Herald_V1_Registry.Client<HTTP2ClientTransport.Posix>
    let options: CallOptions
}

/// `host:port`, `[v6]:port`, optionally prefixed with `grpc://` or `http://`.
extension ServiceAddress {
    /// The address, or an option error ArgumentParser prints with the usage.
    static func option(_ text: String) throws -> ServiceAddress {
        do { return try ServiceAddress(text) } catch { throw ValidationError(error.description) }
    }
}

enum RegistryFailure {
    /// The registry sets this metadata on every error it answers with; a transport failure has none.
    static let registryCodeKey = "herald-registry-error-code"

    /// One line for stderr: the gRPC status and the registry's message, or, when the RPC never
    /// reached a registry, that it could not be reached.
    static func describe(_ error: RPCError, target: String) -> String {
        let answered = error.metadata[stringValues: registryCodeKey].contains { _ in true }
        if !answered, error.code == .unavailable || error.code == .deadlineExceeded {
            return "error: cannot reach the registry at \(target): \(error.code.canonicalName): \(error.message)"
        }
        return "error: \(error.code.canonicalName): \(error.message)"
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

// MARK: Argument types

/// A version number, or `latest` (also `-1`, as in Confluent's API).
enum VersionArgument: ExpressibleByArgument, Equatable {
    case latest
    case number(Int32)

    init?(argument: String) {
        switch argument.lowercased() {
        case "latest", "-1": self = .latest
        default:
            guard let number = Int32(argument), number > 0 else { return nil }
            self = .number(number)
        }
    }

    /// The API's encoding: 0 means the latest.
    var wire: Int32 {
        switch self {
        case .latest: 0
        case .number(let number): number
        }
    }

    static var defaultCompletionKind: CompletionKind { .list(["latest"]) }
}

/// `name=subject:version`: a named type the schema uses, defined in another registered schema.
struct ReferenceArgument: ExpressibleByArgument {
    let reference: Herald_V1_SchemaReference

    init?(argument: String) {
        guard let equals = argument.firstIndex(of: "="), let colon = argument.lastIndex(of: ":"), equals < colon else { return nil }
        let name = argument[..<equals]
        let subject = argument[argument.index(after: equals)..<colon]
        guard !name.isEmpty, !subject.isEmpty, let version = VersionArgument(argument: String(argument[argument.index(after: colon)...])) else {
            return nil
        }
        reference = .with {
            $0.name = String(name)
            $0.subject = String(subject)
            $0.version = version.wire
        }
    }
}

/// A compatibility level as `herald.v1.CompatibilityLevel` names it, case-insensitive (`-` may stand for `_`).
struct CompatibilityArgument: ExpressibleByArgument {
    static let levels: [(String, Herald_V1_CompatibilityLevel)] = [
        ("BACKWARD", .backward), ("BACKWARD_TRANSITIVE", .backwardTransitive), ("FORWARD", .forward),
        ("FORWARD_TRANSITIVE", .forwardTransitive), ("FULL", .full), ("FULL_TRANSITIVE", .fullTransitive), ("NONE", .none),
    ]

    let level: Herald_V1_CompatibilityLevel

    init?(argument: String) {
        let name = argument.uppercased().replacingOccurrences(of: "-", with: "_")
        guard let found = Self.levels.first(where: { $0.0 == name }) else { return nil }
        level = found.1
    }

    static var allValueStrings: [String] { levels.map(\.0) }

    static func name(of level: Herald_V1_CompatibilityLevel) -> String {
        levels.first { $0.1 == level }?.0 ?? "UNSPECIFIED"
    }
}

/// `--schema '<json>'` or `--file path.avsc` (`-` reads stdin).
struct SchemaTextOptions: ParsableArguments {
    @Option(help: "The Avro schema as JSON text.")
    var schema: String?

    @Option(help: ArgumentHelp("A file holding the Avro schema (.avsc); '-' reads standard input.", valueName: "path"))
    var file: String?

    @Option(name: .customLong("reference"), help: ArgumentHelp(
        "A named type defined in another registered schema, as name=subject:version (repeatable).",
        valueName: "name=subject:version"))
    var references: [ReferenceArgument] = []

    func validate() throws {
        guard (schema == nil) != (file == nil) else { throw ValidationError("give the schema with exactly one of --schema or --file") }
    }

    func text() throws -> String {
        if let schema { return schema }
        let path = file ?? "-"
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let read = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read the schema file '\(path)'") }
            data = read
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension Herald_V1_SchemaReference {
    var display: String { "\(name)=\(subject):\(version)" }
}
