import HeraldAvro
import HeraldCore
import Testing

/// Property tests over generated schemas and values. The generator is seeded, so a failure
/// names a seed that reproduces it.
@Suite struct RoundTripPropertyTests {
    static let seeds: [UInt64] = Array(1...60)

    @Test(arguments: seeds)
    func binaryAndJSONRoundTrip(seed: UInt64) throws {
        var generator = SchemaGenerator(seed: seed)
        let schemaJSON = generator.schema(depth: 0)
        let schema = try AvroSchema(parsing: schemaJSON.jsonText)
        for _ in 0..<5 {
            let value = generator.value(for: schemaJSON)
            let binary = try schema.encode(value)
            #expect(try schema.decode(binary) == value, "seed \(seed)")
            try schema.validate(binary)
            #expect(try schema.decodeJSON(schema.jsonText(for: value, style: .avro)) == value, "seed \(seed)")
            #expect(try schema.decodeJSON(schema.jsonText(for: value, style: .natural), mode: .lenient) == value, "seed \(seed)")
            #expect(try schema.encodeJSON(schema.jsonText(for: value)) == binary, "seed \(seed)")
            // The one-pass binary → JSON path writes exactly what going through values writes.
            #expect(try schema.json(fromBinary: binary, style: .avro) == schema.json(for: value, style: .avro), "seed \(seed)")
            #expect(try schema.json(fromBinary: binary, style: .natural) == schema.json(for: value, style: .natural), "seed \(seed)")
            #expect(try AvroResolver(writer: schema, reader: schema).decode(binary) == value, "seed \(seed)")
            // Any strict prefix is an error, never a crash or a silently different value.
            if binary.count > 1 {
                let cut = Int(generator.next() % UInt64(binary.count))
                #expect(throws: AvroError.self) { try schema.decode(binary[..<cut]) }
            }
        }
    }

    @Test(arguments: seeds)
    func schemaFormsAreIdempotentAndIgnoreAttributeOrder(seed: UInt64) throws {
        var generator = SchemaGenerator(seed: seed)
        let schemaJSON = generator.schema(depth: 0)
        let schema = try AvroSchema(parsing: schemaJSON.jsonText)
        let canonical = schema.canonicalForm
        let normalized = schema.normalizedForm
        #expect(try AvroSchema(parsing: canonical).canonicalForm == canonical, "seed \(seed)")
        #expect(try AvroSchema(parsing: normalized).normalizedForm == normalized, "seed \(seed)")
        #expect(try AvroSchema(parsing: normalized).canonicalForm == canonical, "seed \(seed)")
        let shuffled = try AvroSchema(parsing: generator.shuffled(schemaJSON).jsonText)
        #expect(shuffled.canonicalForm == canonical, "seed \(seed)")
        #expect(shuffled.normalizedForm == normalized, "seed \(seed)")
        #expect(shuffled.fingerprint(.rabin) == schema.fingerprint(.rabin), "seed \(seed)")
    }

    @Test(arguments: seeds)
    func randomBytesNeverCrashTheDecoder(seed: UInt64) throws {
        var generator = SchemaGenerator(seed: seed)
        let schema = try AvroSchema(parsing: generator.schema(depth: 0).jsonText)
        for _ in 0..<50 {
            let noise = (0..<Int(generator.next() % 40)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let decoded = Result { try schema.decode(noise) }
            let validated = Result { try schema.validate(noise) }
            // Decoding and validation agree on what is valid.
            #expect((try? decoded.get()) != nil ? (try? validated.get()) != nil : (try? validated.get()) == nil, "seed \(seed)")
        }
    }
}

/// Seeded (SplitMix64), so generated cases are identical on every run and platform.
struct SchemaGenerator: RandomNumberGenerator {
    private var random: SplitMix64
    private var nameCounter = 0

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { random.next() }

    private mutating func pick(_ count: Int) -> Int { Int(next() % UInt64(count)) }
    private mutating func chance(_ percent: UInt64) -> Bool { next() % 100 < percent }

    private mutating func freshName() -> String {
        nameCounter += 1
        return "T\(nameCounter)"
    }

    /// JSON kinds in natural JSON: a union holds at most one branch per group so that a bare
    /// (natural) value picks its branch unambiguously.
    private static func group(_ schema: JSONValue) -> Int {
        switch typeName(schema) {
        case "null": 0
        case "boolean": 1
        case "int", "long", "float", "double": 2
        case "string", "bytes", "enum", "fixed": 3
        case "array": 4
        default: 5
        }
    }

    static func typeName(_ schema: JSONValue) -> String {
        switch schema {
        case .string(let name): return name
        case .object: if case .string(let name)? = schema["type"] { return name }
        case .array: return "union"
        default: break
        }
        return "?"
    }

