/// Reads data written with one schema as another, by the specification's resolution rules:
/// reader-only fields take their defaults, writer-only fields are skipped, numbers are promoted
/// (int → long/float/double, long → float/double, float → double), string and bytes convert,
/// enum symbols map by name (falling back to the reader's default), union branches are chosen,
/// and named types match by unqualified name or the reader's aliases.
///
/// Structural mismatches throw when the resolver is made. What the specification leaves to the
/// data — a writer union branch or enum symbol the reader lacks — is an error only when it occurs.
public struct AvroResolver: Sendable {
    public let writer: AvroSchema
    public let reader: AvroSchema
    private let plan: ResolutionPlan

    public init(writer: AvroSchema, reader: AvroSchema) throws(AvroError) {
        self.writer = writer
        self.reader = reader
        var builder = ResolutionPlanBuilder(writer: writer.graph, reader: reader.graph)
        let root = try builder.resolve(writer: writer.index, reader: reader.index, path: "")
        self.plan = ResolutionPlan(steps: builder.steps, root: root)
    }

    /// Decodes writer-schema binary into a value shaped by the reader schema.
    public func decode(_ bytes: some Sequence<UInt8>) throws(AvroError) -> AvroValue {
        try withContiguousBytes(bytes) { buffer throws(AvroError) in
            var decoder = ResolvingDecoder(plan: plan, writerNodes: writer.graph.nodes, bytes: UnsafeRawBufferPointer(buffer))
            let value = try decoder.decode(plan.root, depth: 0)
            try AvroSchema.requireEnd(decoder.reader)
            return value
        }
    }

    /// Re-encodes writer-schema binary as reader-schema binary.
    public func reencode(_ bytes: some Sequence<UInt8>) throws(AvroError) -> [UInt8] {
        try reader.encode(decode(bytes))
    }
}

/// The precomputed steps of a resolution; indices let recursive types refer back to themselves.
final class ResolutionPlan: Sendable {
    let steps: [ResolutionStep]
    let root: Int

    init(steps: [ResolutionStep], root: Int) {
        self.steps = steps
        self.root = root
    }
}

enum ResolutionStep: Sendable {
    /// Same primitive type on both sides.
    case primitive(AvroType)
    /// A promotion, e.g. writer int read as reader double, or string ↔ bytes.
    case promote(from: AvroType, to: AvroType)
    case record(RecordResolution)
    /// Reader symbol per writer symbol index; nil when the writer symbol cannot be read.
    case enumeration(readerSymbols: [String?], writerSymbols: [String])
    /// Item step, and the writer's item schema (its minimum size bounds block counts).
    case array(item: Int, writerItem: Int)
    case map(value: Int, writerValue: Int)
    case fixed(size: Int)
    /// One step per writer branch.
    case writerUnion(branches: [Int])
    /// A non-union writer value read into reader union branch `branch`.
    case readerUnion(branch: Int, step: Int)
    /// Data that cannot be resolved (a writer union branch the reader cannot read).
    case fail(String)
}

struct RecordResolution: Sendable {
    enum Action: Sendable {
        case read(readerPosition: Int, step: Int)
        /// A writer-only field: skipped with the writer schema.
        case skip(writerNode: Int)
    }

    /// In writer field order, as the data arrives.
    var actions: [Action]
    var readerFieldNames: [String]
    /// Reader-only fields' defaults, already decoded.
    var defaults: [(position: Int, value: AvroValue)]
}

struct ResolutionPlanBuilder {
    let writer: SchemaGraph
    let reader: SchemaGraph
    var steps: [ResolutionStep] = []
    private var memo: [Pair: Int] = [:]

    private struct Pair: Hashable {
        var writer: Int
        var reader: Int
    }

    init(writer: SchemaGraph, reader: SchemaGraph) {
        self.writer = writer
        self.reader = reader
    }

    private func describe(_ graph: SchemaGraph, _ index: Int) -> String { BinaryEncoder.describe(graph.nodes[index]) }

    private func failure(_ message: String, _ path: String) -> AvroError {
        AvroError(.notResolvable, message, path: path.isEmpty ? "/" : path)
    }

    /// Named types match by unqualified name, or when a reader alias is the writer's full name.
    static func namesMatch(writer: SchemaNode, reader: SchemaNode) -> Bool {
        writer.name == reader.name || reader.aliases.contains(writer.fullName ?? "")
    }

    private mutating func add(_ step: ResolutionStep) -> Int {
        steps.append(step)
        return steps.count - 1
    }

