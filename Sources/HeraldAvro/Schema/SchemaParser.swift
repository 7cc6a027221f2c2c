/// Builds a `SchemaGraph` from a schema's JSON, enforcing the specification's rules (names,
/// namespaces, unions, symbols, sizes, defaults) with errors that point into the schema text.
struct SchemaParser {
    private var nodes: [SchemaNode] = []
    private var namedTypes: [String: Int] = [:]
    private var referencedNames: Set<String> = []
    private var primitiveNodes: [AvroType: Int] = [:]
    /// Where each field's default sits in the schema text, for errors found once the graph is complete.
    private var defaultPaths: [Int: [Int: String]] = [:]

    private static let primitives: [String: AvroType] = [
        "null": .null, "boolean": .boolean, "int": .int, "long": .long,
        "float": .float, "double": .double, "bytes": .bytes, "string": .string,
    ]

    /// Parses `text`, resolving names that it does not define against `references`.
    static func parse(_ text: String, references: [AvroSchema]) throws(AvroError) -> (SchemaGraph, Int) {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: text)
        } catch {
            throw AvroError(.invalidSchema, "schema is not valid JSON: \(error.message)")
        }
        var parser = SchemaParser()
        for reference in references { parser.importNamedTypes(of: reference) }
        let root = try parser.parse(json, namespace: nil, path: "")
        return (try parser.finish(), root)
    }

    // MARK: References

    /// Copies another schema's nodes in (indices shifted) so its named types resolve here.
    private mutating func importNamedTypes(of schema: AvroSchema) {
        let offset = nodes.count
        for var node in schema.graph.nodes {
            if node.child >= 0 { node.child += offset }
            node.branches = node.branches.map { $0 + offset }
            for index in node.fields.indices { node.fields[index].type += offset }
            nodes.append(node)
        }
        for (name, index) in schema.graph.namedTypes where namedTypes[name] == nil {
            namedTypes[name] = index + offset
            referencedNames.insert(name)
        }
    }

    // MARK: Schemas

    private mutating func parse(_ json: JSONValue, namespace: String?, path: String) throws(AvroError) -> Int {
        switch json {
        case .string(let name):
            return try reference(name, namespace: namespace, path: path)
        case .array(let branches):
            return try parseUnion(branches, namespace: namespace, path: path)
        case .object(let members):
            guard let typeValue = json["type"] else { throw AvroError(.invalidSchema, "missing \"type\"", path: path) }
            guard case .string(let typeName) = typeValue else {
                throw AvroError(.invalidSchema, "\"type\" must be a type name, got \(typeValue.kindName)", path: path + "/type")
            }
            switch typeName {
            case "record", "error": return try parseRecord(members, isError: typeName == "error", namespace: namespace, path: path)
            case "enum": return try parseEnum(members, namespace: namespace, path: path)
            case "fixed": return try parseFixed(members, namespace: namespace, path: path)
            case "array", "map": return try parseCollection(members, type: typeName == "array" ? .array : .map, namespace: namespace, path: path)
            default:
                if let primitive = Self.primitives[typeName] {
                    return parsePrimitive(primitive, members: members)
                }
                // `{"type": "com.example.Name"}` refers to a named type, like the bare string does.
                return try reference(typeName, namespace: namespace, path: path + "/type")
            }
        default:
            throw AvroError(.invalidSchema, "a schema must be a string, an array or an object, got \(json.kindName)", path: path)
        }
    }

    private mutating func reference(_ name: String, namespace: String?, path: String) throws(AvroError) -> Int {
        if let primitive = Self.primitives[name] { return primitiveNode(primitive) }
        if !name.contains("."), let namespace, !namespace.isEmpty, let index = namedTypes[namespace + "." + name] {
            return index
        }
        if let index = namedTypes[name] { return index }
        throw AvroError(.invalidSchema, "unknown type \"\(name)\"", path: path)
    }

    private mutating func primitiveNode(_ type: AvroType) -> Int {
        if let index = primitiveNodes[type] { return index }
        nodes.append(SchemaNode(type: type))
        primitiveNodes[type] = nodes.count - 1
        return nodes.count - 1
    }

    /// Attributes the specification gives meaning to only on named types (and `items`/`values`
    /// on their collections). Elsewhere they are not custom attributes: Avro's reference
    /// implementation drops them, so `{"type":"int","name":"x"}` is the schema `"int"`, and
    /// schema registries treat the two as one schema.
    private static let reservedAttributes: Set<String> = [
        "type", "name", "namespace", "aliases", "doc", "fields", "symbols", "items", "values", "size",
    ]

    private mutating func parsePrimitive(_ type: AvroType, members: [JSONValue.Member]) -> Int {
        var node = SchemaNode(type: type)
        let attributes = members.filter { !Self.reservedAttributes.contains($0.key) }
        applyLogicalType(to: &node, attributes: attributes)
        if node.logicalType == nil, node.properties.isEmpty { return primitiveNode(type) }
        nodes.append(node)
        return nodes.count - 1
    }

    /// Sets the logical type when valid; otherwise every attribute stays a plain property.
    private func applyLogicalType(to node: inout SchemaNode, attributes: [JSONValue.Member]) {
        if case .string(let name)? = attributes.first(where: { $0.key == "logicalType" })?.value,
           let logicalType = AvroLogicalType.parse(name: name, attributes: attributes, on: node.type, size: node.size)
        {
            node.logicalType = logicalType
            let consumed: Set<String> = logicalType.name == "decimal" ? ["logicalType", "precision", "scale"] : ["logicalType"]
            node.properties = attributes.filter { !consumed.contains($0.key) }
        } else {
            node.properties = attributes
        }
    }

    private mutating func parseUnion(_ branches: [JSONValue], namespace: String?, path: String) throws(AvroError) -> Int {
        var node = SchemaNode(type: .union)
        var seen: Set<String> = []
        for (position, branch) in branches.enumerated() {
            let branchPath = path + "/\(position)"
            if case .array = branch { throw AvroError(.invalidSchema, "a union may not directly contain a union", path: branchPath) }
            let index = try parse(branch, namespace: namespace, path: branchPath)
            let branchNode = nodes[index]
            if branchNode.type == .union { throw AvroError(.invalidSchema, "a union may not directly contain a union", path: branchPath) }
            let key = branchNode.fullName ?? branchNode.type.rawValue
            guard seen.insert(key).inserted else {
                throw AvroError(.invalidSchema, "union contains \(key) more than once", path: branchPath)
            }
            node.branches.append(index)
        }
        nodes.append(node)
        return nodes.count - 1
    }

    private mutating func parseCollection(_ members: [JSONValue.Member], type: AvroType, namespace: String?, path: String) throws(AvroError) -> Int {
        let key = type == .array ? "items" : "values"
        guard let childJSON = members.first(where: { $0.key == key })?.value else {
            throw AvroError(.invalidSchema, "\(type.rawValue) is missing \"\(key)\"", path: path)
        }
        let child = try parse(childJSON, namespace: namespace, path: path + "/" + key)
        var node = SchemaNode(type: type)
        node.child = child
        node.properties = members.filter { !Self.reservedAttributes.contains($0.key) }
        nodes.append(node)
        return nodes.count - 1
    }

    // MARK: Named types

    /// Name, namespace, aliases and doc shared by records, enums and fixed; registers the name.
    private mutating func declareNamedType(
        _ node: inout SchemaNode, members: [JSONValue.Member], namespace: String?, path: String
    ) throws(AvroError) -> Int {
        guard case .string(let name)? = members.first(where: { $0.key == "name" })?.value else {
            throw AvroError(.invalidSchema, "\(node.type.rawValue) is missing a string \"name\"", path: path)
        }
        var ownNamespace = namespace
        switch members.first(where: { $0.key == "namespace" })?.value {
        case nil: break
        case .null?: ownNamespace = nil
        case .string(let given)?: ownNamespace = given
        case let other?: throw AvroError(.invalidSchema, "\"namespace\" must be a string, got \(other.kindName)", path: path + "/namespace")
        }
        if let ownNamespace, !ownNamespace.isEmpty, !name.contains("."), !AvroName.isValidFullName(ownNamespace) {
            throw AvroError(.invalidSchema, "invalid namespace \"\(ownNamespace)\"", path: path + "/namespace")
        }
        let fullName = AvroName.fullName(name, namespace: ownNamespace)
        guard AvroName.isValidFullName(fullName) else { throw AvroError(.invalidSchema, "invalid name \"\(name)\"", path: path + "/name") }
        guard Self.primitives[AvroName.simpleName(of: fullName)] == nil || fullName.contains(".") else {
            throw AvroError(.invalidSchema, "\"\(fullName)\" redefines a primitive type", path: path + "/name")
        }
        guard namedTypes[fullName] == nil else { throw AvroError(.invalidSchema, "\"\(fullName)\" is defined more than once", path: path + "/name") }
        node.fullName = fullName

        let aliasNamespace = AvroName.namespace(of: fullName)
        node.aliases = try stringList(members, key: "aliases", path: path).map { alias throws(AvroError) in
            let full = AvroName.fullName(alias, namespace: aliasNamespace)
            guard AvroName.isValidFullName(full) else { throw AvroError(.invalidSchema, "invalid alias \"\(alias)\"", path: path + "/aliases") }
            return full
        }
        node.doc = try optionalString(members, key: "doc", path: path)

        // Reserve the slot before children are parsed so a type can refer to itself.
        nodes.append(node)
        namedTypes[fullName] = nodes.count - 1
        return nodes.count - 1
    }

    private mutating func parseRecord(_ members: [JSONValue.Member], isError: Bool, namespace: String?, path: String) throws(AvroError) -> Int {
        var node = SchemaNode(type: .record)
        node.isError = isError
        let index = try declareNamedType(&node, members: members, namespace: namespace, path: path)
        let childNamespace = AvroName.namespace(of: node.fullName!)

        guard case .array(let fieldsJSON)? = members.first(where: { $0.key == "fields" })?.value else {
            throw AvroError(.invalidSchema, "record is missing a \"fields\" array", path: path)
        }
        for (position, fieldJSON) in fieldsJSON.enumerated() {
            let fieldPath = path + "/fields/\(position)"
            guard case .object(let fieldMembers) = fieldJSON else {
                throw AvroError(.invalidSchema, "a field must be an object, got \(fieldJSON.kindName)", path: fieldPath)
            }
            guard case .string(let name)? = fieldJSON["name"] else {
                throw AvroError(.invalidSchema, "field is missing a string \"name\"", path: fieldPath)
            }
            guard AvroName.isValidSimpleName(name) else { throw AvroError(.invalidSchema, "invalid field name \"\(name)\"", path: fieldPath + "/name") }
            guard node.fieldIndex[name] == nil else { throw AvroError(.invalidSchema, "field \"\(name)\" is defined more than once", path: fieldPath + "/name") }
            guard let typeJSON = fieldJSON["type"] else { throw AvroError(.invalidSchema, "field \"\(name)\" is missing \"type\"", path: fieldPath) }
            var field = SchemaField(name: name, type: try parse(typeJSON, namespace: childNamespace, path: fieldPath + "/type"))
            field.defaultValue = fieldJSON["default"]
            if field.defaultValue != nil { defaultPaths[index, default: [:]][node.fields.count] = fieldPath + "/default" }
            field.doc = try optionalString(fieldMembers, key: "doc", path: fieldPath)
            field.aliases = try stringList(fieldMembers, key: "aliases", path: fieldPath)
            for alias in field.aliases where !AvroName.isValidSimpleName(alias) {
                throw AvroError(.invalidSchema, "invalid field alias \"\(alias)\"", path: fieldPath + "/aliases")
            }
            if let order = try optionalString(fieldMembers, key: "order", path: fieldPath) {
                guard let parsed = AvroFieldOrder(rawValue: order) else {
                    throw AvroError(.invalidSchema, "\"order\" must be ascending, descending or ignore", path: fieldPath + "/order")
                }
                field.order = parsed
            }
            let reserved: Set<String> = ["name", "type", "default", "doc", "aliases", "order"]
            field.properties = fieldMembers.filter { !reserved.contains($0.key) }
            node.fieldIndex[name] = node.fields.count
            node.fields.append(field)
        }
        let reserved: Set<String> = ["type", "name", "namespace", "aliases", "doc", "fields"]
        node.properties = members.filter { !reserved.contains($0.key) }
        nodes[index] = node
        return index
    }

    private mutating func parseEnum(_ members: [JSONValue.Member], namespace: String?, path: String) throws(AvroError) -> Int {
        var node = SchemaNode(type: .enum)
        let index = try declareNamedType(&node, members: members, namespace: namespace, path: path)
        guard members.contains(where: { $0.key == "symbols" }) else { throw AvroError(.invalidSchema, "enum is missing \"symbols\"", path: path) }
        node.symbols = try stringList(members, key: "symbols", path: path)
        for (position, symbol) in node.symbols.enumerated() {
            guard AvroName.isValidSimpleName(symbol) else { throw AvroError(.invalidSchema, "invalid enum symbol \"\(symbol)\"", path: path + "/symbols/\(position)") }
            guard node.symbolIndex.updateValue(position, forKey: symbol) == nil else {
                throw AvroError(.invalidSchema, "enum symbol \"\(symbol)\" appears more than once", path: path + "/symbols/\(position)")
            }
        }
        if let defaultSymbol = try optionalString(members, key: "default", path: path) {
            guard node.symbolIndex[defaultSymbol] != nil else {
                throw AvroError(.invalidSchema, "enum default \"\(defaultSymbol)\" is not one of its symbols", path: path + "/default")
            }
            node.enumDefault = defaultSymbol
        }
        let reserved: Set<String> = ["type", "name", "namespace", "aliases", "doc", "symbols", "default"]
        node.properties = members.filter { !reserved.contains($0.key) }
        nodes[index] = node
        return index
    }

    private mutating func parseFixed(_ members: [JSONValue.Member], namespace: String?, path: String) throws(AvroError) -> Int {
        var node = SchemaNode(type: .fixed)
        let index = try declareNamedType(&node, members: members, namespace: namespace, path: path)
        guard case .integer(let size)? = members.first(where: { $0.key == "size" })?.value, size >= 0, size <= Int32.max else {
            throw AvroError(.invalidSchema, "fixed needs a non-negative integer \"size\"", path: path + "/size")
        }
        node.size = Int(size)
        let reserved: Set<String> = ["type", "name", "namespace", "aliases", "doc", "size"]
        applyLogicalType(to: &node, attributes: members.filter { !reserved.contains($0.key) })
        nodes[index] = node
        return index
    }

    // MARK: Attributes

    private func optionalString(_ members: [JSONValue.Member], key: String, path: String) throws(AvroError) -> String? {
        switch members.first(where: { $0.key == key })?.value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let other?: throw AvroError(.invalidSchema, "\"\(key)\" must be a string, got \(other.kindName)", path: path + "/" + key)
        }
    }

    private func stringList(_ members: [JSONValue.Member], key: String, path: String) throws(AvroError) -> [String] {
        guard let value = members.first(where: { $0.key == key })?.value else { return [] }
        guard case .array(let elements) = value else {
            throw AvroError(.invalidSchema, "\"\(key)\" must be an array of strings", path: path + "/" + key)
        }
        var strings: [String] = []
        for element in elements {
            guard case .string(let text) = element else {
                throw AvroError(.invalidSchema, "\"\(key)\" must be an array of strings", path: path + "/" + key)
            }
            strings.append(text)
        }
        return strings
    }

    // MARK: Finishing

    /// Computes minimum sizes and checks and pre-encodes every field default, which needs the
    /// complete graph (a default may contain a recursive type).
    private mutating func finish() throws(AvroError) -> SchemaGraph {
        computeMinimumSizes()
        let draft = SchemaGraph(nodes: nodes, namedTypes: namedTypes, referencedNames: referencedNames)
        for nodeIndex in nodes.indices where nodes[nodeIndex].type == .record && nodes[nodeIndex].fullName.map({ !referencedNames.contains($0) }) ?? true {
            for fieldIndex in nodes[nodeIndex].fields.indices {
                let field = nodes[nodeIndex].fields[fieldIndex]
                guard let defaultValue = field.defaultValue else { continue }
                do {
                    var encoder = JSONToBinaryEncoder(graph: draft, mode: .defaultValue)
                    try encoder.encode(defaultValue, node: field.type)
                    nodes[nodeIndex].fields[fieldIndex].defaultBinary = encoder.writer.bytes
                } catch {
                    let inside = error.path.isEmpty ? "" : " at \(error.path)"
                    throw AvroError(
                        .invalidSchema, "invalid default for field \"\(field.name)\" of \(nodes[nodeIndex].fullName ?? "record")\(inside): \(error.message)",
                        path: defaultPaths[nodeIndex]?[fieldIndex] ?? "")
                }
            }
        }
        return SchemaGraph(nodes: nodes, namedTypes: namedTypes, referencedNames: referencedNames)
    }

    /// Iterates to a fixed point because recursive types refer to themselves.
    private mutating func computeMinimumSizes() {
        let cap = 1 << 20
        var changed = true
        var rounds = 0
        while changed, rounds <= nodes.count {
            changed = false
            rounds += 1
            for index in nodes.indices {
                let node = nodes[index]
                let size: Int
                switch node.type {
                case .null: size = 0
                case .boolean, .int, .long, .bytes, .string, .enum, .array, .map: size = 1
                case .float: size = 4
                case .double: size = 8
                case .fixed: size = node.size
                case .record: size = min(cap, node.fields.reduce(0) { $0 + nodes[$1.type].minimumSize })
                case .union: size = 1 + (node.branches.map { nodes[$0].minimumSize }.min() ?? 0)
                }
                if size != node.minimumSize {
                    nodes[index].minimumSize = size
                    changed = true
                }
            }
        }
    }
}