    mutating func schema(depth: Int, allowUnion: Bool = true) -> JSONValue {
        let primitives = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
        let roll = depth >= 3 ? pick(10) : pick(16)
        switch roll {
        case 0..<8:
            return .string(primitives[roll])
        case 8:
            let logical: [(String, [JSONValue.Member])] = [
                ("int", [.init("logicalType", .string("date"))]),
                ("long", [.init("logicalType", .string("timestamp-millis"))]),
                ("long", [.init("logicalType", .string("local-timestamp-micros"))]),
                ("string", [.init("logicalType", .string("uuid"))]),
                ("bytes", [.init("logicalType", .string("decimal")), .init("precision", .integer(10)), .init("scale", .integer(2))]),
            ]
            let (type, attributes) = logical[pick(logical.count)]
            return .object([.init("type", .string(type))] + attributes)
        case 9:
            let symbols = (0..<(1 + pick(4))).map { JSONValue.string("S\($0)") }
            return .object([.init("type", .string("enum")), .init("name", .string(freshName())), .init("symbols", .array(symbols))])
        case 10, 11:
            let fields = (0..<pick(5)).map { index in
                JSONValue.object([.init("name", .string("f\(index)")), .init("type", schema(depth: depth + 1)), .init("doc", .string("field \(index)"))])
            }
            return .object([.init("type", .string("record")), .init("name", .string(freshName())), .init("namespace", .string("gen.ns")), .init("fields", .array(fields))])
        case 12:
            return .object([.init("type", .string("array")), .init("items", schema(depth: depth + 1))])
        case 13:
            return .object([.init("type", .string("map")), .init("values", schema(depth: depth + 1))])
        case 14:
            return .object([.init("type", .string("fixed")), .init("name", .string(freshName())), .init("size", .integer(Int64(pick(5))))])
        default:
            guard allowUnion else { return .string("string") }
            var branches: [JSONValue] = []
            var groups: Set<Int> = []
            for _ in 0..<(1 + pick(3)) {
                let branch = chance(40) ? JSONValue.string("null") : schema(depth: depth + 1, allowUnion: false)
                if groups.insert(Self.group(branch)).inserted { branches.append(branch) }
            }
            return .array(branches)
        }
    }

    mutating func value(for schema: JSONValue) -> AvroValue {
        switch Self.typeName(schema) {
        case "null": return .null
        case "boolean": return .boolean(chance(50))
        case "int": return .int(Int32(truncatingIfNeeded: next()) >> Int32(pick(31)))
        case "long": return .long(Int64(bitPattern: next()) >> Int64(pick(63)))
        case "float": return .float(Float(Int32(truncatingIfNeeded: next()) >> 8) / 64)
        case "double": return .double(Double(Int64(bitPattern: next()) >> 11) / 1024)
        case "bytes": return .bytes((0..<pick(6)).map { _ in chance(30) ? 0 : UInt8(truncatingIfNeeded: next()) })
        case "string":
            let alphabet: [String] = ["a", "Z", "0", " ", "\"", "\\", "\n", "\u{0}", "é", "😀", "\u{7F}", "/"]
            return .string((0..<pick(8)).map { _ in alphabet[pick(alphabet.count)] }.joined())
        case "enum":
            guard case .array(let symbols)? = schema["symbols"], case .string(let symbol) = symbols[pick(symbols.count)] else { return .null }
            return .enum(symbol)
        case "fixed":
            guard case .integer(let size)? = schema["size"] else { return .null }
            return .fixed((0..<Int(size)).map { _ in UInt8(truncatingIfNeeded: next()) })
        case "record":
            guard case .array(let fields)? = schema["fields"] else { return .null }
            return .record(fields.map { field in
                guard case .string(let name)? = field["name"], let type = field["type"] else { return AvroValue.Field("?", .null) }
                return AvroValue.Field(name, value(for: type))
            })
        case "array":
            return .array((0..<pick(4)).map { _ in value(for: schema["items"]!) })
        case "map":
            return .map((0..<pick(4)).map { index in AvroValue.Entry("k\(index)", value(for: schema["values"]!)) })
        case "union":
            guard case .array(let branches) = schema else { return .null }
            let branch = pick(branches.count)
            return .union(branch: branch, value(for: branches[branch]))
        default:
            return .null
        }
    }

    /// The same schema with every object's members in a random order.
    mutating func shuffled(_ schema: JSONValue) -> JSONValue {
        switch schema {
        case .object(let members): .object(members.map { JSONValue.Member($0.key, shuffled($0.value)) }.shuffled(using: &self))
        case .array(let elements): .array(elements.map { shuffled($0) })
        default: schema
        }
    }
}
