/// Checks schema evolution the way Confluent Schema Registry does (Avro's reader/writer
/// compatibility rules), reporting every incompatibility rather than a boolean.
public enum SchemaCompatibility {
    /// Incompatibilities of `new` with the `previous` versions (oldest first) at `level`; empty
    /// means compatible.
    public static func check(_ new: AvroSchema, against previous: [AvroSchema], level: CompatibilityLevel) -> [SchemaIncompatibility] {
        guard level != .none, !previous.isEmpty else { return [] }
        let positions = level.isTransitive ? Array(previous.indices) : [previous.count - 1]
        var found: [SchemaIncompatibility] = []
        for position in positions {
            if level.checksBackward {
                found += canRead(reader: new, writer: previous[position], direction: .newReadsPrevious, previousIndex: position)
            }
            if level.checksForward {
                found += canRead(reader: previous[position], writer: new, direction: .previousReadsNew, previousIndex: position)
            }
        }
        return found
    }

    /// Why `reader` cannot read data written with `writer`; empty when it can.
    public static func incompatibilities(reader: AvroSchema, writer: AvroSchema) -> [SchemaIncompatibility] {
        canRead(reader: reader, writer: writer, direction: .newReadsPrevious, previousIndex: 0)
    }

    private static func canRead(reader: AvroSchema, writer: AvroSchema, direction: SchemaIncompatibility.Direction, previousIndex: Int) -> [SchemaIncompatibility] {
        var checker = CompatibilityChecker(reader: reader.graph, writer: writer.graph, direction: direction, previousIndex: previousIndex)
        checker.check(reader: reader.index, writer: writer.index, path: "")
        return checker.found
    }
}

/// Avro's reader/writer compatibility walk. Paths are JSON pointers into the reader schema,
/// with writer union branches as `/<index>`, as Avro Java reports them.
private struct CompatibilityChecker {
    let reader: SchemaGraph
    let writer: SchemaGraph
    let direction: SchemaIncompatibility.Direction
    let previousIndex: Int
    var found: [SchemaIncompatibility] = []
    /// Pairs being checked further up: a recursive type meeting itself is compatible so far.
    private var inProgress: Set<[Int]> = []
    /// What each pair checked before found, with paths relative to the pair, so a named type
    /// reached along many paths (2^depth for a type used twice per level) is walked once.
    private var known: [[Int]: [SchemaIncompatibility]] = [:]
    /// Pairs whose incompatibilities are already in `found`: repeating them at every path that
    /// reaches the pair again would make the report as large as the walk it replaces.
    private var reported: Set<[Int]> = []
    /// Pair visits left for this call; the memo keeps real schemas far below it.
    private var budget = CompatibilityChecker.visitBudget
    private var exhausted = false

    /// Pair visits one compatibility check may make.
    static let visitBudget = 1 << 20

    init(reader: SchemaGraph, writer: SchemaGraph, direction: SchemaIncompatibility.Direction, previousIndex: Int) {
        self.reader = reader
        self.writer = writer
        self.direction = direction
        self.previousIndex = previousIndex
    }

    private var readerRole: String { direction == .newReadsPrevious ? "new" : "previous" }
    private var writerRole: String { direction == .newReadsPrevious ? "previous" : "new" }

    private mutating func report(_ kind: SchemaIncompatibility.Kind, _ path: String, _ message: String) {
        found.append(SchemaIncompatibility(kind: kind, path: path.isEmpty ? "/" : path, message: message, direction: direction, previousIndex: previousIndex))
    }

    private func describe(_ graph: SchemaGraph, _ index: Int) -> String { BinaryEncoder.describe(graph.nodes[index]) }

    /// Whether `check` would report nothing, without reporting.
    private mutating func isCompatible(reader r: Int, writer w: Int) -> Bool {
        let saved = (found, reported)
        check(reader: r, writer: w, path: "")
        let compatible = found.count == saved.0.count
        (found, reported) = saved
        return compatible
    }

    mutating func check(reader r: Int, writer w: Int, path: String) {
        let key = [r, w]
        if let previous = known[key] {
            if !previous.isEmpty, reported.insert(key).inserted {
                found += previous.map { Self.moved($0, under: path) }
            }
            return
        }
        guard budget > 0 else {
            if !exhausted {
                exhausted = true
                report(.tooComplex, path, "the check would visit more than \(Self.visitBudget) pairs of schema nodes")
            }
            return
        }
        budget -= 1
        guard inProgress.insert(key).inserted else { return }
        let start = found.count
        defer {
            inProgress.remove(key)
            if !exhausted {
                known[key] = found[start...].map { Self.relative($0, to: path) }
                if found.count > start { reported.insert(key) }
            }
        }
        checkPair(reader: r, writer: w, path: path)
    }

