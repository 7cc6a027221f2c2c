/// Decodes Avro binary into `AvroValue`s by walking the schema graph.
struct BinaryDecoder {
    let nodes: [SchemaNode]
    var reader: BinaryReader

    init(graph: SchemaGraph, bytes: UnsafeRawBufferPointer) {
        self.nodes = graph.nodes
        self.reader = BinaryReader(bytes)
    }

    mutating func decode(_ index: Int, depth: Int = 0) throws(AvroError) -> AvroValue {
        switch nodes[index].type {
        case .null, .boolean, .int, .long, .float, .double, .bytes, .string: return try reader.readPrimitive(nodes[index].type)
        case .fixed: return .fixed(Array(try reader.readFixed(nodes[index].size)))
        case .enum:
            let symbol = try reader.readInt()
            guard symbol >= 0, Int(symbol) < nodes[index].symbols.count else {
                throw reader.malformed("enum index \(symbol) out of range 0..<\(nodes[index].symbols.count)")
            }
            return .enum(nodes[index].symbols[Int(symbol)])
        case .union:
            let branch = try reader.readLong()
            guard branch >= 0, branch < nodes[index].branches.count else {
                throw reader.malformed("union index \(branch) out of range 0..<\(nodes[index].branches.count)")
            }
            return .union(branch: Int(branch), try decode(nodes[index].branches[Int(branch)], depth: depth))
        case .record:
            guard depth < BinaryReader.maximumDepth else { throw AvroError(.tooDeep, "value nests deeper than \(BinaryReader.maximumDepth) levels") }
            try reader.spendFields(nodes[index].fields.count)
            var fields: [AvroValue.Field] = []
            fields.reserveCapacity(nodes[index].fields.count)
            for field in nodes[index].fields {
                do {
                    fields.append(AvroValue.Field(field.name, try decode(field.type, depth: depth + 1)))
                } catch {
                    throw error.inField(field.name)
                }
            }
            return .record(fields)
        case .array:
            guard depth < BinaryReader.maximumDepth else { throw AvroError(.tooDeep, "value nests deeper than \(BinaryReader.maximumDepth) levels") }
            let child = nodes[index].child
            var items: [AvroValue] = []
            while true {
                let count = try reader.readBlockCount(minimumItemSize: nodes[child].minimumSize)
                if count == 0 { break }
                items.reserveCapacity(items.count + count)
                for _ in 0..<count {
                    do {
                        items.append(try decode(child, depth: depth + 1))
                    } catch {
                        throw error.atIndex(items.count)
                    }
                }
            }
            return .array(items)
        case .map:
            guard depth < BinaryReader.maximumDepth else { throw AvroError(.tooDeep, "value nests deeper than \(BinaryReader.maximumDepth) levels") }
            let child = nodes[index].child
            var entries: [AvroValue.Entry] = []
            while true {
                let count = try reader.readBlockCount(minimumItemSize: 1 + nodes[child].minimumSize)
                if count == 0 { break }
                entries.reserveCapacity(entries.count + count)
                for _ in 0..<count {
                    let key = String(decoding: try reader.readStringBytes(), as: UTF8.self)
                    do {
                        entries.append(AvroValue.Entry(key, try decode(child, depth: depth + 1)))
                    } catch {
                        throw error.atKey(key)
                    }
                }
            }
            return .map(entries)
        }
    }
}

/// Checks that bytes are a valid encoding of a schema without building values: every varint,
/// length, union and enum index, boolean and string (UTF-8) is checked, nothing is allocated.
struct BinaryValidator {
    let nodes: [SchemaNode]
    var reader: BinaryReader

    init(graph: SchemaGraph, bytes: UnsafeRawBufferPointer) {
        self.nodes = graph.nodes
        self.reader = BinaryReader(bytes)
    }

    init(nodes: [SchemaNode], reader: BinaryReader) {
        self.nodes = nodes
        self.reader = reader
    }

    mutating func validate(_ index: Int, depth: Int = 0) throws(AvroError) {
        switch nodes[index].type {
        case .null: return
        case .boolean: _ = try reader.readBoolean()
        case .int: _ = try reader.readInt()
        case .long: _ = try reader.readLong()
        case .float: try reader.skip(4)
        case .double: try reader.skip(8)
        case .bytes: _ = try reader.readBytes()
        case .string: _ = try reader.readStringBytes()
        case .fixed: try reader.skip(nodes[index].size)
        case .enum:
            let symbol = try reader.readInt()
            guard symbol >= 0, Int(symbol) < nodes[index].symbols.count else {
                throw reader.malformed("enum index \(symbol) out of range 0..<\(nodes[index].symbols.count)")
            }
        case .union:
            let branch = try reader.readLong()
            guard branch >= 0, branch < nodes[index].branches.count else {
                throw reader.malformed("union index \(branch) out of range 0..<\(nodes[index].branches.count)")
            }
            try validate(nodes[index].branches[Int(branch)], depth: depth)
        case .record:
            guard depth < BinaryReader.maximumDepth else { throw AvroError(.tooDeep, "value nests deeper than \(BinaryReader.maximumDepth) levels") }
            let fieldCount = nodes[index].fields.count
            try reader.spendFields(fieldCount)
            for position in 0..<fieldCount {
                do {
                    try validate(nodes[index].fields[position].type, depth: depth + 1)
                } catch {
                    throw error.inField(nodes[index].fields[position].name)
                }
            }
        case .array, .map:
            guard depth < BinaryReader.maximumDepth else { throw AvroError(.tooDeep, "value nests deeper than \(BinaryReader.maximumDepth) levels") }
            let child = nodes[index].child
            let isMap = nodes[index].type == .map
            var position = 0
            while true {
                let count = try reader.readBlockCount(minimumItemSize: (isMap ? 1 : 0) + nodes[child].minimumSize)
                if count == 0 { break }
                for _ in 0..<count {
                    if isMap { _ = try reader.readStringBytes() }
                    do {
                        try validate(child, depth: depth + 1)
                    } catch {
                        throw error.atIndex(position)
                    }
                    position += 1
                }
            }
        }
    }
}
