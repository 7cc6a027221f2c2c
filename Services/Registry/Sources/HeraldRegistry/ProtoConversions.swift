public import GRPCCore
import HeraldAvro
import HeraldProtos

extension SchemaReference {
    init(_ proto: Herald_V1_SchemaReference) {
        self.init(name: proto.name, subject: proto.subject, version: Int(proto.version))
    }

    var proto: Herald_V1_SchemaReference {
        var proto = Herald_V1_SchemaReference()
        proto.name = name
        proto.subject = subject
        proto.version = Int32(version)
        return proto
    }
}

extension Herald_V1_CompatibilityLevel {
    init(_ level: CompatibilityLevel) {
        self = switch level {
        case .backward: .backward
        case .backwardTransitive: .backwardTransitive
        case .forward: .forward
        case .forwardTransitive: .forwardTransitive
        case .full: .full
        case .fullTransitive: .fullTransitive
        case .none: .none
        }
    }
}

extension CompatibilityLevel {
    /// The level whose protobuf value is `proto` (the mapping above, read backwards); fails for
    /// UNSPECIFIED and values this build does not know.
    init(_ proto: Herald_V1_CompatibilityLevel) throws(RegistryError) {
        guard let level = Self.allCases.first(where: { Herald_V1_CompatibilityLevel($0) == proto }) else {
            throw RegistryError(.invalidCompatibilityLevel, "Invalid compatibility level \(proto). Valid values are: \(CompatibilityLevel.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        self = level
    }
}

extension Herald_V1_RegistryMode {
    init(_ mode: RegistryMode) {
        self = switch mode {
        case .readWrite: .readwrite
        case .readOnly: .readonly
        case .importing: .import
        }
    }
}

extension RegistryMode {
    /// The mode whose protobuf value is `proto` (the mapping above, read backwards); fails for
    /// UNSPECIFIED and values this build does not know.
    init(_ proto: Herald_V1_RegistryMode) throws(RegistryError) {
        guard let mode = Self.allCases.first(where: { Herald_V1_RegistryMode($0) == proto }) else {
            throw RegistryError(.invalidMode, "Invalid mode \(proto). Valid values are: READWRITE, READONLY, IMPORT.")
        }
        self = mode
    }
}

/// The gRPC status for each registry error; the Confluent code travels in metadata so that a
/// follower forwarding a write answers exactly what the leader answered.
extension RegistryError: RPCErrorConvertible {
    static let codeMetadataKey = "herald-registry-error-code"

    public var rpcErrorCode: RPCError.Code {
        switch code.errorCode {
        case 40401, 40402, 40403, 40404, 40406, 40408, 40409, 404: .notFound
        case 409, 40405, 40407, 42205, 42206: .failedPrecondition
        case 42201, 42202, 42203, 42204, 400, 406, 415: .invalidArgument
        case 413: .resourceExhausted
        case 50002: .deadlineExceeded
        case 50003, 50004, 503: .unavailable
        default: .internalError
        }
    }

    public var rpcErrorMessage: String { message }

    public var rpcErrorMetadata: Metadata { [Self.codeMetadataKey: "\(code.errorCode)"] }

    /// The registry error a forwarded request answered with, or why it could not be forwarded.
    init(forwarded error: RPCError, leader: String) {
        let all: [Code] = [
            .subjectNotFound, .versionNotFound, .schemaNotFound, .subjectSoftDeleted, .subjectNotSoftDeleted,
            .versionSoftDeleted, .versionNotSoftDeleted, .subjectConfigNotFound, .subjectModeNotFound,
            .incompatibleSchema, .invalidSchema, .invalidVersion, .invalidCompatibilityLevel, .invalidMode,
            .operationNotPermitted, .referenceExists, .storeError, .operationTimeout, .forwardingError,
            .unknownLeader, .badRequest, .payloadTooLarge, .unsupportedMediaType, .notFound, .notAcceptable, .notReady,
        ]
        let number = error.metadata[stringValues: Self.codeMetadataKey].first(where: { _ in true }).flatMap { Int($0) }
        if let code = all.first(where: { $0.errorCode == number }) {
            self.init(code, error.message)
        } else {
            self.init(.forwardingError, "Could not forward to the leader at \(leader) (\(error.code)): \(error.message)")
        }
    }
}