    private static func relative(_ incompatibility: SchemaIncompatibility, to path: String) -> SchemaIncompatibility {
        var copy = incompatibility
        let full = copy.path == "/" ? "" : copy.path
        copy.path = String(full.dropFirst(path.count))
        return copy
    }

    private static func moved(_ incompatibility: SchemaIncompatibility, under path: String) -> SchemaIncompatibility {
        var copy = incompatibility
        copy.path = path + copy.path
        if copy.path.isEmpty { copy.path = "/" }
        return copy
    }

    private mutating func checkPair(reader r: Int, writer w: Int, path: String) {
        let readerNode = reader.nodes[r]
        let writerNode = writer.nodes[w]

        if readerNode.type == writerNode.type {
            switch readerNode.type {
            case .null, .boolean, .int, .long, .float, .double, .bytes, .string:
                return
            case .array:
                check(reader: readerNode.child, writer: writerNode.child, path: path + "/items")
            case .map:
                check(reader: readerNode.child, writer: writerNode.child, path: path + "/values")
            case .fixed:
                checkName(readerNode, writerNode, path: path)
                if readerNode.size != writerNode.size {
                    report(.fixedSizeMismatch, path + "/size", "expected size \(writerNode.size) for \(readerNode.fullName!), found \(readerNode.size)")
                }
            case .enum:
                checkName(readerNode, writerNode, path: path)
                let missing = writerNode.symbols.filter { readerNode.symbolIndex[$0] == nil }
                if !missing.isEmpty, readerNode.enumDefault == nil {
                    report(.missingEnumSymbols, path + "/symbols",
                           "the \(readerRole) schema's enum \(readerNode.fullName!) lacks symbols [\(missing.joined(separator: ", "))] of the \(writerRole) schema and has no default")
                }
            case .record:
                checkName(readerNode, writerNode, path: path)
                checkFields(readerNode, writerNode, path: path)
            case .union:
                for (position, branch) in writerNode.branches.enumerated() {
                    check(reader: r, writer: branch, path: path + "/\(position)")
                }
            }
            return
        }

        if writerNode.type == .union {
            for (position, branch) in writerNode.branches.enumerated() {
                check(reader: r, writer: branch, path: path + "/\(position)")
            }
            return
        }
        switch (writerNode.type, readerNode.type) {
        case (.int, .long), (.int, .float), (.int, .double), (.long, .float), (.long, .double), (.float, .double),
             (.string, .bytes), (.bytes, .string):
            return
        case (_, .union):
            if !readerNode.branches.contains(where: { isCompatible(reader: $0, writer: w) }) {
                report(.missingUnionBranch, path,
                       "the \(readerRole) schema's union lacks a branch for \(describe(writer, w)) of the \(writerRole) schema")
            }
        default:
            report(.typeMismatch, path,
                   "the \(readerRole) schema's \(describe(reader, r)) cannot read \(describe(writer, w)) of the \(writerRole) schema")
        }
    }

    /// Unqualified names must agree, or a reader alias must be the writer's full name.
    private mutating func checkName(_ readerNode: SchemaNode, _ writerNode: SchemaNode, path: String) {
        if !ResolutionPlanBuilder.namesMatch(writer: writerNode, reader: readerNode) {
            report(.nameMismatch, path + "/name",
                   "the \(readerRole) schema's \(readerNode.fullName!) does not match \(writerNode.fullName!) of the \(writerRole) schema by name or alias")
        }
    }

    private mutating func checkFields(_ readerNode: SchemaNode, _ writerNode: SchemaNode, path: String) {
        for (position, field) in readerNode.fields.enumerated() {
            let fieldPath = path + "/fields/\(position)"
            let writerPosition = writerNode.fieldIndex[field.name] ?? field.aliases.lazy.compactMap { writerNode.fieldIndex[$0] }.first
            if let writerPosition {
                check(reader: field.type, writer: writerNode.fields[writerPosition].type, path: fieldPath + "/type")
            } else if field.defaultValue == nil {
                report(.readerFieldMissingDefaultValue, fieldPath,
                       "field \"\(field.name)\" of the \(readerRole) schema has no default and is missing from the \(writerRole) schema")
            }
        }
    }
}
