/// The kinds of Avro schema.
public enum AvroType: String, Hashable, Sendable, CaseIterable {
    case null, boolean, int, long, float, double, bytes, string
    case record, `enum`, array, map, union, fixed

    var isNamed: Bool { self == .record || self == .enum || self == .fixed }
    var isPrimitive: Bool {
        switch self {
        case .null, .boolean, .int, .long, .float, .double, .bytes, .string: true
        case .record, .enum, .array, .map, .union, .fixed: false
        }
    }
}

/// Sort order of a record field (only affects Avro's sort order, kept for the normalized form).
public enum AvroFieldOrder: String, Hashable, Sendable {
    case ascending, descending, ignore
}

/// One node of a schema graph. Children are indices into the graph, so recursive named types
/// are plain back references and the whole graph stays an immutable value.
struct SchemaNode: Sendable {
    var type: AvroType
    /// Full name (`com.example.Order`) of records, enums and fixed types.
    var fullName: String?
    /// Full names of the aliases of a named type.
    var aliases: [String] = []
    var doc: String?
    /// A record declared with `"type": "error"`.
    var isError = false
    var fields: [SchemaField] = []
    var fieldIndex: [String: Int] = [:]
    var symbols: [String] = []
    var symbolIndex: [String: Int] = [:]
    var enumDefault: String?
    /// Items of an array, values of a map.
    var child = -1
    var branches: [Int] = []
    var size = 0
    var logicalType: AvroLogicalType?
    /// Attributes Avro does not define (and invalid or unknown logical types), kept for the normalized form.
    var properties: [JSONValue.Member] = []
    /// Smallest possible binary encoding; 0 means a collection of these could be arbitrarily
    /// long without consuming input, so decoders cap element counts.
    var minimumSize = 0

    init(type: AvroType) {
        self.type = type
    }

    var name: String? { fullName.map(AvroName.simpleName(of:)) }
}

struct SchemaField: Sendable {
    var name: String
    var type: Int
    var aliases: [String] = []
    var doc: String?
    var defaultValue: JSONValue?
    /// `defaultValue` already encoded in Avro binary, so filling a default is a byte copy.
    var defaultBinary: [UInt8]?
    var order: AvroFieldOrder = .ascending
    var properties: [JSONValue.Member] = []
}

/// The immutable, shared storage behind every `AvroSchema` value parsed from one text.
final class SchemaGraph: Sendable {
    let nodes: [SchemaNode]
    /// Every named type by full name, including those brought in as references.
    let namedTypes: [String: Int]
    /// Named types defined by referenced schemas: printed by name in the normalized form.
    let referencedNames: Set<String>

    init(nodes: [SchemaNode], namedTypes: [String: Int], referencedNames: Set<String>) {
        self.nodes = nodes
        self.namedTypes = namedTypes
        self.referencedNames = referencedNames
    }
}

/// Avro name rules: `[A-Za-z_][A-Za-z0-9_]*`, dotted namespaces, and full-name resolution.
enum AvroName {
    static func isValidSimpleName(_ name: String) -> Bool {
        var iterator = name.utf8.makeIterator()
        guard let first = iterator.next(), isLetterOrUnderscore(first) else { return false }
        while let byte = iterator.next() {
            guard isLetterOrUnderscore(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) else { return false }
        }
        return true
    }

    static func isValidFullName(_ name: String) -> Bool {
        name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isValidSimpleName(String($0)) }
    }

    private static func isLetterOrUnderscore(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || byte == UInt8(ascii: "_")
    }

    /// A name containing a dot is already full; otherwise it lives in `namespace` (if any).
    static func fullName(_ name: String, namespace: String?) -> String {
        if name.contains(".") { return name }
        guard let namespace, !namespace.isEmpty else { return name }
        return namespace + "." + name
    }

    static func namespace(of fullName: String) -> String? {
        guard let dot = fullName.lastIndex(of: ".") else { return nil }
        return String(fullName[..<dot])
    }

    static func simpleName(of fullName: String) -> String {
        guard let dot = fullName.lastIndex(of: ".") else { return fullName }
        return String(fullName[fullName.index(after: dot)...])
    }
}
