import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldProtos
import HeraldTestSupport
import SwiftProtobuf
import Testing

extension ProducerIntegration {
    @Suite struct ShutdownTests {
        /// SIGTERM while a PublishStream and a Health.Watch are open: the server ends both with OK
        /// (the stream after answering what it read) and the executable exits 0 by itself, well
        /// before `--shutdown-timeout` would force it out with status 1.
        @Test func sigtermEndsOpenStreamsAndTheProducerExitsCleanly() async throws {
            let registry = try await TestRegistry.start()
            _ = try await registry.registerOrderSchema()
            let producer = try await ServiceProcess.start("herald-producer", arguments: [
                "--kafka-brokers", ProducerTestEnvironment.brokers, "--grpc-port", "0", "--http-port", "0",
                "--registry-url", "127.0.0.1:\(registry.port)", "--events-topic", ProducerTestEnvironment.unique("events"),
                "--partitions", "2", "--shutdown-timeout", "300",
            ], readyMessage: "Producer listening")
            let (opened, open) = AsyncStream.makeStream(of: String.self)
            let (requestsEnd, endRequests) = AsyncStream.makeStream(of: Never.self)
            try await withGRPCClient(transport: .http2NIOPosix(
                target: .ipv4(address: "127.0.0.1", port: producer.grpcPort), transportSecurity: .plaintext), interceptors: TestKeys.interceptors) { client in
                let publisher = Herald_V1_Producer.Client(wrapping: client)
                let health = Grpc_Health_V1_Health.Client(wrapping: client)
                try await withThrowingTaskGroup(of: String.self) { streams in
                    streams.addTask {
                        try await publisher.publishStream(
                            // The client never closes its side: only the server can end this stream.
                            requestProducer: { writer in
                                try await writer.write(.with { $0.event = orderEvent(id: "shutdown-1") })
                                for await _ in requestsEnd {}
                            },
                            onResponse: { response in
                                defer { endRequests.finish() }
                                var answers = 0
                                for try await answer in response.messages {
                                    #expect(answer.errorCode == 0 && answer.id == "shutdown-1", "\(answer)")
                                    answers += 1
                                    open.yield("publish")
                                }
                                return "PublishStream ended after \(answers) answer(s)"
                            })
                    }
                    streams.addTask {
                        try await health.watch(.with { $0.service = "" }) { response in
                            for try await _ in response.messages { open.yield("watch") }
                            return "Health.Watch ended"
                        }
                    }
                    var seen: Set<String> = []
                    for await stream in opened {
                        seen.insert(stream)
                        if seen == ["publish", "watch"] { break }
                    }
                    kill(producer.process.processIdentifier, SIGTERM)
                    var ended: [String] = []
                    for try await end in streams { ended.append(end) }
                    #expect(ended.sorted() == ["Health.Watch ended", "PublishStream ended after 1 answer(s)"])
                }
            }
            let status = try await producer.exitStatus(within: .seconds(120))
            #expect(status == 0, "the producer must end its streams and exit by itself:\n\(producer.log)")
            if status == nil { producer.kill() }
            try await registry.stop()
        }
    }
}
