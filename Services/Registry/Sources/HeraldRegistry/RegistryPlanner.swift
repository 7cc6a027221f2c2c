import HeraldAvro

/// The leader's decisions: what a write request does to the registry, as the log records that
/// carry it out, decided against the current state without I/O.
enum RegistryPlanner {
    struct Plan: Equatable, Sendable {
        /// Records to append, in one transaction; empty when the request changes nothing.
        var records: [SchemaLogRecord]
        var outcome: Outcome
    }

    enum Outcome: Equatable, Sendable {
        case registered(id: Int, version: Int)
        case deleted(versions: [Int])
        case compatibility(CompatibilityLevel)
        case mode(RegistryMode)
    }

    static func register(_ request: Registration, in state: RegistryState) throws(RegistryError) -> Plan {
        try validateSubject(request.subject)
        let mode = state.mode(of: request.subject)
        if mode == .readOnly {
            throw RegistryError(.operationNotPermitted, "Subject '\(request.subject)' is in read-only mode.")
        }
        if mode != .importing, request.id != nil || request.version != nil {
            throw RegistryError(.operationNotPermitted,
                "Registering with a given id or version is only allowed in IMPORT mode (subject '\(request.subject)' is in \(mode.rawValue) mode).")
        }
        let schema = try state.parse(request.schema, references: request.references)

        if mode != .importing, let existing = state.registeredVersion(of: schema, references: request.references, in: request.subject) {
            return Plan(records: [], outcome: .registered(id: existing.id, version: existing.version))
        }

        if mode != .importing {
            let incompatibilities = try check(schema, subject: request.subject, against: nil, in: state)
            guard incompatibilities.isEmpty else {
                throw .incompatible(request.subject, details: incompatibilities.map { "[\($0)]" }.joined(separator: ", "))
            }
        }

        let existingID = state.existingID(for: schema, references: request.references)
        let id: Int
        if let requested = request.id {
            guard requested > 0 else { throw RegistryError(.invalidSchema, "Schema id must be positive, got \(requested).") }
            if let holder = try? state.parsedSchema(id: requested),
               RegistryState.identity(of: holder, references: (try? state.schema(id: requested).references) ?? []) != RegistryState.identity(of: schema, references: request.references) {
                throw RegistryError(.operationNotPermitted, "Overwrite new schema with id \(requested) is not permitted: another schema has this id.")
            }
            id = requested
        } else {
            id = existingID ?? state.idWatermark + 1
            guard SchemaLogRecord.idRange.contains(id) else {
                throw RegistryError(.storeError, "Every schema id up to \(Int32.max) has been given; no id is left for a new schema.")
            }
        }

        let known = (try? state.versions(of: request.subject, includeDeleted: true)) ?? []
        let version: Int
        if let requested = request.version {
            guard requested > 0 else { throw .invalidVersion("\(requested)") }
            guard !known.contains(requested) else {
                throw RegistryError(.operationNotPermitted, "Version \(requested) of subject '\(request.subject)' already exists.")
            }
            version = requested
        } else {
            version = (known.max() ?? 0) + 1
        }

        let text = request.normalize ? schema.normalizedForm : minified(request.schema)
        var records: [SchemaLogRecord] = [
            .schema(subject: request.subject, version: version, .init(
                subject: request.subject, version: version, id: id, schema: text, references: request.references, deleted: false)),
        ]
        if id > state.idWatermark { records.append(.idWatermark(id)) }
        return Plan(records: records, outcome: .registered(id: id, version: version))
    }

    /// Incompatibilities of `schema` with the versions of `subject` its level requires, or with
    /// one `version` when given (nil = as the level says). A subject without versions accepts anything.
    static func check(_ schema: AvroSchema, subject: String, against version: Int?, in state: RegistryState) throws(RegistryError) -> [SchemaIncompatibility] {
        let level = state.compatibility(of: subject)
        let live = (try? state.versions(of: subject, includeDeleted: false)) ?? []
        let chosen: [Int]
        if let version {
            guard live.contains(version) else { throw .versionNotFound(version) }
            chosen = [version]
        } else {
            chosen = live
        }
        var previous: [AvroSchema] = []
        for number in chosen {
            let stored = try state.version(subject, number, includeDeleted: false)
            previous.append(try state.parsedSchema(id: stored.id))
        }
        guard !previous.isEmpty else { return [] }
        // One named version is checked directly, whatever the level's transitivity.
        let effective = version == nil ? level : level.nonTransitive
        return SchemaCompatibility.check(schema, against: previous, level: effective)
    }

