/// How JSON input maps onto a schema.
public enum AvroJSONMode: Hashable, Sendable {
    /// The specification's Avro JSON encoding: unions as `{"type name": value}` (bare `null` for
    /// null), bytes and fixed as strings of code points U+0000–U+00FF, every field present.
    case strict
    /// What callers actually send: additionally a bare value for a union (`"x"` for
    /// `["null", "string"]`), omitted fields take their defaults, integral numbers such as
    /// `3.0` for int and long, and short names for named union branches.
    case lenient
}

/// Encodes a JSON document as Avro binary against a schema, checking as it goes. Errors carry the
/// field path (`items[3].sku: expected string, got number`).
struct JSONToBinaryEncoder {
    enum Mode {
        case strict, lenient
        /// Field defaults in a schema: a union's default belongs to its first branch, and record
        /// defaults may omit fields that have defaults themselves or add unknown ones.
        case defaultValue
    }

    let nodes: [SchemaNode]
    let mode: Mode
    var writer: BinaryWriter

    init(graph: SchemaGraph, mode: Mode, capacity: Int = 64) {
        self.nodes = graph.nodes
        self.mode = mode
        self.writer = BinaryWriter(capacity: capacity)
    }

    private func mismatch(_ index: Int, _ json: JSONValue) -> AvroError {
        AvroError(.invalidValue, "expected \(BinaryEncoder.describe(nodes[index])), got \(json.kindName)")
    }

    mutating func encode(_ json: JSONValue, node index: Int, depth: Int = 0) throws(AvroError) {
        switch nodes[index].type {
        case .null:
            guard case .null = json else { throw mismatch(index, json) }
        case .boolean:
            guard case .bool(let flag) = json else { throw mismatch(index, json) }
            writer.writeBoolean(flag)
        case .int:
            let number = try integer(json, index)
            guard let narrow = Int32(exactly: number) else { throw AvroError(.invalidValue, "\(number) is out of range for int") }
            writer.writeInt(narrow)
        case .long:
            writer.writeLong(try integer(json, index))
        case .float:
            let number = try floatingPoint(json, index)
            let narrow = Float(number)
            guard narrow.isFinite || !number.isFinite else { throw AvroError(.invalidValue, "\(number) is out of range for float") }
            writer.writeFloat(narrow)
        case .double:
            writer.writeDouble(try floatingPoint(json, index))
        case .string:
            guard case .string(let text) = json else { throw mismatch(index, json) }
            writer.writeString(text)
        case .bytes:
            guard case .string(let text) = json else { throw mismatch(index, json) }
            writer.writeBytes(try Self.codePointBytes(text))
        case .fixed:
            guard case .string(let text) = json else { throw mismatch(index, json) }
            let bytes = try Self.codePointBytes(text)
            guard bytes.count == nodes[index].size else {
                throw AvroError(.invalidValue, "expected \(nodes[index].size) bytes for \(BinaryEncoder.describe(nodes[index])), got \(bytes.count)")
            }
            writer.writeRaw(bytes)
        case .enum:
            guard case .string(let symbol) = json else { throw mismatch(index, json) }
            guard let position = nodes[index].symbolIndex[symbol] else {
                throw AvroError(.invalidValue, "\"\(symbol)\" is not a symbol of \(BinaryEncoder.describe(nodes[index]))")
            }
            writer.writeInt(Int32(position))
        case .array:
            guard case .array(let items) = json else { throw mismatch(index, json) }
            guard depth < JSONReader.maximumDepth else { throw AvroError(.tooDeep, "value nests too deep") }
            let child = nodes[index].child
            if !items.isEmpty {
                writer.writeLong(Int64(items.count))
                for (position, item) in items.enumerated() {
                    do { try encode(item, node: child, depth: depth + 1) } catch { throw error.atIndex(position) }
                }
            }
            writer.writeLong(0)
        case .map:
            guard case .object(let members) = json else { throw mismatch(index, json) }
            guard depth < JSONReader.maximumDepth else { throw AvroError(.tooDeep, "value nests too deep") }
            let child = nodes[index].child
            if !members.isEmpty {
                writer.writeLong(Int64(members.count))
                for member in members {
                    writer.writeString(member.key)
                    do { try encode(member.value, node: child, depth: depth + 1) } catch { throw error.atKey(member.key) }
                }
            }
            writer.writeLong(0)
        case .record:
            guard case .object(let members) = json else { throw mismatch(index, json) }
            guard depth < JSONReader.maximumDepth else { throw AvroError(.tooDeep, "value nests too deep") }
            try encodeRecord(members, index, depth: depth)
        case .union:
            try encodeUnion(json, index, depth: depth)
        }
    }

    private func integer(_ json: JSONValue, _ index: Int) throws(AvroError) -> Int64 {
        switch json {
        case .integer(let number): return number
        case .double(let number) where mode != .strict:
            guard let exact = Int64(exactly: number) else { throw AvroError(.invalidValue, "\(number) is not an integer") }
            return exact
        case .double(let number): throw AvroError(.invalidValue, "expected \(nodes[index].type.rawValue), got non-integer number \(number)")
        default: throw mismatch(index, json)
        }
    }

    private func floatingPoint(_ json: JSONValue, _ index: Int) throws(AvroError) -> Double {
        switch json {
        case .integer(let number): return Double(number)
        case .double(let number): return number
        // JSON cannot spell these; Avro's JSON encoders write them as strings.
        case .string("NaN"): return .nan
        case .string("Infinity"): return .infinity
        case .string("-Infinity"): return -.infinity
        default: throw mismatch(index, json)
        }
    }

