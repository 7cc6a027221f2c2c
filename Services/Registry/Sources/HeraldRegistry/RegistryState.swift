import HeraldAvro

/// The registry's state: everything `herald._schemas` says, folded in log order, plus the indexes
/// reads need. A pure value: the leader plans writes against it (`RegistryPlanner`) and every
/// instance applies the log to it (`apply`), so all instances answer alike.
struct RegistryState: Sendable {
    typealias StoredVersion = SchemaLogRecord.StoredVersion

    private(set) var subjects: [String: [Int: StoredVersion]] = [:]
    private(set) var configs: [String: CompatibilityLevel] = [:]
    private(set) var modes: [String: RegistryMode] = [:]
    /// The highest id ever assigned; ids above it are free.
    private(set) var idWatermark = 0
    private(set) var leader: SchemaLogRecord.LeaderAnnouncement?

    /// id → where it is used (subject, version), soft-deleted versions included.
    private var usages: [Int: Set<VersionKey>] = [:]
    /// id → its schema, parsed once.
    private var parsed: [Int: AvroSchema] = [:]
    /// Schema identity (normalized form + references) → id, so the same schema gets the same id everywhere.
    private var idsByIdentity: [String: Int] = [:]

    static let globalKey = ""
    static let defaultCompatibility = CompatibilityLevel.backward
    static let defaultMode = RegistryMode.readWrite

    struct VersionKey: Hashable, Sendable {
        var subject: String
        var version: Int
    }

    // MARK: Applying the log

    mutating func apply(_ record: SchemaLogRecord) {
        switch record {
        case .schema(let subject, let version, let stored):
            let key = VersionKey(subject: subject, version: version)
            if let previous = subjects[subject]?[version] {
                usages[previous.id]?.remove(key)
                if usages[previous.id]?.isEmpty == true { forget(id: previous.id) }
            }
            if let stored {
                subjects[subject, default: [:]][version] = stored
                usages[stored.id, default: []].insert(key)
                if parsed[stored.id] == nil, let schema = try? parse(stored.schema, references: stored.references) {
                    parsed[stored.id] = schema
                    idsByIdentity[Self.identity(of: schema, references: stored.references)] = stored.id
                }
                idWatermark = max(idWatermark, stored.id)
            } else {
                subjects[subject]?[version] = nil
                if subjects[subject]?.isEmpty == true { subjects[subject] = nil }
            }
        case .config(let subject, let level):
            configs[subject ?? Self.globalKey] = level
        case .mode(let subject, let mode):
            modes[subject ?? Self.globalKey] = mode
        case .deleteSubject(let subject, let throughVersion):
            for (version, stored) in subjects[subject] ?? [:] where version <= throughVersion && !stored.deleted {
                var deleted = stored
                deleted.deleted = true
                apply(.schema(subject: subject, version: version, deleted))
            }
        case .clearSubject(let subject):
            for (version, stored) in subjects[subject] ?? [:] where stored.deleted {
                apply(.schema(subject: subject, version: version, nil))
            }
        case .idWatermark(let id):
            idWatermark = max(idWatermark, id)
        case .leader(let announcement):
            leader = announcement
        case .ignored:
            break
        }
    }

    /// An id no version uses any more (all permanently deleted): it stays retired (the watermark
    /// keeps it from being assigned again), and the same schema registered later gets a new id.
    private mutating func forget(id: Int) {
        usages[id] = nil
        parsed[id] = nil
        idsByIdentity = idsByIdentity.filter { $0.value != id }
    }

    // MARK: Reading

    func schema(id: Int) throws(RegistryError) -> (schema: String, references: [SchemaReference]) {
        guard let key = usages[id]?.min(by: { ($0.subject, $0.version) < ($1.subject, $1.version) }),
              let stored = subjects[key.subject]?[key.version]
        else { throw .schemaNotFound(id: id) }
        return (stored.schema, stored.references)
    }

    func parsedSchema(id: Int) throws(RegistryError) -> AvroSchema {
        guard let schema = parsed[id] else { throw .schemaNotFound(id: id) }
        return schema
    }

    /// The (subject, version) pairs that use schema `id`, sorted.
    func usages(ofID id: Int, includeDeleted: Bool) -> [VersionKey] {
        (usages[id] ?? [])
            .filter { includeDeleted || subjects[$0.subject]?[$0.version]?.deleted == false }
            .sorted { ($0.subject, $0.version) < ($1.subject, $1.version) }
    }

    func subjectNames(includeDeleted: Bool, prefix: String = "") -> [String] {
        subjects
            .filter { $0.key.hasPrefix(prefix) && (includeDeleted || $0.value.values.contains { !$0.deleted }) }
            .keys.sorted()
    }

