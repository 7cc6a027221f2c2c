import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldCore
import HeraldProtos
import SwiftProtobuf

/// `herald key …`: API keys. `generate` works offline (a line for a bootstrap key file); the others
/// call the registry's `herald.v1.Keys`.
///
/// Exit codes: 0 on success, 2 when the registry answered with an error or could not be reached.
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Generate bootstrap keys; create, list and revoke API keys.",
        discussion: """
            A key is hk_<id>_<secret>; it is shown once, when generated or created, and stored only as \
            a hash. Scopes: \(Scope.allCases.map(\.rawValue).sorted().joined(separator: ", ")). \
            create, list, revoke and whoami talk to the registry's gRPC API (herald.v1.Keys). Exit status: 0 on \
            success, 2 when the registry answered with an error or could not be reached.
            """,
        subcommands: [KeyGenerateCommand.self, KeyCreateCommand.self, KeyListCommand.self, KeyRevokeCommand.self, KeyWhoAmICommand.self]
    )
}

struct KeyGenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Print a new admin key for a bootstrap key file (offline; nothing else on stdout).",
        discussion: """
            Append the line to the file every service reads with --bootstrap-key-file: the services keep only \
            its hash, and it holds every scope. Revoke it through `herald key revoke <id>` like any other key.
            """
    )

    func run() {
        let key = APIKey.generate()
        printFlushed(key.presented)
        printError("key id \(key.id): add the line above to the bootstrap key file of every service; it is not stored anywhere else")
    }
}

struct KeyCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an API key; prints the key (once) and its id.",
        discussion: """
            The first line of the output is the key: keep it, it is never shown again. \
            --types and --sources narrow what an events:publish key may publish (patterns: exact, or a \
            prefix ending in '*'; several separated by commas, or the option repeated).
            """
    )

    @OptionGroup var registry: RegistryClientOptions

    @Option(help: "What the key is for (shown by `herald key list`).")
    var name: String

    @Option(help: "A scope the key holds (repeatable), e.g. events:publish.")
    var scope: [String] = []

    @Option(help: "Event-type patterns the key may publish (default: any).")
    var types: [String] = []

    @Option(help: "Source patterns the key may publish from (default: any).")
    var sources: [String] = []

    func run() async throws {
        let request = Herald_V1_CreateKeyRequest.with {
            $0.name = name
            $0.scopes = scope
            $0.eventTypes = Self.patterns(types)
            $0.sources = Self.patterns(sources)
        }
        let response = try await registry.withKeys { keys, options in
            try await keys.createKey(request, options: options)
        }
        try registry.emit(KeyText.Created(key: response.key, info: KeyText.Info(response.info))) {
            response.key + "\n" + KeyText.line(response.info)
        }
    }

    static func patterns(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }
}

struct KeyListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List every key (revoked ones included) without secrets."
    )

    @OptionGroup var registry: RegistryClientOptions

    func run() async throws {
        let response = try await registry.withKeys { keys, options in
            try await keys.listKeys(Herald_V1_ListKeysRequest(), options: options)
        }
        try registry.emit(response.keys.map(KeyText.Info.init)) {
            response.keys.isEmpty ? "no keys" : response.keys.map(KeyText.line).joined(separator: "\n")
        }
    }
}

struct KeyRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a key everywhere (revoking a revoked key changes nothing)."
    )

    @OptionGroup var registry: RegistryClientOptions

    @Argument(help: "The key's id (the <id> of hk_<id>_<secret>, as `herald key list` shows).")
    var id: String

    func run() async throws {
        let response = try await registry.withKeys { keys, options in
            try await keys.revokeKey(.with { $0.id = id }, options: options)
        }
        try registry.emit(KeyText.Info(response.info)) { "revoked " + KeyText.line(response.info) }
    }
}

struct KeyWhoAmICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami",
        abstract: "Show the key this command sends (its id, name, scopes and narrowing); needs no scope."
    )

    @OptionGroup var registry: RegistryClientOptions

    func run() async throws {
        let response = try await registry.withKeys { keys, options in
            try await keys.whoAmI(Herald_V1_WhoAmIRequest(), options: options)
        }
        try registry.emit(KeyText.Info(response.info)) { KeyText.line(response.info) }
    }
}

extension ServiceCallOptions<RegistryTarget> {
    /// Runs `body` with a client of the registry's `herald.v1.Keys`.
    func withKeys<Result: Sendable>(
        _ body: @Sendable (Herald_V1_Keys.Client<HTTP2ClientTransport.Posix>, CallOptions) async throws -> Result
    ) async throws -> Result {
        try await withConnection { client, options in try await body(Herald_V1_Keys.Client(wrapping: client), options) }
    }
}

/// How keys are printed: one line of text each, or JSON.
enum KeyText {
    struct Info: Encodable {
        var id: String
        var name: String
        var scopes: [String]
        var eventTypes: [String]
        var sources: [String]
        var createdAt: String
        var revokedAt: String?

        enum CodingKeys: String, CodingKey {
            case id, name, scopes, sources
            case eventTypes = "event_types", createdAt = "created_at", revokedAt = "revoked_at"
        }

        init(_ info: Herald_V1_ApiKeyInfo) {
            id = info.id
            name = info.name
            scopes = info.scopes
            eventTypes = info.eventTypes
            sources = info.sources
            createdAt = info.createdAt.iso8601
            revokedAt = info.hasRevokedAt ? info.revokedAt.iso8601 : nil
        }
    }

    struct Created: Encodable {
        var key: String
        var info: Info
    }

    static func line(_ info: Herald_V1_ApiKeyInfo) -> String {
        var line = "\(info.id)  \(info.name)  \(info.scopes.joined(separator: ","))"
        if !info.eventTypes.isEmpty { line += "  types=\(info.eventTypes.joined(separator: ","))" }
        if !info.sources.isEmpty { line += "  sources=\(info.sources.joined(separator: ","))" }
        line += "  created=\(info.createdAt.iso8601)"
        if info.hasRevokedAt { line += "  revoked=\(info.revokedAt.iso8601)" }
        return line
    }
}
