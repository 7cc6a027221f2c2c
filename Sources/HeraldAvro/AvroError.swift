/// Every failure in HeraldAvro: what went wrong (`code`), a readable `message`, and where (`path`).
///
/// `path` is a schema location (`/fields/2/type`) for schema problems and a value path
/// (`order.items[3].sku`) for data problems; empty means the root.
public struct AvroError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A struct of constants rather than an enum so that codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let description: String
        private init(_ description: String) { self.description = description }

        /// The schema text is not valid JSON or not a valid Avro schema.
        public static let invalidSchema = Code("invalid schema")
        /// JSON input is not well-formed JSON text.
        public static let invalidJSON = Code("invalid JSON")
        /// A value (binary, JSON or `AvroValue`) does not conform to its schema.
        public static let invalidValue = Code("invalid value")
        /// Binary input ended before the value was complete.
        public static let truncated = Code("truncated input")
        /// Binary input is structurally wrong: bad varint, negative length, bad union index, bad UTF-8.
        public static let malformed = Code("malformed input")
        /// Bytes remained after a complete value was decoded.
        public static let trailingBytes = Code("trailing bytes")
        /// The writer schema cannot be resolved against the reader schema.
        public static let notResolvable = Code("schemas not resolvable")
        /// Confluent wire-format framing is wrong.
        public static let invalidFraming = Code("invalid framing")
        /// Input nests deeper than HeraldAvro follows (protects the stack against hostile input).
        public static let tooDeep = Code("nesting too deep")
        /// Input or schemas would make one call visit more schema nodes than HeraldAvro allows
        /// (protects against schemas whose size doubles with each level when walked).
        public static let tooComplex = Code("too complex")
    }

    public var code: Code
    public var message: String
    public var path: String

    public init(_ code: Code, _ message: String, path: String = "") {
        self.code = code
        self.message = message
        self.path = path
    }

    public var description: String {
        path.isEmpty ? "\(code): \(message)" : "\(code): \(path): \(message)"
    }

    /// Prefixes a value-path component while an error unwinds out of a container, so paths cost
    /// nothing on the success path.
    func inField(_ name: String) -> AvroError {
        var copy = self
        if copy.path.isEmpty {
            copy.path = name
        } else if copy.path.hasPrefix("[") {
            copy.path = name + copy.path
        } else {
            copy.path = name + "." + copy.path
        }
        return copy
    }

    func atIndex(_ index: Int) -> AvroError {
        var copy = self
        copy.path = "[\(index)]" + (copy.path.isEmpty || copy.path.hasPrefix("[") ? copy.path : "." + copy.path)
        return copy
    }

    func atKey(_ key: String) -> AvroError {
        var copy = self
        var escaped = ""
        for character in key {
            if character == "\"" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        copy.path = "[\"\(escaped)\"]" + (copy.path.isEmpty || copy.path.hasPrefix("[") ? copy.path : "." + copy.path)
        return copy
    }
}
