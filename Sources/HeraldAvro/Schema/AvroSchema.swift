/// A parsed, validated Avro schema.
///
/// A value type over shared immutable storage: sub-schemas (`fields[i].type`, `items`, …) are
/// cheap views into the same graph, and recursive types are followed by reference.
public struct AvroSchema: Sendable, CustomStringConvertible {
    let graph: SchemaGraph
    let index: Int

    init(graph: SchemaGraph, index: Int) {
        self.graph = graph
        self.index = index
    }

    /// Parses and validates a schema.
    ///
    /// - Parameters:
    ///   - text: the schema's JSON.
    ///   - references: schemas whose named types `text` may use by name (the registry's schema
    ///     references); they are not repeated in this schema's `normalizedForm`.
    public init(parsing text: String, references: [AvroSchema] = []) throws(AvroError) {
        let (graph, root) = try SchemaParser.parse(text, references: references)
        self.init(graph: graph, index: root)
        try AvroCSchemaCheck.validate(SchemaPrinter.print(self, style: .avroC))
    }

    var node: SchemaNode { graph.nodes[index] }

    private func view(_ index: Int) -> AvroSchema { AvroSchema(graph: graph, index: index) }

    public var type: AvroType { node.type }
    /// Full name of a record, enum or fixed.
    public var fullName: String? { node.fullName }
    /// Unqualified name of a record, enum or fixed.
    public var name: String? { node.name }
    public var namespace: String? { node.fullName.flatMap(AvroName.namespace(of:)) }
    public var aliases: [String] { node.aliases }
    public var doc: String? { node.doc }
    public var logicalType: AvroLogicalType? { node.logicalType }
    /// Fields of a record, in order.
    public var fields: [Field] {
        node.fields.map { Field(name: $0.name, type: view($0.type), defaultValue: $0.defaultValue, aliases: $0.aliases, doc: $0.doc, order: $0.order) }
    }
    /// Symbols of an enum.
    public var symbols: [String] { node.symbols }
    public var enumDefault: String? { node.enumDefault }
    /// Items of an array.
    public var items: AvroSchema? { node.type == .array ? view(node.child) : nil }
    /// Values of a map.
    public var values: AvroSchema? { node.type == .map ? view(node.child) : nil }
    /// Branches of a union.
    public var branches: [AvroSchema] { node.branches.map(view) }
    /// Size of a fixed.
    public var size: Int? { node.type == .fixed ? node.size : nil }
    /// Attributes Avro does not define, in schema order.
    public var properties: [JSONValue.Member] { node.properties }

    /// A named type defined in (or referenced by) this schema, by full name.
    public func namedType(_ fullName: String) -> AvroSchema? {
        graph.namedTypes[fullName].map(view)
    }

    public var description: String { normalizedForm }

    public struct Field: Sendable {
        public var name: String
        public var type: AvroSchema
        /// The default as written in the schema (JSON), if any.
        public var defaultValue: JSONValue?
        public var aliases: [String]
        public var doc: String?
        public var order: AvroFieldOrder
    }
}
