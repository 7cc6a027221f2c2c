import GRPCCore
import HeraldProtos
import HeraldRuntime
import Logging
import ServiceLifecycle
import SwiftProtobuf

/// `herald.v1.Producer` answering every event at once with its id: gRPC and protobuf, nothing else.
struct BareProducer: Sendable {
    let grpcPort: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    static func start(logger: Logger) async throws -> BareProducer {
        let grpc = GRPCServerService(host: "127.0.0.1", port: 0, services: [Service()], logger: logger)
        let group = ServiceGroup(services: [grpc], logger: logger)
        let task = Task { try await group.run() }
        return BareProducer(grpcPort: try await grpc.boundPort(), group: group, task: task)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    struct Service: Herald_V1_Producer.SimpleServiceProtocol {
        func publish(request: Herald_V1_PublishRequest, context: ServerContext) async throws -> Herald_V1_PublishResponse {
            .with { $0.id = request.event.id }
        }

        func publishBatch(request: Herald_V1_PublishBatchRequest, context: ServerContext) async throws -> Herald_V1_PublishBatchResponse {
            .with { $0.results = request.events.map { event in .with { $0.id = event.id } } }
        }

        func publishStream(
            request: RPCAsyncSequence<Herald_V1_PublishRequest, any Error>, response: RPCWriter<Herald_V1_PublishResponse>, context: ServerContext
        ) async throws {
            for try await message in request { try await response.write(.with { $0.id = message.event.id }) }
        }
    }
}
