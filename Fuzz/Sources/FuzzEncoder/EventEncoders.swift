import FuzzSupport
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldAvro
public import HeraldProducer
public import HeraldRegistry
import HeraldProtos
import HeraldRuntime

/// The producer's lenient and strict `EventEncoder`, resolving schemas through `registry`'s gRPC
/// API served on a loopback port, as the producer does.
public func startEventEncoders(registry: SchemaRegistry, maxPayloadBytes: Int, maxEventBytes: Int) async -> [EventEncoder] {
    do {
        let transport = HTTP2ServerTransport.Posix(address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext)
        let server = GRPCServer(transport: transport, services: [registry.grpcService])
        Task { try await server.serve() }
        guard let address = try await transport.listeningAddress.ipv4 else { fuzzFailure("the registry is not listening on IPv4") }
        let client = GRPCClient(transport: try .http2NIOPosix(target: .ipv4(address: address.host, port: address.port), transportSecurity: .plaintext))
        Task { try await client.runConnections() }
        // "Latest" is cached for the whole run: the registry never changes under the targets.
        let resolver = SchemaResolver(client: Herald_V1_Registry.Client(wrapping: client), latestTTL: .seconds(86_400), timeout: .seconds(10))
        return [AvroJSONMode.lenient, .strict].map {
            EventEncoder(resolver: resolver, maxPayloadBytes: maxPayloadBytes, maxEventBytes: maxEventBytes, jsonMode: $0, schemaURLBase: "http://127.0.0.1:8081")
        }
    } catch {
        fuzzFailure("starting the registry for the encoder failed: \(error)")
    }
}