    mutating func resolve(writer w: Int, reader r: Int, path: String) throws(AvroError) -> Int {
        let pair = Pair(writer: w, reader: r)
        if let known = memo[pair] { return known }
        let writerNode = writer.nodes[w]
        let readerNode = reader.nodes[r]

        if writerNode.type == .union {
            // Placeholder first: a recursive type may lead back here.
            let index = add(.fail("unresolved"))
            memo[pair] = index
            var branchSteps: [Int] = []
            for (position, branch) in writerNode.branches.enumerated() {
                branchSteps.append(try resolveOrFail(writer: branch, reader: r, path: path + "/\(position)"))
            }
            steps[index] = .writerUnion(branches: branchSteps)
            return index
        }
        if readerNode.type == .union {
            guard let (branch, step) = selectReaderBranch(writer: w, readerUnion: r, path: path) else {
                throw failure("no branch of reader union \(unionDescription(r)) can read writer \(describe(writer, w))", path)
            }
            let index = add(.readerUnion(branch: branch, step: step))
            memo[pair] = index
            return index
        }

        switch (writerNode.type, readerNode.type) {
        case let (writerType, readerType) where writerType == readerType && readerType.isPrimitive:
            return add(.primitive(readerType))
        case (.int, .long), (.int, .float), (.int, .double), (.long, .float), (.long, .double), (.float, .double),
             (.string, .bytes), (.bytes, .string):
            return add(.promote(from: writerNode.type, to: readerNode.type))
        case (.array, .array), (.map, .map):
            let index = add(.fail("unresolved"))
            memo[pair] = index
            let isArray = readerNode.type == .array
            let child = try resolve(writer: writerNode.child, reader: readerNode.child, path: path + (isArray ? "/items" : "/values"))
            steps[index] = isArray ? .array(item: child, writerItem: writerNode.child) : .map(value: child, writerValue: writerNode.child)
            return index
        case (.fixed, .fixed):
            guard Self.namesMatch(writer: writerNode, reader: readerNode) else {
                throw failure("writer \(describe(writer, w)) does not match reader \(describe(reader, r)) by name or alias", path + "/name")
            }
            guard writerNode.size == readerNode.size else {
                throw failure("fixed sizes differ: writer \(writerNode.size), reader \(readerNode.size)", path + "/size")
            }
            return add(.fixed(size: readerNode.size))
        case (.enum, .enum):
            guard Self.namesMatch(writer: writerNode, reader: readerNode) else {
                throw failure("writer \(describe(writer, w)) does not match reader \(describe(reader, r)) by name or alias", path + "/name")
            }
            let mapped = writerNode.symbols.map { symbol in
                readerNode.symbolIndex[symbol] != nil ? symbol : readerNode.enumDefault
            }
            return add(.enumeration(readerSymbols: mapped, writerSymbols: writerNode.symbols))
        case (.record, .record):
            guard Self.namesMatch(writer: writerNode, reader: readerNode) else {
                throw failure("writer \(describe(writer, w)) does not match reader \(describe(reader, r)) by name or alias", path + "/name")
            }
            let index = add(.fail("unresolved"))
            memo[pair] = index
            steps[index] = .record(try resolveRecord(writerNode, readerNode, path: path))
            return index
        default:
            throw failure("writer \(describe(writer, w)) cannot be read as reader \(describe(reader, r))", path)
        }
    }

    private mutating func resolveRecord(_ writerNode: SchemaNode, _ readerNode: SchemaNode, path: String) throws(AvroError) -> RecordResolution {
        var actions: [RecordResolution.Action] = []
        var matchedReader = Set<Int>()
        for writerField in writerNode.fields {
            let readerPosition = readerNode.fieldIndex[writerField.name]
                ?? readerNode.fields.firstIndex { $0.aliases.contains(writerField.name) }
            guard let readerPosition else {
                actions.append(.skip(writerNode: writerField.type))
                continue
            }
            matchedReader.insert(readerPosition)
            let step = try resolve(writer: writerField.type, reader: readerNode.fields[readerPosition].type, path: path + "/fields/\(readerPosition)/type")
            actions.append(.read(readerPosition: readerPosition, step: step))
        }
        var defaults: [(position: Int, value: AvroValue)] = []
        for (position, field) in readerNode.fields.enumerated() where !matchedReader.contains(position) {
            guard let defaultBinary = field.defaultBinary else {
                throw failure("reader field \"\(field.name)\" is missing from the writer and has no default", path + "/fields/\(position)")
            }
            let value: AvroValue
            do {
                value = try AvroSchema(graph: reader, index: field.type).decode(defaultBinary)
            } catch {
                throw failure("default of reader field \"\(field.name)\" does not decode: \(error.message)", path + "/fields/\(position)")
            }
            defaults.append((position, value))
        }
        return RecordResolution(actions: actions, readerFieldNames: readerNode.fields.map(\.name), defaults: defaults)
    }

    /// A writer union branch the reader cannot read becomes a data error, not a schema error.
    private mutating func resolveOrFail(writer w: Int, reader r: Int, path: String) throws(AvroError) -> Int {
        let mark = steps.count
        let savedMemo = memo
        do {
            return try resolve(writer: w, reader: r, path: path)
        } catch {
            steps.removeSubrange(mark...)
            memo = savedMemo
            return add(.fail("writer union branch \(describe(writer, w)) cannot be read as \(describe(reader, r)): \(error.message)"))
        }
    }

