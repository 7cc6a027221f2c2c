import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldProtos
@testable import HeraldRuntime
import Logging
import ServiceLifecycle
import SwiftProtobuf
import Testing

/// gRPC server reflection: the descriptors embedded at generate time, the answers to each
/// question, and the service over a real socket.
@Suite struct ReflectionTests {
    let index: ReflectionDescriptorIndex

    init() throws {
        index = try ReflectionDescriptorIndex.herald()
    }

    private func fileNames(_ files: [Data]?) throws -> [String] {
        try (files ?? []).map { try Google_Protobuf_FileDescriptorProto(serializedBytes: $0).name }
    }

    @Test func embeddedDescriptorsHoldEveryProtoAndItsImports() {
        #expect(index.fileNames.contains("herald/v1/producer.proto"))
        #expect(index.fileNames.contains("grpc/reflection/v1/reflection.proto"))
        #expect(index.fileNames.contains("google/protobuf/timestamp.proto"))
    }

    @Test func symbolLeadsToItsFileFirstThenEveryImport() throws {
        let files = try fileNames(index.fileContaining(symbol: "herald.v1.Producer.Publish"))
        #expect(files.first == "herald/v1/producer.proto")
        #expect(Set(files) == ["herald/v1/producer.proto", "herald/v1/event.proto", "google/protobuf/timestamp.proto"])
        #expect(try fileNames(index.fileContaining(symbol: "herald.v1.PublishRequest")).first == "herald/v1/producer.proto")
        #expect(index.fileContaining(symbol: "herald.v1.Nope") == nil)
    }

    @Test func nestedMessagesAndEnumsAreSymbols() {
        #expect(index.declares("grpc.health.v1.HealthCheckResponse.ServingStatus"))
        #expect(index.declares("google.protobuf.Timestamp"))
    }

    @Test func malformedDescriptorsAreRejectedWithTheReason() {
        #expect(throws: ReflectionDescriptorIndex.IndexError.notBase64) { try ReflectionDescriptorIndex(base64: "%%%") }
        let orphan = Google_Protobuf_FileDescriptorSet.with {
            $0.file = [.with { $0.name = "a.proto"; $0.dependency = ["b.proto"] }]
        }
        #expect(throws: ReflectionDescriptorIndex.IndexError.missingDependency(file: "a.proto", dependency: "b.proto")) {
            try ReflectionDescriptorIndex(fileDescriptorSet: try orphan.serializedBytes())
        }
    }

    @Test func responderListsServicesAndReportsUnknownSymbols() {
        let responder = ReflectionResponder(serviceNames: ["herald.v1.Router", "grpc.health.v1.Health"], index: .success(index))
        let list = responder.response(to: .with { $0.listServices = "" })
        #expect(list.listServicesResponse.service.map(\.name) == ["grpc.health.v1.Health", "herald.v1.Router"])

        let unknown = responder.response(to: .with { $0.fileContainingSymbol = "herald.v1.Nope" })
        #expect(unknown.errorResponse.errorCode == 5)
        #expect(unknown.errorResponse.errorMessage.contains("herald.v1.Nope"))
        #expect(unknown.originalRequest.fileContainingSymbol == "herald.v1.Nope")

        let byName = responder.response(to: .with { $0.fileByFilename = "herald/v1/router.proto" })
        #expect(byName.fileDescriptorResponse.fileDescriptorProto.count >= 1)
        #expect(responder.response(to: .init()).errorResponse.errorCode == 3)
    }

    @Test func unreadableDescriptorsAnswerInternalWithTheReason() {
        let responder = ReflectionResponder(serviceNames: [], index: .failure(.notBase64))
        let answer = responder.response(to: .with { $0.fileByFilename = "herald/v1/router.proto" })
        #expect(answer.errorResponse.errorCode == 13)
        #expect(answer.errorResponse.errorMessage.contains("base64"))
    }

    @Test func everyGRPCServerAnswersReflectionOverTheNetwork() async throws {
        let logger = Logger(label: "test.reflection")
        let health = HealthStatus(services: [])
        let grpc = GRPCServerService(host: "127.0.0.1", port: 0, services: [HealthService(status: health)], logger: logger)
        let group = ServiceGroup(services: [grpc], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try await grpc.boundPort()
            try await withGRPCClient(
                transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
            ) { client in
                let reflection = Grpc_Reflection_V1_ServerReflection.Client(wrapping: client)
                let answers = try await reflection.serverReflectionInfo(
                    requestProducer: { writer in
                        try await writer.write(.with { $0.listServices = "" })
                        try await writer.write(.with { $0.fileContainingSymbol = "grpc.health.v1.Health.Check" })
                    },
                    onResponse: { response in
                        var answers: [Grpc_Reflection_V1_ServerReflectionResponse] = []
                        for try await answer in response.messages { answers.append(answer) }
                        return answers
                    })
                #expect(answers.count == 2)
                #expect(answers.first?.listServicesResponse.service.map(\.name)
                    == ["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"])
                #expect(try fileNames(answers.last?.fileDescriptorResponse.fileDescriptorProto) == ["grpc/health/v1/health.proto"])
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
