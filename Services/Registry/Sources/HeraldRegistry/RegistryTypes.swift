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
        /// A path no route serves, or a path value that does not parse (an id that is not a
        /// 32-bit integer), answered as Confluent's HTTP layer answers it.
        public static let notFound = Code(errorCode: 404, httpStatus: 404)
        /// An `Accept` header that names no media type the API produces.
        public static let notAcceptable = Code(errorCode: 406, httpStatus: 406)
        /// The instance has not yet replayed its log: any answer could be out of date.
        public static let notReady = Code(errorCode: 503, httpStatus: 503)
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) (error \(code.errorCode))" }

    // The standard errors, worded as Confluent words them so a search for a message finds both.

    static func subjectNotFound(_ subject: String) -> RegistryError {
        RegistryError(.subjectNotFound, "Subject '\(subject)' not found.")
    }

    static func versionNotFound(_ version: Int) -> RegistryError {
        RegistryError(.versionNotFound, "Version \(version) not found.")
    }

    static func schemaNotFound(id: Int) -> RegistryError {
        RegistryError(.schemaNotFound, "Schema \(id) not found")
    }

    static let schemaNotFoundUnderSubject = RegistryError(.schemaNotFound, "Schema not found")

    static func subjectSoftDeleted(_ subject: String) -> RegistryError {
        RegistryError(.subjectSoftDeleted, "Subject '\(subject)' was soft deleted.Set permanent=true to delete permanently")
    }

    static func subjectNotSoftDeleted(_ subject: String) -> RegistryError {
        RegistryError(.subjectNotSoftDeleted, "Subject '\(subject)' was not deleted first before being permanently deleted")
    }

    static func versionSoftDeleted(_ subject: String, _ version: Int) -> RegistryError {
        RegistryError(.versionSoftDeleted, "Subject '\(subject)' Version \(version) was soft deleted.Set permanent=true to delete permanently")
    }

    static func versionNotSoftDeleted(_ subject: String, _ version: Int) -> RegistryError {
        RegistryError(.versionNotSoftDeleted, "Subject '\(subject)' Version \(version) was not deleted first before being permanently deleted")
    }

    static func invalidSchema(_ schema: String, details: String) -> RegistryError {
        RegistryError(.invalidSchema, "Invalid schema \(schema), details: \(details)")
    }

    static let emptySchema = RegistryError(.invalidSchema, "Empty schema")

    static func incompatible(_ subject: String, details: String) -> RegistryError {
        RegistryError(.incompatibleSchema, "Schema being registered is incompatible with an earlier schema for subject \"\(subject)\", details: \(details)")
    }

    static func invalidVersion(_ raw: String) -> RegistryError {
        RegistryError(.invalidVersion,
            "The specified version '\(raw)' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"")
    }

    static let pathNotFound = RegistryError(.notFound, "HTTP 404 Not Found")

    static let notReady = RegistryError(.notReady, "The registry is still replaying its schema log; retry shortly.")
}
