import AsyncHTTPClient
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldProtos
@testable import HeraldRuntime
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import SwiftProtobuf
import Testing

/// The runtime every service stands on, exercised over real sockets: gRPC health and the HTTP
/// `/healthz` and `/metrics` endpoints follow the status a service reports.
@Suite struct ServiceRuntimeTests {
    let logger = Logger(label: "test.runtime")

    /// Starts a gRPC server and an HTTP server on free ports, runs `body`, then shuts both down.
    func withServers(
        health: HealthStatus,
        _ body: (_ grpcPort: Int, _ httpPort: Int) async throws -> Void
    ) async throws {
        let grpc = GRPCServerService(host: "127.0.0.1", port: 0, services: [HealthService(status: health)], logger: logger)
        let (http, httpPort) = HeraldHTTP.application(
            router: HeraldHTTP.router(health: health), host: "127.0.0.1", port: 0, serverName: "test", logger: logger)
        try await whileRunning(ServiceGroup(services: [grpc, http], logger: logger)) {
            let grpcPort = try await grpc.boundPort()
            let port = await httpPort.value
            defer { health.shutDown() }
            try await body(grpcPort, port)
        }
    }

    @Test func healthFollowsReportedStatusOverGRPCAndHTTP() async throws {
        let health = HealthStatus(services: ["herald.v1.Registry"])
        try await withServers(health: health) { grpcPort, httpPort in
            try await withGRPCClient(
                transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: grpcPort), transportSecurity: .plaintext)
            ) { client in
                let checker = Grpc_Health_V1_Health.Client(wrapping: client)
                let registry = Grpc_Health_V1_HealthCheckRequest.with { $0.service = "herald.v1.Registry" }
                let before = try await checker.check(registry).status
                let healthzBefore = try await HTTPClient.shared.get(url: "http://127.0.0.1:\(httpPort)/healthz").get()
                #expect(before == .notServing)
                #expect(healthzBefore.status.code == 503)

                health.set(.serving, for: "herald.v1.Registry")
                let after = try await checker.check(registry).status
                let overall = try await checker.check(.with { $0.service = "" }).status
                let healthzAfter = try await HTTPClient.shared.get(url: "http://127.0.0.1:\(httpPort)/healthz").get()
                #expect(after == .serving)
                #expect(overall == .serving)
                #expect(healthzAfter.status.code == 200)

                await #expect(throws: RPCError.self) {
                    _ = try await checker.check(.with { $0.service = "herald.v1.Nope" })
                }
            }
        }
    }

    @Test func watchStreamsEveryChangeAndEndsOnShutdown() async throws {
        let health = HealthStatus(services: ["herald.v1.Router"])
        try await withServers(health: health) { grpcPort, _ in
            try await withGRPCClient(
                transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: grpcPort), transportSecurity: .plaintext)
            ) { client in
                let checker = Grpc_Health_V1_Health.Client(wrapping: client)
                let seen = try await checker.watch(.with { $0.service = "herald.v1.Router" }) { response in
                    var statuses: [Grpc_Health_V1_HealthCheckResponse.ServingStatus] = []
                    for try await message in response.messages {
                        statuses.append(message.status)
                        if statuses.count == 1 { health.set(.serving, for: "herald.v1.Router") }
                        if statuses.count == 2 { health.shutDown() }
                    }
                    return statuses
                }
                #expect(seen == [.notServing, .serving, .notServing])
            }
        }
    }

    @Test func metricsEndpointExposesRecordedMetrics() async throws {
        _ = HeraldMetrics.registry  // installs the Prometheus backend for swift-metrics
        Counter(label: "herald_test_events_total", dimensions: [("kind", "demo")]).increment(by: 3)
        try await withServers(health: HealthStatus(services: [])) { _, httpPort in
            let response = try await HTTPClient.shared.get(url: "http://127.0.0.1:\(httpPort)/metrics").get()
            #expect(response.status.code == 200)
            let body = String(buffer: try #require(response.body))
            #expect(body.contains(#"herald_test_events_total{kind="demo"} 3"#), "metrics body: \(body)")
        }
    }
}

@Suite struct EnvironmentTests {
    @Test func optionNamesMapToHeraldVariables() {
        #expect(HeraldEnvironment.variableName(forOption: "kafka-brokers") == "HERALD_KAFKA_BROKERS")
        #expect(HeraldEnvironment.variableName(forOption: "instance-id") == "HERALD_INSTANCE_ID")
    }

    @Test func theDefaultInstanceIDIsTheHostNameMadeValid() {
        #expect(CommonOptions.instanceID(fromHostName: "web-1.eu.example.com") == "web-1.eu.example.com")
        #expect(CommonOptions.instanceID(fromHostName: "pod 7/ä") == "pod-7--")
        #expect(CommonOptions.instanceID(fromHostName: "") == "0")
        #expect(CommonOptions.hostInstanceID() == CommonOptions.instanceID(fromHostName: ProcessInfo.processInfo.hostName))
    }

    @Test func logfmtQuotesOnlyWhenNeeded() {
        #expect(LogfmtLogHandler.quoted("plain") == "plain")
        #expect(LogfmtLogHandler.quoted("two words") == "\"two words\"")
        #expect(LogfmtLogHandler.quoted("say \"hi\"\nbye") == #""say \"hi\"\nbye""#)
        #expect(LogfmtLogHandler.quoted("") == "\"\"")
    }
}
