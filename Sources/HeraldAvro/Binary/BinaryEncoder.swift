/// Encodes `AvroValue`s as Avro binary, checking each value against the schema.
///
/// Accepted beyond exact kinds: the specification's numeric promotions (an `.int` for a long,
/// float or double schema, …), a bare value for a union (the first branch of that kind is
/// chosen), and an omitted record field that has a default.
struct BinaryEncoder {
    let nodes: [SchemaNode]
    var writer: BinaryWriter

    init(graph: SchemaGraph, capacity: Int = 64) {
        self.nodes = graph.nodes
        self.writer = BinaryWriter(capacity: capacity)
    }

    private func mismatch(_ index: Int, _ value: AvroValue) -> AvroError {
        AvroError(.invalidValue, "expected \(Self.describe(nodes[index])), got \(value.kindName)")
    }

    static func describe(_ node: SchemaNode) -> String {
        if let fullName = node.fullName { return "\(node.type.rawValue) \(fullName)" }
        return node.type.rawValue
    }

    mutating func encode(_ value: AvroValue, _ index: Int) throws(AvroError) {
        switch (nodes[index].type, value) {
        case (.null, .null): return
        case (.boolean, .boolean(let flag)): writer.writeBoolean(flag)
        case (.int, .int(let number)): writer.writeInt(number)
        case (.long, .long(let number)): writer.writeLong(number)
        case (.long, .int(let number)): writer.writeLong(Int64(number))
        case (.float, .float(let number)): writer.writeFloat(number)
        case (.float, .int(let number)): writer.writeFloat(Float(number))
        case (.float, .long(let number)): writer.writeFloat(Float(number))
        case (.double, .double(let number)): writer.writeDouble(number)
        case (.double, .float(let number)): writer.writeDouble(Double(number))
        case (.double, .int(let number)): writer.writeDouble(Double(number))
        case (.double, .long(let number)): writer.writeDouble(Double(number))
        case (.bytes, .bytes(let bytes)): writer.writeBytes(bytes)
        case (.string, .string(let text)): writer.writeString(text)
        case (.fixed, .fixed(let bytes)), (.fixed, .bytes(let bytes)):
            guard bytes.count == nodes[index].size else {
                throw AvroError(.invalidValue, "expected \(nodes[index].size) bytes for \(Self.describe(nodes[index])), got \(bytes.count)")
            }
            writer.writeRaw(bytes)
        case (.enum, .enum(let symbol)):
            guard let position = nodes[index].symbolIndex[symbol] else {
                throw AvroError(.invalidValue, "\"\(symbol)\" is not a symbol of \(Self.describe(nodes[index]))")
            }
            writer.writeInt(Int32(position))
        case (.union, .union(let branch, let inner)):
            guard branch >= 0, branch < nodes[index].branches.count else {
                throw AvroError(.invalidValue, "union branch \(branch) out of range 0..<\(nodes[index].branches.count)")
            }
            writer.writeLong(Int64(branch))
            try encode(inner, nodes[index].branches[branch])
        case (.union, _):
            guard let branch = nodes[index].branches.firstIndex(where: { Self.accepts(nodes[$0].type, value) }) else {
                let names = nodes[index].branches.map { Self.describe(nodes[$0]) }.joined(separator: ", ")
                throw AvroError(.invalidValue, "no branch of union [\(names)] accepts \(value.kindName)")
            }
            writer.writeLong(Int64(branch))
            try encode(value, nodes[index].branches[branch])
        case (.record, .record(let values)):
            try encodeRecord(values, index)
        case (.array, .array(let items)):
            let child = nodes[index].child
            if !items.isEmpty {
                writer.writeLong(Int64(items.count))
                for (position, item) in items.enumerated() {
                    do { try encode(item, child) } catch { throw error.atIndex(position) }
                }
            }
            writer.writeLong(0)
        case (.map, .map(let entries)):
            let child = nodes[index].child
            if !entries.isEmpty {
                writer.writeLong(Int64(entries.count))
                for entry in entries {
                    writer.writeString(entry.key)
                    do { try encode(entry.value, child) } catch { throw error.atKey(entry.key) }
                }
            }
            writer.writeLong(0)
        default:
            throw mismatch(index, value)
        }
    }

    /// Whether a bare value of this kind can be encoded by a schema of `type` (union branch choice).
    static func accepts(_ type: AvroType, _ value: AvroValue) -> Bool {
        switch (type, value) {
        case (.null, .null), (.boolean, .boolean), (.int, .int), (.long, .long), (.float, .float), (.double, .double),
             (.bytes, .bytes), (.string, .string), (.record, .record), (.enum, .enum), (.array, .array), (.map, .map), (.fixed, .fixed):
            return true
        default:
            return false
        }
    }

    private mutating func encodeRecord(_ values: [AvroValue.Field], _ index: Int) throws(AvroError) {
        let fieldCount = nodes[index].fields.count
        var matched = 0
        for position in 0..<fieldCount {
            let name = nodes[index].fields[position].name
            // Values built by decoding are in schema order, so the positional guess nearly always hits.
            let found: AvroValue?
            if position < values.count, values[position].name == name {
                found = values[position].value
            } else {
                found = values.first { $0.name == name }?.value
            }
            if let found {
                matched += 1
                do { try encode(found, nodes[index].fields[position].type) } catch { throw error.inField(name) }
            } else if let defaultBinary = nodes[index].fields[position].defaultBinary {
                writer.writeRaw(defaultBinary)
            } else {
                throw AvroError(.invalidValue, "missing field of \(Self.describe(nodes[index])) without a default", path: name)
            }
        }
        if matched != values.count {
            var seen: Set<String> = []
            for field in values {
                guard nodes[index].fieldIndex[field.name] != nil else {
                    throw AvroError(.invalidValue, "\(Self.describe(nodes[index])) has no field \"\(field.name)\"")
                }
                guard seen.insert(field.name).inserted else {
                    throw AvroError(.invalidValue, "field given more than once", path: field.name)
                }
            }
        }
    }
}
