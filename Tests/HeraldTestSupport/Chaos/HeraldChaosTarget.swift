import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
public import HeraldProtos
import SwiftProtobuf

/// Herald's four executables (one instance each) as a chaos target, set up for `ChaosWorkload`:
/// the schema, three endpoints on the receiver, the two routes. A killed service comes back with
/// the same instance id, so its transactional id fences the dead one and its static group
/// membership takes its partitions back.
public final class HeraldChaosTarget: ChaosTarget {
    public let name = "herald"
    public let stack: HeraldStack
    private let client: GRPCClient<HTTP2ClientTransport.Posix>
    private let connections: Task<Void, any Error>

    /// Starts the stack and configures it to deliver to `receiver`.
    public static func start(
        receiver: WebhookReceiver, partitions: Int = 6, label: String = "herald-chaos", brokers: String = HeraldStack.brokers
    ) async throws -> HeraldChaosTarget {
        try await start(receiverURL: receiver.url, partitions: partitions, label: label, brokers: brokers)
    }

    /// Starts the stack and configures it to deliver to the webhook receiver at `receiverURL`.
    public static func start(
        receiverURL: String, partitions: Int = 6, label: String = "herald-chaos", brokers: String = HeraldStack.brokers
    ) async throws -> HeraldChaosTarget {
        let stack = try await HeraldStack.start(partitions: partitions, names: StackNames(label: label), brokers: brokers)
        do {
            try await configure(stack, receiverURL: receiverURL)
            return try HeraldChaosTarget(stack: stack)
        } catch {
            stack.kill()
            throw error
        }
    }

    private init(stack: HeraldStack) throws {
        self.stack = stack
        let client = GRPCClient(transport: try .http2NIOPosix(
            target: .ipv4(address: "127.0.0.1", port: stack.producer.grpcPort), transportSecurity: stack.transportSecurity),
            interceptors: TestKeys.interceptors)
        self.client = client
        connections = Task { try await client.runConnections() }
    }

    private static func configure(_ stack: HeraldStack, receiverURL: String) async throws {
        try await stack.withClients { registry, _, router, delivery in
            // The registry elects its writer first: retry until it takes the schema.
            let deadline = ContinuousClock.now + .seconds(60)
            while true {
                do {
                    _ = try await registry.registerSchema(.with { $0.subject = ChaosWorkload.subject; $0.schema = ChaosWorkload.schema })
                    break
                } catch where ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
            for endpoint in ChaosWorkload.endpoints {
                _ = try await delivery.putEndpoint(.with {
                    $0.endpoint.id = endpoint
                    $0.endpoint.url = receiverURL
                    $0.endpoint.enabled = true
                    $0.endpoint.headers = [ChaosWorkload.endpointHeader: endpoint]
                })
            }
            for route in ChaosWorkload.routes {
                _ = try await router.putRoute(.with {
                    $0.route = .with {
                        $0.id = route.id
                        $0.filter.types = [ChaosWorkload.type]
                        $0.filter.sources = route.sources
                        $0.endpointIds = route.endpoints
                        $0.enabled = true
                    }
                })
            }
        }
    }

    public func crash(_ role: ChaosRole, downtime: Duration) async throws {
        let service = switch role {
        case .registry: stack.registry
        case .producer: stack.producer
        case .router: stack.router
        case .delivery: stack.delivery
        }
        try await service.crash(downtime: downtime)
    }

    public func publish(_ event: Herald_V1_Event, timeout: Duration) async throws {
        var options = CallOptions.defaults
        options.timeout = timeout
        _ = try await Herald_V1_Producer.Client(wrapping: client).publish(.with { $0.event = event }, options: options)
    }

    public func logTails(lines: Int) -> String { stack.logTails(lines: lines) }

    /// Closes the client and stops the services with SIGTERM (each must exit 0).
    public func stop() async throws {
        client.beginGracefulShutdown()
        _ = try? await connections.value
        try await stack.stop()
    }

    /// SIGKILLs everything (after a failure).
    public func kill() {
        connections.cancel()
        stack.kill()
    }
}
