import ArgumentParser
import Foundation
import GRPCCore
import HeraldProtos
import SwiftProtobuf

struct SchemaRegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register a schema under a subject; prints its global id and version.",
        discussion: "Registering a schema the subject already holds answers with the existing id and version."
    )

    @OptionGroup var registry: RegistryClientOptions

    @Option(help: "The subject to register under (e.g. orders-value).")
    var subject: String

    @OptionGroup var input: SchemaTextOptions

    @Flag(help: "Register the schema's normalized form instead of the text as given.")
    var normalize = false

    struct Output: Encodable {
        var subject: String
        var id: Int32
        var version: Int32
    }

    func run() async throws {
        let text = try input.text()
        guard !text.isEmpty else { throw ValidationError("the schema is empty") }
        let request = Herald_V1_RegisterSchemaRequest.with {
            $0.subject = subject
            $0.schema = text
            $0.references = input.references.map(\.reference)
            $0.normalize = normalize
        }
        let response = try await registry.withRegistry { registry in
            try await registry.client.registerSchema(request, options: registry.options)
        }
        try registry.emit(Output(subject: subject, id: response.id, version: response.version)) {
            "registered \(subject) version \(response.version) (schema id \(response.id))"
        }
    }
}

struct SchemaGetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Show a schema by global id, or a subject's version."
    )

    @OptionGroup var registry: RegistryClientOptions

    @Option(help: "The schema's global id.")
    var id: Int32?

    @Option(help: "The subject whose version to show.")
    var subject: String?

    @Option(help: ArgumentHelp("The subject's version: a number or 'latest'.", valueName: "version|latest"))
    var version: VersionArgument = .latest

    @Flag(help: "Also find a soft-deleted version.")
    var deleted = false

    func validate() throws {
        guard (id == nil) != (subject == nil) else { throw ValidationError("give exactly one of --id or --subject") }
    }

    struct Output: Encodable {
        var id: Int32
        var schema: String
        var subject: String?
        var version: Int32?
        var subjects: [String]?
        var references: [Reference]
    }

    struct Reference: Encodable {
        var name: String
        var subject: String
        var version: Int32

        init(_ proto: Herald_V1_SchemaReference) {
            name = proto.name
            subject = proto.subject
            version = proto.version
        }
    }

    func run() async throws {
        if let id {
            let found = try await registry.withRegistry { registry in
                try await registry.client.getSchema(.with { $0.id = id }, options: registry.options)
            }
            let output = Output(id: found.id, schema: found.schema, subjects: found.subjects, references: found.references.map(Reference.init))
            try registry.emit(output) {
                Self.text([("id", "\(found.id)"), ("subjects", found.subjects.joined(separator: ", "))], found.references, found.schema)
            }
        } else if let subject {
            let version = version
            let deleted = deleted
            let found = try await registry.withRegistry { registry in
                try await registry.client.getVersion(.with {
                    $0.subject = subject
                    $0.version = version.wire
                    $0.includeDeleted = deleted
                }, options: registry.options)
            }
            let output = Output(id: found.id, schema: found.schema, subject: found.subject, version: found.version,
                                references: found.references.map(Reference.init))
            try registry.emit(output) {
                Self.text([("subject", found.subject), ("version", "\(found.version)"), ("id", "\(found.id)")], found.references, found.schema)
            }
        }
    }

    static func text(_ fields: [(String, String)], _ references: [Herald_V1_SchemaReference], _ schema: String) -> String {
        var lines = fields.map { "\($0.0): \($0.1)" }
        for reference in references { lines.append("reference: \(reference.display)") }
        lines.append(schema)
        return lines.joined(separator: "\n")
    }
}

struct SchemaListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the registry's subjects, one a line."
    )

    @OptionGroup var registry: RegistryClientOptions

    @Flag(help: "Include soft-deleted subjects.")
    var deleted = false

    @Option(help: "Only subjects starting with this prefix.")
    var prefix = ""

    struct Output: Encodable { var subjects: [String] }

    func run() async throws {
        let (deleted, prefix) = (deleted, prefix)
        let subjects = try await registry.withRegistry { registry in
            try await registry.client.listSubjects(.with {
                $0.includeDeleted = deleted
                $0.prefix = prefix
            }, options: registry.options).subjects
        }
        try registry.emit(Output(subjects: subjects)) { subjects.isEmpty ? "(no subjects)" : subjects.joined(separator: "\n") }
    }
}

struct SchemaVersionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "versions",
        abstract: "List a subject's versions, one a line."
    )

    @OptionGroup var registry: RegistryClientOptions

    @Option(help: "The subject whose versions to list.")
    var subject: String

    @Flag(help: "Include soft-deleted versions.")
    var deleted = false

    struct Output: Encodable {
        var subject: String
        var versions: [Int32]
    }

    func run() async throws {
        let (subject, deleted) = (subject, deleted)
        let versions = try await registry.withRegistry { registry in
            try await registry.client.listVersions(.with {
                $0.subject = subject
                $0.includeDeleted = deleted
            }, options: registry.options).versions
        }
        try registry.emit(Output(subject: subject, versions: versions)) { versions.map { "\($0)" }.joined(separator: "\n") }
    }
}

