import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldProtos
import HeraldTestSupport
import SwiftProtobuf

/// The four executables set up to deliver: the order schema registered, a webhook receiver as
/// endpoint `endpointID`, and a route taking every order event to it. `body` publishes through
/// the producer client and checks; the stack must then stop cleanly. `arguments` go to every service.
enum RoutedStack {
    static func run(
        endpointID: String,
        arguments: [String] = [],
        _ body: (HeraldStack, WebhookReceiver, Herald_V1_Producer.Client<HTTP2ClientTransport.Posix>) async throws -> Void
    ) async throws {
        let receiver = try await WebhookReceiver.start()
        let stack: HeraldStack
        do { stack = try await HeraldStack.start(partitions: 2, arguments: arguments) } catch {
            try? await receiver.stop()
            throw error
        }
        do {
            try await stack.withClients { registry, producer, router, delivery in
                _ = try await EndToEndTests.eventually("the registry to take a schema") {
                    try await registry.registerSchema(.with { $0.subject = "orders-value"; $0.schema = EndToEndTests.orderV1 })
                }
                _ = try await delivery.putEndpoint(.with {
                    $0.endpoint.id = endpointID
                    $0.endpoint.url = receiver.url
                    $0.endpoint.secret = EndToEndTests.secret()
                    $0.endpoint.enabled = true
                })
                _ = try await router.putRoute(.with {
                    $0.route = .with { $0.id = "all"; $0.filter.types = ["com.example.order.*"]; $0.endpointIds = [endpointID]; $0.enabled = true }
                })
                try await body(stack, receiver, producer)
            }
            try await stack.stop()
            try await receiver.stop()
        } catch {
            stack.kill()
            try? await receiver.stop()
            throw error
        }
    }
}
