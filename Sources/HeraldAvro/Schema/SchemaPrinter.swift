/// Writes a schema graph back as JSON: the specification's Parsing Canonical Form, or Herald's
/// normalized form (everything kept, deterministic order).
struct SchemaPrinter {
    enum Style {
        /// Parsing Canonical Form: [PRIMITIVES] [FULLNAMES] [STRIP] [ORDER] [STRINGS] [INTEGERS] [WHITESPACE].
        case canonical
        /// Full names, fixed key order, sorted aliases and custom attributes, no whitespace;
        /// named types from schema references are printed by name.
        case normalized
        /// Parsing Canonical Form with errors spelled as records: Avro C 1.11.1 does not know
        /// the `error` keyword, and only structure is asked of it.
        case avroC
    }

    private let graph: SchemaGraph
    private let style: Style
    private var writer = JSONWriter(capacity: 256)
    private var printed: Set<String> = []

    static func print(_ schema: AvroSchema, style: Style) -> String {
        var printer = SchemaPrinter(graph: schema.graph, style: style)
        printer.write(schema.index, isRoot: true)
        return printer.writer.string
    }

    private init(graph: SchemaGraph, style: Style) {
        self.graph = graph
        self.style = style
    }

    private mutating func write(_ index: Int, isRoot: Bool = false) {
        let node = graph.nodes[index]
        switch node.type {
        case .null, .boolean, .int, .long, .float, .double, .bytes, .string:
            if style != .normalized || (node.logicalType == nil && node.properties.isEmpty) {
                writer.writeString(node.type.rawValue)
            } else {
                openObject()
                key("type"); writer.writeString(node.type.rawValue)
                writeExtras(node)
                writer.append(UInt8(ascii: "}"))
            }
        case .array, .map:
            openObject()
            key("type"); writer.writeString(node.type.rawValue)
            key(node.type == .array ? "items" : "values"); write(node.child)
            if style == .normalized { writeExtras(node) }
            writer.append(UInt8(ascii: "}"))
        case .union:
            writer.append(UInt8(ascii: "["))
            for (position, branch) in node.branches.enumerated() {
                if position > 0 { writer.append(UInt8(ascii: ",")) }
                write(branch)
            }
            writer.append(UInt8(ascii: "]"))
        case .record, .enum, .fixed:
            let fullName = node.fullName!
            let definedElsewhere = style == .normalized && !isRoot && graph.referencedNames.contains(fullName)
            guard printed.insert(fullName).inserted, !definedElsewhere else {
                writer.writeString(fullName)
                return
            }
            openObject()
            key("name"); writer.writeString(fullName)
            key("type"); writer.writeString(node.type == .record ? (node.isError && style != .avroC ? "error" : "record") : node.type.rawValue)
            switch node.type {
            case .record:
                key("fields")
                writer.append(UInt8(ascii: "["))
                for (position, field) in node.fields.enumerated() {
                    if position > 0 { writer.append(UInt8(ascii: ",")) }
                    writeField(field)
                }
                writer.append(UInt8(ascii: "]"))
            case .enum:
                key("symbols"); writer.write(.array(node.symbols.map(JSONValue.string)))
                if style == .normalized, let enumDefault = node.enumDefault { key("default"); writer.writeString(enumDefault) }
            default:
                key("size"); writer.writeInteger(Int64(node.size))
            }
            if style == .normalized {
                if !node.aliases.isEmpty { key("aliases"); writer.write(.array(node.aliases.sorted().map(JSONValue.string))) }
                if let doc = node.doc { key("doc"); writer.writeString(doc) }
                writeExtras(node)
            }
            writer.append(UInt8(ascii: "}"))
        }
    }

    private mutating func writeField(_ field: SchemaField) {
        openObject()
        key("name"); writer.writeString(field.name)
        key("type"); write(field.type)
        if style == .normalized {
            if let defaultValue = field.defaultValue { key("default"); writer.write(Self.sortedKeys(defaultValue)) }
            if field.order != .ascending { key("order"); writer.writeString(field.order.rawValue) }
            if !field.aliases.isEmpty { key("aliases"); writer.write(.array(field.aliases.sorted().map(JSONValue.string))) }
            if let doc = field.doc { key("doc"); writer.writeString(doc) }
            writeProperties(field.properties)
        }
        writer.append(UInt8(ascii: "}"))
    }

    /// Logical type, then the custom attributes sorted by key.
    private mutating func writeExtras(_ node: SchemaNode) {
        for member in node.logicalType?.attributes ?? [] {
            key(member.key); writer.write(member.value)
        }
        writeProperties(node.properties)
    }

    private mutating func writeProperties(_ properties: [JSONValue.Member]) {
        for member in properties.sorted(by: { $0.key < $1.key }) {
            key(member.key); writer.write(Self.sortedKeys(member.value))
        }
    }

    private mutating func openObject() {
        writer.append(UInt8(ascii: "{"))
    }

    private mutating func key(_ name: String) {
        // A key follows either "{" or a complete value; only the latter needs a comma.
        if writer.bytes.last != UInt8(ascii: "{") { writer.append(UInt8(ascii: ",")) }
        writer.writeString(name)
        writer.append(UInt8(ascii: ":"))
    }

    /// JSON with object keys sorted recursively, so attribute order never changes the text.
    static func sortedKeys(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let elements): .array(elements.map(sortedKeys))
        case .object(let members): .object(members.map { JSONValue.Member($0.key, sortedKeys($0.value)) }.sorted { $0.key < $1.key })
        default: value
        }
    }
}

extension AvroSchema {
    /// Parsing Canonical Form, exactly as the Avro specification defines it: the text that
    /// fingerprints are computed over. Named types from references are expanded in place.
    public var canonicalForm: String { SchemaPrinter.print(self, style: .canonical) }

    /// Everything Parsing Canonical Form strips (docs, aliases, defaults, logical types, custom
    /// attributes) kept, in a deterministic order: two schemas that differ only in attribute
    /// order, whitespace, namespace spelling or escaping have the same normalized form.
    public var normalizedForm: String { SchemaPrinter.print(self, style: .normalized) }
}