    /// The first reader branch of the same type (and name, for named types), else the first
    /// branch the writer resolves against (promotions, renamed records).
    private mutating func selectReaderBranch(writer w: Int, readerUnion r: Int, path: String) -> (Int, Int)? {
        let writerNode = writer.nodes[w]
        let branches = reader.nodes[r].branches
        let exact = branches.indices.filter { position in
            let candidate = reader.nodes[branches[position]]
            guard candidate.type == writerNode.type else { return false }
            return !candidate.type.isNamed || Self.namesMatch(writer: writerNode, reader: candidate)
        }
        let others = branches.indices.filter { !exact.contains($0) }
        for position in exact + others {
            let mark = steps.count
            let savedMemo = memo
            do {
                let step = try resolve(writer: w, reader: branches[position], path: path + "/\(position)")
                return (position, step)
            } catch {
                steps.removeSubrange(mark...)
                memo = savedMemo
            }
        }
        return nil
    }

    private func unionDescription(_ index: Int) -> String {
        "[" + reader.nodes[index].branches.map { describe(reader, $0) }.joined(separator: ", ") + "]"
    }
}

/// Executes a `ResolutionPlan` over writer binary.
struct ResolvingDecoder {
    let steps: [ResolutionStep]
    let writerNodes: [SchemaNode]
    var reader: BinaryReader

    init(plan: ResolutionPlan, writerNodes: [SchemaNode], bytes: UnsafeRawBufferPointer) {
        self.steps = plan.steps
        self.writerNodes = writerNodes
        self.reader = BinaryReader(bytes)
    }

    mutating func decode(_ step: Int, depth: Int) throws(AvroError) -> AvroValue {
        guard depth < BinaryReader.maximumDepth else { throw AvroError(.tooDeep, "value nests deeper than \(BinaryReader.maximumDepth) levels") }
        switch steps[step] {
        case .primitive(let type):
            return try reader.readPrimitive(type)
        case .promote(let from, let to):
            let value = try reader.readPrimitive(from)
            switch (value, to) {
            case (.int(let number), .long): return .long(Int64(number))
            case (.int(let number), .float): return .float(Float(number))
            case (.int(let number), .double): return .double(Double(number))
            case (.long(let number), .float): return .float(Float(number))
            case (.long(let number), .double): return .double(Double(number))
            case (.float(let number), .double): return .double(Double(number))
            case (.string(let text), .bytes): return .bytes(Array(text.utf8))
            case (.bytes(let bytes), .string):
                guard UTF8Validation.isValid(bytes) else { throw reader.malformed("bytes read as string are not valid UTF-8") }
                return .string(String(decoding: bytes, as: UTF8.self))
            default: throw AvroError(.notResolvable, "cannot promote \(from.rawValue) to \(to.rawValue)")
            }
        case .fixed(let size):
            return .fixed(Array(try reader.readFixed(size)))
        case .enumeration(let readerSymbols, let writerSymbols):
            let position = try reader.readInt()
            guard position >= 0, Int(position) < readerSymbols.count else {
                throw reader.malformed("enum index \(position) out of range 0..<\(readerSymbols.count)")
            }
            guard let symbol = readerSymbols[Int(position)] else {
                throw AvroError(.invalidValue, "writer symbol \"\(writerSymbols[Int(position)])\" is not in the reader's enum, which has no default")
            }
            return .enum(symbol)
        case .writerUnion(let branches):
            let branch = try reader.readLong()
            guard branch >= 0, branch < branches.count else { throw reader.malformed("union index \(branch) out of range 0..<\(branches.count)") }
            return try decode(branches[Int(branch)], depth: depth)
        case .readerUnion(let branch, let inner):
            return .union(branch: branch, try decode(inner, depth: depth))
        case .fail(let message):
            throw AvroError(.invalidValue, message)
        case .array(let item, let writerItem):
            var items: [AvroValue] = []
            while true {
                let count = try reader.readBlockCount(minimumItemSize: writerNodes[writerItem].minimumSize)
                if count == 0 { break }
                for _ in 0..<count {
                    do { items.append(try decode(item, depth: depth + 1)) } catch { throw error.atIndex(items.count) }
                }
            }
            return .array(items)
        case .map(let value, let writerValue):
            var entries: [AvroValue.Entry] = []
            while true {
                let count = try reader.readBlockCount(minimumItemSize: 1 + writerNodes[writerValue].minimumSize)
                if count == 0 { break }
                for _ in 0..<count {
                    let key = String(decoding: try reader.readStringBytes(), as: UTF8.self)
                    do { entries.append(AvroValue.Entry(key, try decode(value, depth: depth + 1))) } catch { throw error.atKey(key) }
                }
            }
            return .map(entries)
        case .record(let record):
            try reader.spendFields(record.actions.count)
            var values = [AvroValue](repeating: .null, count: record.readerFieldNames.count)
            for (position, value) in record.defaults { values[position] = value }
            for action in record.actions {
                switch action {
                case .read(let position, let inner):
                    do { values[position] = try decode(inner, depth: depth + 1) } catch { throw error.inField(record.readerFieldNames[position]) }
                case .skip(let writerNode):
                    var validator = BinaryValidator(nodes: writerNodes, reader: reader)
                    try validator.validate(writerNode, depth: depth + 1)
                    reader = validator.reader
                }
            }
            return .record(zip(record.readerFieldNames, values).map { AvroValue.Field($0, $1) })
        }
    }
}