    /// Avro JSON spells bytes as a string whose code points are the byte values.
    static func codePointBytes(_ text: String) throws(AvroError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            guard scalar.value <= 0xFF else {
                throw AvroError(.invalidValue, "bytes are written as code points U+0000–U+00FF, got U+\(String(scalar.value, radix: 16, uppercase: true))")
            }
            bytes.append(UInt8(scalar.value))
        }
        return bytes
    }

    private mutating func encodeRecord(_ members: [JSONValue.Member], _ index: Int, depth: Int) throws(AvroError) {
        let fieldCount = nodes[index].fields.count
        var matched = 0
        for position in 0..<fieldCount {
            let name = nodes[index].fields[position].name
            let fieldType = nodes[index].fields[position].type
            // Producers usually send fields in schema order, so the positional guess nearly always hits.
            let found: JSONValue?
            if position < members.count, members[position].key == name {
                found = members[position].value
            } else {
                found = members.first { $0.key == name }?.value
            }
            if let found {
                matched += 1
                do { try encode(found, node: fieldType, depth: depth + 1) } catch { throw error.inField(name) }
                continue
            }
            switch mode {
            case .strict:
                throw AvroError(.invalidValue, "missing field", path: name)
            case .lenient, .defaultValue:
                if let defaultBinary = nodes[index].fields[position].defaultBinary {
                    writer.writeRaw(defaultBinary)
                } else if let defaultValue = nodes[index].fields[position].defaultValue {
                    var nested = JSONToBinaryEncoder(nodes: nodes, mode: .defaultValue, writer: writer)
                    do { try nested.encode(defaultValue, node: fieldType, depth: depth + 1) } catch { throw error.inField(name) }
                    writer = nested.writer
                } else {
                    throw AvroError(.invalidValue, "missing field without a default", path: name)
                }
            }
        }
        if matched != members.count, mode != .defaultValue {
            var seen: Set<String> = []
            for member in members {
                guard nodes[index].fieldIndex[member.key] != nil else {
                    throw AvroError(.invalidValue, "\(BinaryEncoder.describe(nodes[index])) has no field \"\(member.key)\"")
                }
                guard seen.insert(member.key).inserted else { throw AvroError(.invalidValue, "field given more than once", path: member.key) }
            }
        }
    }

    private init(nodes: [SchemaNode], mode: Mode, writer: BinaryWriter) {
        self.nodes = nodes
        self.mode = mode
        self.writer = writer
    }

    /// The name a union branch goes by in Avro JSON: full name for named types, else the type.
    private func branchName(_ index: Int) -> String {
        nodes[index].fullName ?? nodes[index].type.rawValue
    }

    private mutating func encodeUnion(_ json: JSONValue, _ index: Int, depth: Int) throws(AvroError) {
        let branches = nodes[index].branches
        if mode == .defaultValue {
            guard let first = branches.first else { throw AvroError(.invalidValue, "an empty union has no values") }
            writer.writeLong(0)
            try encode(json, node: first, depth: depth)
            return
        }
        if case .null = json {
            guard let position = branches.firstIndex(where: { nodes[$0].type == .null }) else {
                throw AvroError(.invalidValue, "expected one of \(unionDescription(index)), got null")
            }
            writer.writeLong(Int64(position))
            return
        }
        // The wrapped form: an object with one member naming a branch.
        if case .object(let members) = json, members.count == 1 {
            let key = members[0].key
            let position = branches.firstIndex { branchName($0) == key }
                ?? (mode == .lenient ? branches.firstIndex { nodes[$0].name == key } : nil)
            if let position {
                writer.writeLong(Int64(position))
                do { try encode(members[0].value, node: branches[position], depth: depth + 1) } catch { throw error.inField(key) }
                return
            }
        }
        guard mode == .lenient else {
            throw AvroError(.invalidValue, "expected a union value {\"<type>\": value} for one of \(unionDescription(index)), got \(json.kindName)")
        }
        let candidates = branches.indices.filter { Self.plausible(nodes[branches[$0]].type, json) }
        if candidates.count == 1 {
            writer.writeLong(Int64(candidates[0]))
            try encode(json, node: branches[candidates[0]], depth: depth)
            return
        }
        let mark = writer.bytes.count
        for position in candidates {
            writer.writeLong(Int64(position))
            do {
                try encode(json, node: branches[position], depth: depth)
                return
            } catch {
                writer.bytes.removeSubrange(mark...)
            }
        }
        throw AvroError(.invalidValue, "expected one of \(unionDescription(index)), got \(json.kindName)")
    }

    private func unionDescription(_ index: Int) -> String {
        "[" + nodes[index].branches.map { branchName($0) }.joined(separator: ", ") + "]"
    }

    /// Whether a bare JSON value of this kind could belong to a branch of `type`.
    private static func plausible(_ type: AvroType, _ json: JSONValue) -> Bool {
        switch json {
        case .null: type == .null
        case .bool: type == .boolean
        case .integer: type == .int || type == .long || type == .float || type == .double
        case .double: type == .float || type == .double || type == .int || type == .long
        case .string(let text):
            type == .string || type == .bytes || type == .enum || type == .fixed
                || ((type == .float || type == .double) && (text == "NaN" || text == "Infinity" || text == "-Infinity"))
        case .array: type == .array
        case .object: type == .record || type == .map
        }
    }
}
