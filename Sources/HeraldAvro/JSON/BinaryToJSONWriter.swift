/// Writes Avro binary straight to JSON text without building `AvroValue`s: the delivery path
/// turns every event payload into a webhook body, so it skips the intermediate tree. Output is
/// byte-identical to decoding and then using `AvroJSONWriter`.
struct BinaryToJSONWriter {
    let nodes: [SchemaNode]
    let style: AvroJSONStyle
    var reader: BinaryReader
    var writer: JSONWriter

    init(graph: SchemaGraph, style: AvroJSONStyle, bytes: UnsafeRawBufferPointer) {
        self.nodes = graph.nodes
        self.style = style
        self.reader = BinaryReader(bytes)
        self.writer = JSONWriter(capacity: bytes.count * 2 + 16)
    }

    mutating func write(_ index: Int, depth: Int = 0) throws(AvroError) {
        switch nodes[index].type {
        case .null: writer.append("null")
        case .boolean: writer.append(try reader.readBoolean() ? "true" : "false")
        case .int: writer.writeInteger(Int64(try reader.readInt()))
        case .long: writer.writeInteger(try reader.readLong())
        case .float: writer.writeFloat(try reader.readFloat())
        case .double: writer.writeDouble(try reader.readDouble())
        case .string: writer.writeString(utf8: try reader.readStringBytes())
        case .bytes: writer.writeByteString(try reader.readBytes())
        case .fixed: writer.writeByteString(try reader.readFixed(nodes[index].size))
        case .enum:
            let symbol = try reader.readInt()
            guard symbol >= 0, Int(symbol) < nodes[index].symbols.count else {
                throw reader.malformed("enum index \(symbol) out of range 0..<\(nodes[index].symbols.count)")
            }
            writer.writeString(nodes[index].symbols[Int(symbol)])
        case .union:
            let branch = try reader.readLong()
            guard branch >= 0, branch < nodes[index].branches.count else {
                throw reader.malformed("union index \(branch) out of range 0..<\(nodes[index].branches.count)")
            }
            let branchNode = nodes[index].branches[Int(branch)]
            if style == .natural || nodes[branchNode].type == .null {
                try write(branchNode, depth: depth)
            } else {
                writer.append(UInt8(ascii: "{"))
                writer.writeString(nodes[branchNode].fullName ?? nodes[branchNode].type.rawValue)
                writer.append(UInt8(ascii: ":"))
                try write(branchNode, depth: depth)
                writer.append(UInt8(ascii: "}"))
            }
        case .record:
            guard depth < BinaryReader.maximumDepth else { throw AvroError(.tooDeep, "value nests deeper than \(BinaryReader.maximumDepth) levels") }
            try reader.spendFields(nodes[index].fields.count)
            writer.append(UInt8(ascii: "{"))
            for position in nodes[index].fields.indices {
                if position > 0 { writer.append(UInt8(ascii: ",")) }
                writer.writeString(nodes[index].fields[position].name)
                writer.append(UInt8(ascii: ":"))
                do {
                    try write(nodes[index].fields[position].type, depth: depth + 1)
                } catch {
                    throw error.inField(nodes[index].fields[position].name)
                }
            }
            writer.append(UInt8(ascii: "}"))
        case .array, .map:
            guard depth < BinaryReader.maximumDepth else { throw AvroError(.tooDeep, "value nests deeper than \(BinaryReader.maximumDepth) levels") }
            let child = nodes[index].child
            let isMap = nodes[index].type == .map
            writer.append(isMap ? UInt8(ascii: "{") : UInt8(ascii: "["))
            var position = 0
            while true {
                let count = try reader.readBlockCount(minimumItemSize: (isMap ? 1 : 0) + nodes[child].minimumSize)
                if count == 0 { break }
                for _ in 0..<count {
                    if position > 0 { writer.append(UInt8(ascii: ",")) }
                    if isMap {
                        writer.writeString(utf8: try reader.readStringBytes())
                        writer.append(UInt8(ascii: ":"))
                    }
                    do {
                        try write(child, depth: depth + 1)
                    } catch {
                        throw error.atIndex(position)
                    }
                    position += 1
                }
            }
            writer.append(isMap ? UInt8(ascii: "}") : UInt8(ascii: "]"))
        }
    }
}
