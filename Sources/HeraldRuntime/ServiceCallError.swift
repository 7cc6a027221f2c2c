public import GRPCCore

/// An error a service answers a call with: the gRPC status the caller gets and a message naming
/// what is wrong and where. A conforming type declares the two; how it reads and reaches the
/// caller is the same for every service.
public protocol ServiceCallError: Error, Sendable, CustomStringConvertible, RPCErrorConvertible {
    var code: RPCError.Code { get }
    var message: String { get }
}

extension ServiceCallError {
    public var description: String { "\(code): \(message)" }
    public var rpcErrorCode: RPCError.Code { code }
    public var rpcErrorMessage: String { message }
}
