public import GRPCCore
import Foundation
import FuzzSupport
import Synchronization

/// A gRPC server whose transport hands each call straight to the server's stream handler, on
/// the caller's task: the server decodes the request bytes with the generated code, runs the real
/// handler and writes the response parts, as for a call from the network, without a client, a
/// connection or a task per call between them (the targets need a million inputs in their time).
public final class DirectGRPC: Sendable {
    private let transport = DirectServerTransport()

    public init(services: [any RegistrableRPCService]) {
        let server = GRPCServer(transport: transport, services: services)
        // Runs for the life of the fuzzing process.
        Task { try await server.serve() }
        transport.waitUntilListening()
    }

    /// What a call answered: its response messages (serialized), or the error status it ended with.
    public typealias Answer = Result<[[UInt8]], RPCError>

    /// Calls `method` with `messages` as its serialized requests (not necessarily valid ones).
    public func call(_ method: MethodDescriptor, messages: [[UInt8]], metadata: Metadata = [:]) async -> Answer {
        let (inbound, requests) = AsyncThrowingStream.makeStream(of: RPCRequestPart<[UInt8]>.self, throwing: (any Error).self)
        requests.yield(.metadata(metadata))
        for message in messages { requests.yield(.message(message)) }
        requests.finish()
        let outbound = ResponseRecorder()
        let stream = RPCStream(
            descriptor: method, inbound: RPCAsyncSequence(wrapping: inbound), outbound: RPCWriter.Closable(wrapping: outbound))
        await transport.handle(stream)
        return outbound.answer(of: method)
    }
}

/// The transport: `listen` keeps the server's stream handler, `handle` runs a stream through it.
final class DirectServerTransport: ServerTransport {
    typealias Bytes = [UInt8]
    typealias Handler = @Sendable (RPCStream<Inbound, Outbound>, ServerContext) async -> Void

    private let handler = Mutex<Handler?>(nil)
    private let stopped = AsyncStream.makeStream(of: Never.self)

    func listen(streamHandler: @escaping Handler) async throws {
        handler.withLock { $0 = streamHandler }
        for await _ in stopped.stream {}
    }

    func beginGracefulShutdown() {
        stopped.continuation.finish()
    }

    /// Blocks until the server listens (it does once `serve()` has started).
    func waitUntilListening() {
        while handler.withLock({ $0 == nil }) { usleep(1000) }
    }

    func handle(_ stream: RPCStream<Inbound, Outbound>) async {
        guard let handler = handler.withLock({ $0 }) else { fuzzFailure("the server is not listening") }
        await withServerContextRPCCancellationHandle { cancellation in
            await handler(stream, ServerContext(descriptor: stream.descriptor, remotePeer: "in-process:fuzz", localPeer: "in-process:fuzz", cancellation: cancellation))
        }
    }
}

/// The response parts a call wrote, read as the client would: messages, then a status.
final class ResponseRecorder: ClosableRPCWriterProtocol {
    private let parts = Mutex<[RPCResponsePart<[UInt8]>]>([])

    func write(_ element: RPCResponsePart<[UInt8]>) async throws {
        parts.withLock { $0.append(element) }
    }

    func write(contentsOf elements: some Sequence<RPCResponsePart<[UInt8]>>) async throws {
        parts.withLock { $0.append(contentsOf: elements) }
    }

    func finish() async {}

    func finish(throwing error: any Error) async {
        fuzzFailure("the server ended a stream with \(error) instead of a status")
    }

    func answer(of method: MethodDescriptor) -> DirectGRPC.Answer {
        let parts = parts.withLock { $0 }
        var messages: [[UInt8]] = []
        for part in parts {
            switch part {
            case .metadata: continue
            case .message(let bytes): messages.append(bytes)
            case .status(let status, let metadata):
                if let error = RPCError(status: status, metadata: metadata) { return .failure(error) }
                return .success(messages)
            }
        }
        fuzzFailure("\(method) ended without a status")
    }
}
