import HeraldAvro

/// A named type that a schema takes from another registered schema.
public struct SchemaReference: Codable, Hashable, Sendable {
    /// The fully qualified name the referencing schema uses.
    public var name: String
    public var subject: String
    public var version: Int

    public init(name: String, subject: String, version: Int) {
        self.name = name
        self.subject = subject
        self.version = version
    }
}

/// What the registry accepts: READWRITE normally, READONLY to freeze it, IMPORT to copy schemas
/// from another registry with their ids and versions.
public enum RegistryMode: String, Codable, Hashable, Sendable, CaseIterable {
    case readWrite = "READWRITE"
    case readOnly = "READONLY"
    case importing = "IMPORT"
}

/// One version of a subject, as clients see it.
public struct SubjectVersion: Hashable, Sendable {
    public var subject: String
    public var version: Int
    public var id: Int
    public var schema: String
    public var references: [SchemaReference]
    public var deleted: Bool
}

/// Everything the registry refuses, with the Confluent error code and HTTP status that the REST API
/// answers and the gRPC status the gRPC API answers.
public struct RegistryError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        public let errorCode: Int
        public let httpStatus: Int
        public static let subjectNotFound = Code(errorCode: 40401, httpStatus: 404)
        public static let versionNotFound = Code(errorCode: 40402, httpStatus: 404)
        public static let schemaNotFound = Code(errorCode: 40403, httpStatus: 404)
        public static let subjectSoftDeleted = Code(errorCode: 40404, httpStatus: 404)
        public static let subjectNotSoftDeleted = Code(errorCode: 40405, httpStatus: 404)
        public static let versionSoftDeleted = Code(errorCode: 40406, httpStatus: 404)
        public static let versionNotSoftDeleted = Code(errorCode: 40407, httpStatus: 404)
        public static let subjectConfigNotFound = Code(errorCode: 40408, httpStatus: 404)
        public static let subjectModeNotFound = Code(errorCode: 40409, httpStatus: 404)
        public static let incompatibleSchema = Code(errorCode: 409, httpStatus: 409)
        public static let invalidSchema = Code(errorCode: 42201, httpStatus: 422)
        public static let invalidVersion = Code(errorCode: 42202, httpStatus: 422)
        public static let invalidCompatibilityLevel = Code(errorCode: 42203, httpStatus: 422)
        public static let invalidMode = Code(errorCode: 42204, httpStatus: 422)
        public static let operationNotPermitted = Code(errorCode: 42205, httpStatus: 422)
        public static let referenceExists = Code(errorCode: 42206, httpStatus: 422)
        public static let storeError = Code(errorCode: 50001, httpStatus: 500)
        public static let operationTimeout = Code(errorCode: 50002, httpStatus: 500)
        public static let forwardingError = Code(errorCode: 50003, httpStatus: 500)
        public static let unknownLeader = Code(errorCode: 50004, httpStatus: 500)
        /// Not Confluent's: a body that is not JSON or lacks a required member.
        public static let badRequest = Code(errorCode: 400, httpStatus: 400)
        /// Not Confluent's: an entity over the configured size limit.
        public static let payloadTooLarge = Code(errorCode: 413, httpStatus: 413)
        /// Not Confluent's: a request body of a content type the API does not read.
        public static let unsupportedMediaType = Code(errorCode: 415, httpStatus: 415)
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) (error \(code.errorCode))" }

    static func subjectNotFound(_ subject: String) -> RegistryError {
        RegistryError(.subjectNotFound, "Subject '\(subject)' not found.")
    }

    static func versionNotFound(_ subject: String, _ version: Int) -> RegistryError {
        RegistryError(.versionNotFound, "Version \(version) not found for subject '\(subject)'.")
    }

    static func schemaNotFound(id: Int) -> RegistryError {
        RegistryError(.schemaNotFound, "Schema \(id) not found.")
    }
}
