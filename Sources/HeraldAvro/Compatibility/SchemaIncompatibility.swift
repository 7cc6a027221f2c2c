/// One reason a schema cannot read another, in the terms of Avro's `SchemaCompatibility` (which
/// Confluent Schema Registry reports).
public struct SchemaIncompatibility: Hashable, Sendable, CustomStringConvertible {
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        public let description: String
        private init(_ description: String) { self.description = description }

        public static let nameMismatch = Kind("NAME_MISMATCH")
        public static let fixedSizeMismatch = Kind("FIXED_SIZE_MISMATCH")
        public static let missingEnumSymbols = Kind("MISSING_ENUM_SYMBOLS")
        public static let readerFieldMissingDefaultValue = Kind("READER_FIELD_MISSING_DEFAULT_VALUE")
        public static let typeMismatch = Kind("TYPE_MISMATCH")
        public static let missingUnionBranch = Kind("MISSING_UNION_BRANCH")
        /// Herald's own: the schemas are too complex to check within the per-call budget.
        public static let tooComplex = Kind("TOO_COMPLEX")
    }

    /// Which way the data would flow when the incompatibility bites.
    public enum Direction: String, Hashable, Sendable {
        /// The new schema reading data written with a previous one.
        case newReadsPrevious
        /// A previous schema reading data written with the new one.
        case previousReadsNew
    }

    public var kind: Kind
    /// JSON-pointer location in the reading schema (`/fields/1/type/items`).
    public var path: String
    public var message: String
    public var direction: Direction
    /// Position in the `previous` array passed to `SchemaCompatibility.check`.
    public var previousIndex: Int

    public var description: String {
        "\(kind) at \(path): \(message)"
    }
}