struct SchemaCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a schema against a subject's compatibility level; exit status 1 when incompatible.",
        discussion: """
            Without --version the schema is checked against every version the subject's level requires \
            (the latest for BACKWARD, FORWARD and FULL; all for the transitive levels). A subject that \
            does not exist yet accepts any schema.
            """
    )

    @OptionGroup var registry: RegistryClientOptions

    @Option(help: "The subject to check against.")
    var subject: String

    @OptionGroup var input: SchemaTextOptions

    @Option(help: ArgumentHelp("Check against this version only: a number or 'latest'.", valueName: "version|latest"))
    var version: VersionArgument?

    struct Output: Encodable {
        var subject: String
        var compatible: Bool
        var messages: [String]
    }

    func run() async throws {
        let text = try input.text()
        guard !text.isEmpty else { throw ValidationError("the schema is empty") }
        let (subject, version, references) = (subject, version, input.references.map(\.reference))
        let response = try await registry.withRegistry { registry in
            // The API's 0 means "every version the level requires", so `latest` is resolved first.
            var against: Int32 = 0
            if let version {
                against = version == .latest
                    ? try await registry.client.getVersion(.with { $0.subject = subject }, options: registry.options).version
                    : version.wire
            }
            return try await registry.client.checkCompatibility(.with {
                $0.subject = subject
                $0.schema = text
                $0.version = against
                $0.references = references
            }, options: registry.options)
        }
        try registry.emit(Output(subject: subject, compatible: response.compatible, messages: response.messages)) {
            ([response.compatible ? "compatible" : "incompatible"] + response.messages.map { "  - \($0)" }).joined(separator: "\n")
        }
        if !response.compatible { throw ExitCode(1) }
    }
}

struct SchemaConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show or set the compatibility level, globally or for one subject.",
        discussion: "Levels: \(CompatibilityArgument.allValueStrings.joined(separator: ", ")) (case-insensitive)."
    )

    @OptionGroup var registry: RegistryClientOptions

    @Option(help: "The subject whose level to show or set; without it, the global default.")
    var subject: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Set this level.", valueName: "level"))
    var level: CompatibilityArgument?

    struct Output: Encodable {
        /// nil for the global level.
        var subject: String?
        var compatibility: String
        /// True when the subject has no level of its own and the global one applies.
        var inherited: Bool
    }

    func run() async throws {
        let (subject, level) = (subject, level?.level)
        let output = try await registry.withRegistry { registry -> Output in
            if let level {
                let set = try await registry.client.setConfig(.with {
                    $0.subject = subject ?? ""
                    $0.compatibility = level
                }, options: registry.options)
                return Output(subject: subject, compatibility: CompatibilityArgument.name(of: set.compatibility), inherited: false)
            }
            do {
                let own = try await registry.client.getConfig(.with { $0.subject = subject ?? "" }, options: registry.options)
                return Output(subject: subject, compatibility: CompatibilityArgument.name(of: own.compatibility), inherited: false)
            } catch let error as RPCError where error.code == .notFound && subject != nil {
                let global = try await registry.client.getConfig(.init(), options: registry.options)
                return Output(subject: subject, compatibility: CompatibilityArgument.name(of: global.compatibility), inherited: true)
            }
        }
        try registry.emit(output) {
            "\(output.subject ?? "global"): \(output.compatibility)" + (output.inherited ? " (global default)" : "")
        }
    }
}

struct SchemaDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a subject, or one of its versions (soft by default).",
        discussion: "A permanent delete is allowed only after a soft delete; a version another schema references cannot be deleted."
    )

    @OptionGroup var registry: RegistryClientOptions

    @Option(help: "The subject to delete, or whose version to delete.")
    var subject: String

    @Option(help: ArgumentHelp("Delete only this version: a number or 'latest'.", valueName: "version|latest"))
    var version: VersionArgument?

    @Flag(help: "Delete for good (after a soft delete); the schema text is no longer served under this subject.")
    var permanent = false

    struct Output: Encodable {
        var subject: String
        var versions: [Int32]
        var permanent: Bool
    }

    func run() async throws {
        let (subject, version, permanent) = (subject, version, permanent)
        let versions = try await registry.withRegistry { registry in
            if let version {
                return try await registry.client.deleteVersion(.with {
                    $0.subject = subject
                    $0.version = version.wire
                    $0.permanent = permanent
                }, options: registry.options).versions
            }
            return try await registry.client.deleteSubject(.with {
                $0.subject = subject
                $0.permanent = permanent
            }, options: registry.options).versions
        }
        try registry.emit(Output(subject: subject, versions: versions, permanent: permanent)) {
            let list = versions.map { "\($0)" }.joined(separator: ", ")
            return "\(permanent ? "permanently deleted" : "deleted") \(subject) version\(versions.count == 1 ? "" : "s") \(list)"
        }
    }
}
