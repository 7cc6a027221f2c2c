/// How Avro values are written as JSON.
public enum AvroJSONStyle: Hashable, Sendable {
    /// The specification's JSON encoding: non-null union values wrapped as `{"type name": value}`.
    case avro
    /// What a webhook receiver expects: union values unwrapped. Bytes and fixed are still strings
    /// of code points U+0000–U+00FF, as in the specification.
    case natural
}

/// Writes `AvroValue`s as JSON text guided by their schema (which union branch names need).
/// Accepts the same numeric promotions as `BinaryEncoder`, so any value that encodes also prints.
struct AvroJSONWriter {
    let nodes: [SchemaNode]
    let style: AvroJSONStyle
    var writer: JSONWriter

    init(graph: SchemaGraph, style: AvroJSONStyle, capacity: Int = 128) {
        self.nodes = graph.nodes
        self.style = style
        self.writer = JSONWriter(capacity: capacity)
    }

    mutating func write(_ value: AvroValue, _ index: Int) throws(AvroError) {
        switch (nodes[index].type, value) {
        case (.null, .null): writer.append("null")
        case (.boolean, .boolean(let flag)): writer.append(flag ? "true" : "false")
        case (.int, .int(let number)): writer.writeInteger(Int64(number))
        case (.long, .long(let number)): writer.writeInteger(number)
        case (.long, .int(let number)): writer.writeInteger(Int64(number))
        case (.float, .float(let number)): writer.writeFloat(number)
        case (.float, .int(let number)): writer.writeFloat(Float(number))
        case (.float, .long(let number)): writer.writeFloat(Float(number))
        case (.double, .double(let number)): writer.writeDouble(number)
        case (.double, .float(let number)): writer.writeDouble(Double(number))
        case (.double, .int(let number)): writer.writeDouble(Double(number))
        case (.double, .long(let number)): writer.writeDouble(Double(number))
        case (.string, .string(let text)): writer.writeString(text)
        case (.bytes, .bytes(let bytes)), (.fixed, .fixed(let bytes)): writer.writeByteString(bytes)
        case (.enum, .enum(let symbol)): writer.writeString(symbol)
        case (.array, .array(let items)):
            writer.append(UInt8(ascii: "["))
            for (position, item) in items.enumerated() {
                if position > 0 { writer.append(UInt8(ascii: ",")) }
                do { try write(item, nodes[index].child) } catch { throw error.atIndex(position) }
            }
            writer.append(UInt8(ascii: "]"))
        case (.map, .map(let entries)):
            writer.append(UInt8(ascii: "{"))
            for (position, entry) in entries.enumerated() {
                if position > 0 { writer.append(UInt8(ascii: ",")) }
                writer.writeString(entry.key)
                writer.append(UInt8(ascii: ":"))
                do { try write(entry.value, nodes[index].child) } catch { throw error.atKey(entry.key) }
            }
            writer.append(UInt8(ascii: "}"))
        case (.record, .record(let fields)):
            writer.append(UInt8(ascii: "{"))
            for (position, field) in fields.enumerated() {
                guard let fieldPosition = nodes[index].fieldIndex[field.name] else {
                    throw AvroError(.invalidValue, "\(BinaryEncoder.describe(nodes[index])) has no field \"\(field.name)\"")
                }
                if position > 0 { writer.append(UInt8(ascii: ",")) }
                writer.writeString(field.name)
                writer.append(UInt8(ascii: ":"))
                do { try write(field.value, nodes[index].fields[fieldPosition].type) } catch { throw error.inField(field.name) }
            }
            writer.append(UInt8(ascii: "}"))
        case (.union, .union(let branch, let inner)):
            guard branch >= 0, branch < nodes[index].branches.count else {
                throw AvroError(.invalidValue, "union branch \(branch) out of range 0..<\(nodes[index].branches.count)")
            }
            let branchNode = nodes[index].branches[branch]
            if style == .natural || nodes[branchNode].type == .null {
                try write(inner, branchNode)
            } else {
                writer.append(UInt8(ascii: "{"))
                writer.writeString(nodes[branchNode].fullName ?? nodes[branchNode].type.rawValue)
                writer.append(UInt8(ascii: ":"))
                try write(inner, branchNode)
                writer.append(UInt8(ascii: "}"))
            }
        case (.union, _):
            // A bare value, as `BinaryEncoder` accepts it: the first branch of its kind.
            guard let branch = nodes[index].branches.firstIndex(where: { BinaryEncoder.accepts(nodes[$0].type, value) }) else {
                throw AvroError(.invalidValue, "no branch of the union accepts \(value.kindName)")
            }
            try write(.union(branch: branch, value), index)
        default:
            throw AvroError(.invalidValue, "expected \(BinaryEncoder.describe(nodes[index])), got \(value.kindName)")
        }
    }
}
