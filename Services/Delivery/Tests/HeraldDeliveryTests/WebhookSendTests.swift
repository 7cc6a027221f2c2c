import AsyncHTTPClient
import GRPCCore
import GRPCNIOTransportHTTP2Posix
@testable import HeraldDelivery
import HeraldCore
import HeraldProtos
import HeraldRuntime
import HeraldTestSupport
import NIOHTTP1
import Testing

/// Webhook sends over real sockets to a real receiver: one deadline over the whole exchange, a
/// capped body read, and the connection going to the address the SSRF check passed.
@Suite(.timeLimit(.minutes(1)))
struct WebhookSendTests {
    @Test func aBodyThatNeverEndsTimesOutTheSend() async throws {
        let receiver = try await Receiver.start { _ in .endlessBody(status: 200, chunkBytes: 1, interval: .milliseconds(50)) }
        let clients = Self.clients()
        await #expect(throws: WebhookTimeout.self) {
            try await Self.sender(clients, timeout: .seconds(1)).post(Self.task, body: [], to: Self.endpoint(receiver.url), connectingTo: nil)
        }
        await clients.shutdown()
        try await receiver.stop()
    }

    @Test(arguments: [200, 500])
    func anEndlessFastBodyIsReadUpToTheCap(status: Int) async throws {
        let receiver = try await Receiver.start { _ in .endlessBody(status: status, chunkBytes: 8192, interval: .milliseconds(1)) }
        let clients = Self.clients()
        var request = HTTPClientRequest(url: receiver.url)
        request.method = .POST
        let answer = try await WebhookSender.exchange(request, with: clients.shared, within: .seconds(30))
        #expect(answer.status == status)
        #expect(answer.body.count == WebhookSender.responseBodyCap)
        await clients.shutdown()
        try await receiver.stop()
    }

    /// The URL names a host that does not resolve: only a connection to the checked address reaches the receiver.
    @Test func theSendConnectsToTheCheckedAddressWithTheNameAsHost() async throws {
        let receiver = try await Receiver.start()
        let clients = Self.clients()
        let url = "http://webhook.invalid:\(receiver.port)/hook"
        let answer = try await Self.sender(clients, timeout: .seconds(10))
            .post(Self.task, body: Array("{}".utf8), to: Self.endpoint(url), connectingTo: IPAddress("127.0.0.1"))
        #expect(answer.status == 200)
        #expect(receiver.received.first?.headers["host"] == "webhook.invalid:\(receiver.port)")
        await clients.shutdown()
        try await receiver.stop()
    }

    static let task: Herald_V1_DeliveryTask = {
        var task = Herald_V1_DeliveryTask()
        task.deliveryID = "d-1"
        return task
    }()

    static func clients() -> WebhookClients {
        WebhookClients { WebhookSender.makeClient(connectTimeout: .seconds(5), connectionsPerEndpoint: 4, dnsOverride: $0) }
    }

    static func sender(_ clients: WebhookClients, timeout: Duration) throws -> WebhookSender {
        // The resolver is never asked: these sends carry a rendered body.
        let registry = GRPCClient(transport: try .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: 9), transportSecurity: .plaintext))
        return WebhookSender(clients: clients, resolver: SchemaResolver(
            client: Herald_V1_Registry.Client(wrapping: registry), latestTTL: .seconds(5), timeout: .seconds(1)), requestTimeout: timeout)
    }

    static func endpoint(_ url: String) throws -> ResolvedEndpoint {
        var endpoint = Herald_V1_Endpoint()
        endpoint.id = "e-1"
        endpoint.url = url
        return ResolvedEndpoint(endpoint: endpoint, secret: try WebhookSecret(WebhookSecret.generate()), retryPolicy: HeraldCore.RetryPolicy())
    }
}
