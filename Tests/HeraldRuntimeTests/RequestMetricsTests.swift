import AsyncHTTPClient
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldProtos
@testable import HeraldRuntime
import HeraldTestSupport
import NIOCore
import NIOHTTP1
import SwiftProtobuf
import Testing

/// Every service's gRPC server and HTTP router count and time their requests: real calls over
/// real sockets, then the same `/metrics` Prometheus scrapes.
extension ServiceRuntimeTests {
    @Test func grpcAndHTTPRequestsAreCountedByMethodAndCodeOnMetrics() async throws {
        _ = HeraldMetrics.registry
        let health = HealthStatus(services: ["herald.v1.Producer"])
        health.set(.serving, for: "herald.v1.Producer")
        try await withServers(health: health) { grpcPort, httpPort in
            let before = try await MetricsScrape.fetch(httpPort: httpPort)
            try await withGRPCClient(
                transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: grpcPort), transportSecurity: .plaintext)
            ) { client in
                let checker = Grpc_Health_V1_Health.Client(wrapping: client)
                _ = try await checker.check(.with { $0.service = "herald.v1.Producer" })
                _ = try await checker.check(.with { $0.service = "" })
                await #expect(throws: RPCError.self) {
                    _ = try await checker.check(.with { $0.service = "herald.v1.Unknown" })
                }
            }
            let healthz = try await HTTPClient.shared.get(url: "http://127.0.0.1:\(httpPort)/healthz").get()
            let missing = try await HTTPClient.shared.get(url: "http://127.0.0.1:\(httpPort)/no/such/page").get()
            #expect(healthz.status.code == 200)
            #expect(missing.status.code == 404)
            let after = try await MetricsScrape.fetch(httpPort: httpPort)

            let check = "grpc.health.v1.Health/Check"
            #expect(after.increase(of: "herald_grpc_server_requests_total", ["method": check, "code": "OK"], since: before) >= 2, "\(after.text)")
            #expect(after.increase(of: "herald_grpc_server_requests_total", ["method": check, "code": "NOT_FOUND"], since: before) >= 1)
            #expect(after.increase(of: "herald_grpc_server_request_duration_seconds_count", ["method": check, "code": "OK"], since: before) >= 2)
            #expect(after.increase(of: "herald_http_server_requests_total", ["method": "GET", "path": "/healthz", "code": "200"], since: before) >= 1)
            #expect(after.increase(of: "herald_http_server_requests_total", ["method": "GET", "path": "NotFound", "code": "404"], since: before) >= 1)
            #expect(after.increase(of: "herald_http_server_request_duration_seconds_count", ["method": "GET", "path": "/healthz", "code": "200"], since: before) >= 1)
            // The latency histogram has the request buckets, from half a millisecond up.
            #expect(after.samples["herald_grpc_server_request_duration_seconds_bucket"]?.contains { $0.labels["le"] == "0.0005" } == true)
        }
    }
}

@Suite struct MetricsScrapeTests {
    @Test func readsSamplesByNameAndLabels() {
        let scrape = MetricsScrape(text: """
            # TYPE herald_x_total counter
            herald_x_total{method="a/B",code="OK"} 3
            herald_x_total{method="a/B",code="NOT_FOUND"} 1
            herald_y 2.5
            """)
        #expect(scrape.value("herald_x_total", ["method": "a/B", "code": "OK"]) == 3)
        #expect(scrape.value("herald_x_total", ["code": "NOT_FOUND", "method": "a/B"]) == 1)
        #expect(scrape.value("herald_x_total", ["method": "a/B"]) == 0)
        #expect(scrape.value("herald_y") == 2.5)
    }
}