    static func deleteSubject(_ subject: String, permanent: Bool, in state: RegistryState) throws(RegistryError) -> Plan {
        if state.mode(of: subject) == .readOnly {
            throw RegistryError(.operationNotPermitted, "Subject '\(subject)' is in read-only mode.")
        }
        let all = try state.versions(of: subject, includeDeleted: true)
        let live = (try? state.versions(of: subject, includeDeleted: false)) ?? []
        if permanent {
            guard live.isEmpty else {
                throw .subjectNotSoftDeleted(subject)
            }
            try refuseIfReferenced(subject, all, in: state)
            let records = all.map { SchemaLogRecord.schema(subject: subject, version: $0, nil) }
                + [.config(subject: subject, nil), .mode(subject: subject, nil)]
            return Plan(records: records, outcome: .deleted(versions: all))
        }
        guard !live.isEmpty else {
            throw .subjectSoftDeleted(subject)
        }
        try refuseIfReferenced(subject, live, in: state)
        var records: [SchemaLogRecord] = []
        for number in live {
            var stored = try storedVersion(subject, number, in: state)
            stored.deleted = true
            records.append(.schema(subject: subject, version: number, stored))
        }
        return Plan(records: records, outcome: .deleted(versions: live))
    }

    /// `version` nil means the latest live version.
    static func deleteVersion(_ subject: String, _ version: Int?, permanent: Bool, in state: RegistryState) throws(RegistryError) -> Plan {
        if state.mode(of: subject) == .readOnly {
            throw RegistryError(.operationNotPermitted, "Subject '\(subject)' is in read-only mode.")
        }
        _ = try state.versions(of: subject, includeDeleted: true)
        let number: Int
        if let version { number = version } else { number = try state.version(subject, nil, includeDeleted: false).version }
        var stored = try storedVersion(subject, number, in: state)
        try refuseIfReferenced(subject, [number], in: state)
        if permanent {
            guard stored.deleted else {
                throw .versionNotSoftDeleted(subject, number)
            }
            return Plan(records: [.schema(subject: subject, version: number, nil)], outcome: .deleted(versions: [number]))
        }
        guard !stored.deleted else {
            throw .versionSoftDeleted(subject, number)
        }
        stored.deleted = true
        return Plan(records: [.schema(subject: subject, version: number, stored)], outcome: .deleted(versions: [number]))
    }

    /// `subject` nil is the global level; `level` nil removes a subject's own level.
    static func setCompatibility(_ level: CompatibilityLevel?, subject: String?, in state: RegistryState) throws(RegistryError) -> Plan {
        if let subject { try validateSubject(subject) }
        let effective = level ?? state.compatibility(of: nil)
        return Plan(records: [.config(subject: subject, level)], outcome: .compatibility(effective))
    }

    /// `subject` nil is the global mode; `mode` nil removes a subject's own mode.
    static func setMode(_ mode: RegistryMode?, subject: String?, force: Bool, in state: RegistryState) throws(RegistryError) -> Plan {
        if let subject { try validateSubject(subject) }
        if mode == .importing, !force {
            let hasSchemas = subject.map { !((try? state.versions(of: $0, includeDeleted: true)) ?? []).isEmpty } ?? !state.isEmpty
            if hasSchemas {
                throw RegistryError(.operationNotPermitted,
                    "Cannot import since found existing subjects; use force=true to set IMPORT mode anyway.")
            }
        }
        return Plan(records: [.mode(subject: subject, mode)], outcome: .mode(mode ?? state.mode(of: nil)))
    }

    // MARK: Helpers

    /// Every log record carries its subject in the key (a schema record in its value too), so a
    /// bound far under the broker's record size limit keeps such a write from failing in Kafka.
    static let maximumSubjectBytes = 10_000

    static func validateSubject(_ subject: String) throws(RegistryError) {
        guard subject.utf8.count <= maximumSubjectBytes else {
            throw RegistryError(.badRequest, "Invalid subject name: \(subject.utf8.count) bytes, more than the \(maximumSubjectBytes) allowed.")
        }
        guard !subject.isEmpty, !subject.contains(where: { $0.isNewline || ($0.asciiValue.map { $0 < 0x20 } ?? false) }) else {
            throw RegistryError(.badRequest, "Invalid subject name '\(subject)': it must be non-empty and contain no control characters.")
        }
    }

    private static func storedVersion(_ subject: String, _ version: Int, in state: RegistryState) throws(RegistryError) -> RegistryState.StoredVersion {
        guard let stored = state.subjects[subject]?[version] else { throw .versionNotFound(version) }
        return stored
    }

    private static func refuseIfReferenced(_ subject: String, _ versions: [Int], in state: RegistryState) throws(RegistryError) {
        for version in versions {
            let ids = state.referencingIDs(subject, version)
            guard ids.isEmpty else {
                throw RegistryError(.referenceExists,
                    "One or more references exist to the schema {subject=\(subject), version=\(version)}: schema ids \(ids.map(String.init).joined(separator: ", ")).")
            }
        }
    }

    /// The schema text as stored: the caller's JSON without insignificant whitespace.
    private static func minified(_ text: String) -> String {
        (try? JSONValue(parsing: text).jsonText) ?? text
    }
}

extension CompatibilityLevel {
    /// The same check against one version.
    var nonTransitive: CompatibilityLevel {
        switch self {
        case .backwardTransitive: .backward
        case .forwardTransitive: .forward
        case .fullTransitive: .full
        default: self
        }
    }
}
