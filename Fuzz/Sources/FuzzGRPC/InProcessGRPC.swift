public import GRPCCore
import GRPCInProcessTransport
import FuzzSupport

/// A gRPC server serving the services under test over grpc-swift's in-process transport, and a
/// client of it that sends a fuzz input's bytes as a method's serialized request: the server
/// decodes them with the generated code and hands them to the real handler, as it does a call
/// from the network, and the answer comes back as a status.
public final class InProcessGRPC: Sendable {
    private let client: GRPCClient<InProcessTransport.Client>

    public init(services: [any RegistrableRPCService]) {
        let transport = InProcessTransport()
        let server = GRPCServer(transport: transport.server, services: services)
        let client = GRPCClient(transport: transport.client)
        self.client = client
        // Both run for the life of the fuzzing process.
        Task { try await server.serve() }
        Task { try await client.runConnections() }
    }

    /// Calls `method` with `message` as its serialized request (not necessarily a valid one):
    /// the serialized response, or the error status the call ended with.
    public func call(_ method: MethodDescriptor, message: [UInt8], metadata: Metadata = [:]) async -> Result<[UInt8], RPCError> {
        do {
            let response = try await client.unary(
                request: ClientRequest(message: message, metadata: metadata), descriptor: method,
                serializer: RawMessage(), deserializer: RawMessage(), options: .defaults
            ) { try $0.message }
            return .success(response)
        } catch let error as RPCError {
            return .failure(error)
        } catch {
            fuzzFailure("\(method) ended without a status: \(error)")
        }
    }

    /// Whether `error` is an answer a caller can act on: a status that says what kind of refusal it
    /// is (not UNKNOWN or INTERNAL, which mean the handler failed in a way nobody planned) with a
    /// message saying what was wrong.
    public static func isClear(_ error: RPCError) -> Bool {
        error.code != .unknown && error.code != .internalError && !error.message.isEmpty
    }
}

/// Passes bytes through unchanged: the request as the fuzzer wrote it, the response as the
/// server encoded it.
struct RawMessage: MessageSerializer, MessageDeserializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes {
        Bytes(message)
    }

    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}