    func versions(of subject: String, includeDeleted: Bool) throws(RegistryError) -> [Int] {
        let versions = (subjects[subject] ?? [:]).values.filter { includeDeleted || !$0.deleted }.map(\.version).sorted()
        guard !versions.isEmpty else { throw .subjectNotFound(subject) }
        return versions
    }

    /// `version` nil means the latest.
    func version(_ subject: String, _ version: Int?, includeDeleted: Bool) throws(RegistryError) -> SubjectVersion {
        guard let all = subjects[subject], all.values.contains(where: { includeDeleted || !$0.deleted }) else {
            throw .subjectNotFound(subject)
        }
        let stored: StoredVersion?
        if let version {
            stored = all[version].flatMap { includeDeleted || !$0.deleted ? $0 : nil }
        } else {
            stored = all.values.filter { includeDeleted || !$0.deleted }.max { $0.version < $1.version }
        }
        guard let stored else { throw .versionNotFound(version ?? -1) }
        return SubjectVersion(subject: subject, version: stored.version, id: stored.id, schema: stored.schema,
                              references: stored.references, deleted: stored.deleted)
    }

    /// Every version of the subjects starting with `prefix`, by subject then version; with
    /// `latestOnly`, each subject's latest.
    func versions(prefix: String, includeDeleted: Bool, latestOnly: Bool) -> [SubjectVersion] {
        subjects.keys.filter { $0.hasPrefix(prefix) }.sorted().flatMap { subject in
            let shown = (subjects[subject] ?? [:]).values.filter { includeDeleted || !$0.deleted }.sorted { $0.version < $1.version }
            return (latestOnly ? Array(shown.suffix(1)) : shown).map {
                SubjectVersion(subject: subject, version: $0.version, id: $0.id, schema: $0.schema, references: $0.references, deleted: $0.deleted)
            }
        }
    }

    /// Ids of schemas whose references name `subject` at `version`.
    func referencingIDs(_ subject: String, _ version: Int) -> [Int] {
        var ids = Set<Int>()
        for versions in subjects.values {
            for stored in versions.values where !stored.deleted
                && stored.references.contains(where: { $0.subject == subject && $0.version == version }) {
                ids.insert(stored.id)
            }
        }
        return ids.sorted()
    }

    /// The id already assigned to this schema with these references, under any subject.
    func existingID(for schema: AvroSchema, references: [SchemaReference]) -> Int? {
        idsByIdentity[Self.identity(of: schema, references: references)]
    }

    /// The live version of `subject` that holds this schema, if any.
    func registeredVersion(of schema: AvroSchema, references: [SchemaReference], in subject: String, includeDeleted: Bool = false) -> SubjectVersion? {
        guard let id = existingID(for: schema, references: references) else { return nil }
        guard let stored = subjects[subject]?.values
            .filter({ $0.id == id && (includeDeleted || !$0.deleted) })
            .max(by: { $0.version < $1.version })
        else { return nil }
        return SubjectVersion(subject: subject, version: stored.version, id: stored.id, schema: stored.schema,
                              references: stored.references, deleted: stored.deleted)
    }

    func compatibility(of subject: String?) -> CompatibilityLevel {
        subject.flatMap { configs[$0] } ?? configs[Self.globalKey] ?? Self.defaultCompatibility
    }

    func mode(of subject: String?) -> RegistryMode {
        subject.flatMap { modes[$0] } ?? modes[Self.globalKey] ?? Self.defaultMode
    }

    var isEmpty: Bool { subjects.isEmpty }

    // MARK: Schemas

    /// Parses `text` with the named types its references bring in.
    func parse(_ text: String, references: [SchemaReference]) throws(RegistryError) -> AvroSchema {
        let referenced = try resolve(references)
        do {
            return try AvroSchema(parsing: text, references: referenced)
        } catch {
            throw .invalidSchema(text, details: "\(error)")
        }
    }

    /// The schemas `references` point at, each parsed with its own references.
    func resolve(_ references: [SchemaReference]) throws(RegistryError) -> [AvroSchema] {
        var schemas: [AvroSchema] = []
        for reference in references {
            guard let stored = subjects[reference.subject]?[reference.version] else {
                throw RegistryError(.invalidSchema,
                    "Invalid schema: reference '\(reference.name)' names subject '\(reference.subject)' version \(reference.version), which does not exist.")
            }
            if let schema = parsed[stored.id] {
                schemas.append(schema)
            } else {
                schemas.append(try parse(stored.schema, references: stored.references))
            }
        }
        return schemas
    }

    static func identity(of schema: AvroSchema, references: [SchemaReference]) -> String {
        references.reduce(schema.normalizedForm) { $0 + "\u{0}" + "\($1.name)\u{1}\($1.subject)\u{1}\($1.version)" }
    }
}
